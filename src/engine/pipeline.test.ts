// The pipeline on Node: toy denoiser → real VAE chunk graph (onnxruntime-node) → a recording sink. Checks the stage
// order, that the sink receives every frame in order as chunks land, that the latents handed to the VAE are the
// sampler's output, and that cancellation aborts the sink.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { buildDevManifest } from '../models/dev-manifest';
import { decodeToVideo, generateVideo, type PipelineDeps, type VideoSink } from './pipeline';
import { ortChunkRunner, parseChunkSchedule, streamDecode, type VaeChunkRunner } from './vae-stream';
import { toyDenoiser, toyPromptEncoder } from './toy-model';
import { validateGenerateRequest } from './validate';
import { denoise } from './denoise';
import { CancelToken, CancelledError } from '../core/cancel';
import type { GenerateProgress } from './types';

const DIR = 'public/models/osp-v13-tiny';
const manifest = buildDevManifest(DIR);
const schedule = parseChunkSchedule(JSON.parse(readFileSync(join(DIR, 'vae_decoder_chunk.json'), 'utf8')));
let session: ort.InferenceSession | undefined;
afterAll(async () => session?.release());

class RecordingSink implements VideoSink {
  readonly codec = 'fake';
  frames: Uint8Array[] = [];
  indices: number[] = [];
  finalized = false;
  aborted = false;
  constructor(readonly width: number, readonly height: number, readonly fps: number) {}
  async addFrame(rgba: Uint8Array, index: number) {
    expect(rgba.byteLength).toBe(this.width * this.height * 4);
    this.frames.push(rgba);
    this.indices.push(index);
  }
  async finalize() {
    this.finalized = true;
    return new Blob([new Uint8Array(this.frames.length)], { type: 'video/mp4' });
  }
  async abort() {
    this.aborted = true;
  }
}

async function deps(sinks: RecordingSink[], withToy = true): Promise<PipelineDeps> {
  session ??= await ort.InferenceSession.create(join(DIR, 'vae_decoder_chunk.onnx'));
  const vae = ortChunkRunner(session as never, (d, dims) => new ort.Tensor('float32', d, dims) as never, schedule) as VaeChunkRunner<unknown>;
  return {
    manifest,
    backend: 'wasm',
    stats: {},
    vae,
    sink: async (o) => {
      const s = new RecordingSink(o.width, o.height, o.fps);
      sinks.push(s);
      return s;
    },
    ...(withToy ? { denoiser: async (shape: readonly number[]) => toyDenoiser(shape), promptEncoder: toyPromptEncoder } : {}),
  };
}

describe('generateVideo (toy denoiser, real VAE graph)', () => {
  it('runs text → denoise → decode → mux; the sink gets every frame in order; VAE input = sampler output', async () => {
    const sinks: RecordingSink[] = [];
    const d = await deps(sinks);
    const req = validateGenerateRequest({ prompt: 'a ball', steps: 3, cfgScale: 3, frames: 9, width: 32, height: 32, seed: 11, fps: 8 }, manifest);
    const events: GenerateProgress[] = [];
    const res = await generateVideo(d, req, { onProgress: (p) => events.push(p) });
    expect([...new Set(events.map((e) => e.stage))]).toEqual(['text', 'denoise', 'decode', 'mux', 'done']);
    expect(events.filter((e) => e.stage === 'denoise').map((e) => e.step)).toEqual([1, 2, 3]);
    expect(res.meta).toMatchObject({ frames: 9, width: 32, height: 32, fps: 8, seed: 11, codec: 'fake' });
    // ETA: decreasing over the steps, and the next job's denoise ETA includes the measured decode time.
    const etas = events.filter((e) => e.stage === 'denoise').map((e) => e.etaMs!);
    expect(etas.every((e) => e >= 0)).toBe(true);
    const perFrame = d.stats!.decodeMsPerFrame!;
    expect(perFrame).toBeGreaterThan(0);
    const ev2: GenerateProgress[] = [];
    await generateVideo(d, req, { onProgress: (p) => ev2.push(p) });
    const lastEta = ev2.filter((e) => e.stage === 'denoise').at(-1)!.etaMs!;
    expect(lastEta).toBeGreaterThanOrEqual(perFrame * 9); // last step: nothing left but the decode
    const sink = sinks[0];
    expect(sink.indices).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(sink.finalized).toBe(true);
    // Same frames as decoding the sampler's latents directly.
    const latents = await denoise({ denoiser: toyDenoiser(req.latentShape), seed: 11, steps: 3, cfgScale: 3, cond: await toyPromptEncoder.encode('a ball'), uncond: await toyPromptEncoder.encode('') });
    const direct: Uint8Array[] = [];
    for await (const c of streamDecode(d.vae, { data: latents, dims: req.latentShape })) direct.push(...c.frames);
    expect(direct.length).toBe(9);
    for (let i = 0; i < 9; i++) expect(Buffer.from(sink.frames[i]).equals(Buffer.from(direct[i]))).toBe(true);
  }, 60_000);

  it('with vae.latentNorm the VAE gets z = x·scale + shift of the sampler output x (result.latents stays x)', async () => {
    const sinks: RecordingSink[] = [];
    const norm = { shift: [0.1, -0.2, 0.3, 0, 0.05, -0.05, 0.2, 0], scale: [0.3, 0.35, 0.4, 0.3, 0.36, 0.29, 0.18, 0.31] };
    const d = { ...(await deps(sinks)), manifest: { ...manifest, vae: { ...manifest.vae, latentNorm: norm } } };
    const req = validateGenerateRequest({ prompt: 'a ball', steps: 2, cfgScale: 1, frames: 5, width: 32, height: 32, seed: 3 }, d.manifest);
    const res = await generateVideo(d, req);
    const x = await denoise({ denoiser: toyDenoiser(req.latentShape), seed: 3, steps: 2, cfgScale: 1, cond: await toyPromptEncoder.encode('a ball') });
    expect(Array.from(res.latents)).toEqual(Array.from(x));
    const per = x.length / 8;
    const z = x.map((v, i) => v * norm.scale[Math.floor(i / per)] + norm.shift[Math.floor(i / per)]);
    const direct: Uint8Array[] = [];
    for await (const c of streamDecode(d.vae, { data: z, dims: req.latentShape })) direct.push(...c.frames);
    for (let i = 0; i < 5; i++) expect(Buffer.from(sinks[0].frames[i]).equals(Buffer.from(direct[i]))).toBe(true);
  }, 60_000);

  it('without a DiT: NotSupportedError; image-to-video unsupported', async () => {
    const d = await deps([], false);
    const req = validateGenerateRequest({ prompt: 'x', steps: 2, frames: 5, width: 32, height: 32, seed: 1 }, manifest);
    await expect(generateVideo(d, req)).rejects.toMatchObject({ name: 'NotSupportedError' });
    const d2 = await deps([]);
    const withImg = validateGenerateRequest({ prompt: 'x', steps: 2, frames: 5, width: 32, height: 32, seed: 1, image: { width: 32, height: 32, data: new Uint8Array(32 * 32 * 4) } }, manifest);
    await expect(generateVideo(d2, withImg)).rejects.toThrow(/image-to-video/);
  });

  it('cancel during decode aborts the sink (nothing finalized)', async () => {
    const sinks: RecordingSink[] = [];
    const d = await deps(sinks);
    const token = new CancelToken();
    const lat = new Float32Array(8 * 5 * 4 * 4).fill(0.05);
    await expect(decodeToVideo(d, lat, [1, 8, 5, 4, 4], 8, { cancel: token, onProgress: (p) => { if (p.chunk) token.cancel(); } })).rejects.toBeInstanceOf(CancelledError);
    expect(sinks[0].aborted).toBe(true);
    expect(sinks[0].finalized).toBe(false);
    expect(sinks[0].frames.length).toBe(1); // only chunk 0 made it
  }, 60_000);
});
