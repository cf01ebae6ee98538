import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseManifest, type ModelManifest } from './manifest';
import { formatBytes, planMemory, vaeChunkStateBytes } from './memory-plan';
import { ditParams, textEncoderParams, vaeBaseFromWeightBytes, wfvaeDecoderParams, type DitDims, type TextEncoderDims } from './param-count';
import { realSizeManifest } from './real-size';

const DIR = 'public/models/osp-v13-tiny';
const bundled = (): ModelManifest => parseManifest(JSON.parse(readFileSync(`${DIR}/manifest.json`, 'utf8')));
const bytes = (m: ModelManifest, path: string) => m.files.find((f) => f.path === path)!.bytes;

describe('parameter counts', () => {
  it('reproduce the bundled weight files to the byte', () => {
    const m = bundled();
    // dit.weights holds the DiT and the text encoder (export_dit.py writes both into one file).
    expect((ditParams(m.dit as unknown as DitDims) + textEncoderParams(m.textEncoder as unknown as TextEncoderDims)) * 4).toBe(bytes(m, 'dit.weights'));
    expect(vaeBaseFromWeightBytes(bytes(m, 'vae_decoder.weights'), 8)).toBe(16);
  });
  it('match the released WF-VAE decoder (PyTorch count) and the 2.7B DiT', () => {
    expect(wfvaeDecoderParams({ base: 128, energy: 128, latent: 8 })).toBe(110_165_436);
    const dit = ditParams(realSizeManifest().dit as unknown as DitDims);
    expect(dit / 1e9).toBeGreaterThan(2.6);
    expect(dit / 1e9).toBeLessThan(2.8);
  });
  it('do not guess a VAE width from a foreign file size', () => {
    expect(vaeBaseFromWeightBytes(12_345, 8)).toBeNull();
  });
});

describe('planMemory', () => {
  it('charges the chunk state exactly as vae_decoder_chunk.json lists it', () => {
    const sched = JSON.parse(readFileSync(`${DIR}/vae_decoder_chunk.json`, 'utf8')) as { states: { channels?: number; frames?: number; spatial_scale?: number }[] };
    const h = 16;
    const w = 12;
    const want = sched.states.reduce((a, s) => a + (s.channels === undefined ? 1 : s.channels * (s.frames ?? 1) * (s.spatial_scale ?? 1) ** 2 * h * w), 0) * 4;
    expect(vaeChunkStateBytes(16, 16, 8, h, w)).toBe(want);
  });

  it('fits the bundled model on wasm and prints one line per component', () => {
    const p = planMemory(bundled(), { width: 64, height: 64, frames: 17 }, { backend: 'wasm' });
    expect(p.fits).toBe(true);
    expect(p.target.tokens).toBe(5 * 4 * 4);
    expect(p.components.map((c) => c.name)).toEqual(['text encoder', 'DiT', 'VAE decode']);
    expect(p.lines.join('\n')).toMatch(/DiT +weights +19\.9 MiB/);
    expect(p.peakBytes).toBeLessThan(200 * 2 ** 20);
  });

  it('refuses the real size on an adapter with 4 GiB buffers, with the numbers', () => {
    const p = planMemory(realSizeManifest(), { width: 640, height: 352, frames: 93 }, { backend: 'webgpu', maxBufferSize: 4 * 2 ** 30, maxStorageBufferBindingSize: 2 * 2 ** 30, memoryBytes: 24 * 2 ** 30, memorySource: 'given' });
    expect(p.target.tokens).toBe(21_120);
    expect(p.fits).toBe(false);
    expect(p.refusal).toMatch(/needs \d+\.\d GiB of GPU buffers at 640×352×93, this adapter allows 24\.0 GiB/);
    expect(p.refusal).toMatch(/text encoder needs a 3\.8 GiB GPU buffer, this adapter allows 2\.0 GiB per buffer/);
  });

  it('says when only freeing the text encoder makes it fit', () => {
    const m = bundled();
    const full = planMemory(m, { width: 64, height: 64, frames: 17 }, { backend: 'wasm' });
    const te = full.components[0];
    expect(full.peakWithoutTextEncoderBytes).toBeLessThan(full.peakBytes);
    const budget = Math.floor((full.peakBytes + full.peakWithoutTextEncoderBytes) / 2);
    const p = planMemory(m, { width: 64, height: 64, frames: 17 }, { backend: 'wasm', memoryBytes: budget });
    expect(p.fits).toBe(true);
    expect(p.freeTextEncoder).toBe(true);
    expect(te.weightBytes).toBeGreaterThan(0);
    const tight = planMemory(m, { width: 64, height: 64, frames: 17 }, { backend: 'wasm', memoryBytes: full.peakWithoutTextEncoderBytes - 1, memorySource: 'a test budget' });
    expect(tight.fits).toBe(false);
    expect(tight.refusal).toContain('this browser allows');
    expect(tight.refusal).toContain('a test budget');
  });

  it('VAE tiles shrink the decode activations', () => {
    const m = realSizeManifest();
    const whole = planMemory(m, { width: 640, height: 352, frames: 93 }, { backend: 'wasm' }).components.find((c) => c.name === 'VAE decode')!;
    const tiled = planMemory(m, { width: 640, height: 352, frames: 93, vaeTile: { size: 32, overlap: 16 } }, { backend: 'wasm' }).components.find((c) => c.name === 'VAE decode')!;
    expect(tiled.activationBytes).toBeLessThan(whole.activationBytes / 2);
    expect(tiled.note).toMatch(/8 tiles; \d+\.\d GiB of waiting tile states in JS memory/);
    const gpu = planMemory(m, { width: 640, height: 352, frames: 93, vaeTile: { size: 32, overlap: 16 } }, { backend: 'webgpu' }).components.find((c) => c.name === 'VAE decode')!;
    expect(gpu.activationBytes).toBeGreaterThan(tiled.activationBytes); // the waiting states are GPU buffers there
    expect(tiled.weightBytes).toBe(whole.weightBytes);
  });

  it('charges 2 bytes per weight for fp16 storage', () => {
    const m = realSizeManifest();
    const fp32 = planMemory(m, { width: 640, height: 352, frames: 93 }, { backend: 'webgpu' });
    m.dit = { ...m.dit, dtype: 'float16' };
    m.textEncoder = { ...m.textEncoder, dtype: 'bfloat16' };
    const fp16 = planMemory(m, { width: 640, height: 352, frames: 93 }, { backend: 'webgpu' });
    expect(fp16.components[0].weightBytes * 2).toBe(fp32.components[0].weightBytes);
    expect(fp16.components[1].weightBytes * 2).toBe(fp32.components[1].weightBytes);
  });

  it('rejects a size the latent grid cannot hold', () => {
    expect(() => planMemory(bundled(), { width: 60, height: 64, frames: 17 }, { backend: 'wasm' })).toThrow(/multiple of the 8-pixel latent cell/);
    expect(() => planMemory(bundled(), { width: 64, height: 64, frames: 16 }, { backend: 'wasm' })).toThrow(/not 1 \+ 4k/);
  });

  it('formats bytes in binary units', () => {
    expect(formatBytes(6.1 * 2 ** 30)).toBe('6.1 GiB');
    expect(formatBytes(3 * 2 ** 20)).toBe('3.0 MiB');
  });
});
