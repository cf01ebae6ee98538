// Browser side of e2e/engine-dit.spec.ts: the real engine worker with the exported DiT (dev weights) against the
// PyTorch reference sampler (training/fixtures/engine, written by training/make_engine_fixtures.py).
import { createEngine, type EngineClient } from '../../src/engine/api';
import type { GenerateProgress, GenerateRequest, LoadProgress, LoadResult } from '../../src/engine/types';
import type { ModelManifest } from '../../src/models/manifest';
import { readMp4 } from '../../src/video/mp4-reader';
import { maxAbs } from './compare';

interface Arg {
  manifest: ModelManifest;
  base: string;
}

interface Sample {
  request: { prompt: string; negativePrompt: string; seed: number; steps: number; cfgScale: number; frames: number; width: number; height: number };
  latent_shape: number[];
  files: Record<string, string>;
}

const FIX = '/training/fixtures/engine/';

async function sample(name: string): Promise<{ s: Sample; latents: Float32Array }> {
  const index = (await (await fetch(`${FIX}index.json`)).json()) as { samples: Record<string, Sample> };
  const s = index.samples[name];
  const latents = new Float32Array(await (await fetch(FIX + s.files.latents)).arrayBuffer());
  return { s, latents };
}


function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  let n = 0;
  for (let i = 0; i < a.length; i += 4) for (let c = 0; c < 3; c++) { const d = a[i + c] - b[i + c]; se += d * d; n++; }
  return se === 0 ? 99 : 10 * Math.log10((255 * 255 * n) / se);
}

const bitEqual = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

async function load(
  engine: EngineClient, arg: Arg, backend: 'wasm' | 'webgpu', attentionKernel?: 'auto' | 'simple' | 'tiled',
): Promise<{ loaded: LoadResult; stages: string[]; sessionMessages: number; kernelMessages: string[] }> {
  const events: LoadProgress[] = [];
  const loaded = await engine.load({ manifest: arg.manifest, baseUrl: arg.base }, (p) => events.push(p), { backend, attentionKernel });
  await new Promise((r) => setTimeout(r, 100)); // progress messages travel on their own ports
  return {
    loaded, stages: [...new Set(events.map((e) => e.stage))], sessionMessages: events.filter((e) => e.stage === 'session').length,
    kernelMessages: events.filter((e) => /Skiparse attention/.test(e.message)).map((e) => e.message),
  };
}

export interface WasmDitResult {
  load: { backend: string; ditBackend?: string; capabilities: Record<string, boolean>; stages: string[]; sessionMessages: number; bytesLoaded: number };
  latentShape: number[];
  refShape: number[];
  errVsPyTorch: number;
  refAbsMax: number;
  stages: string[];
  steps: number[];
  mp4: { frames: number; packets: number; width: number; height: number; fps: number };
  meta: Record<string, unknown>;
  framesPsnrVsReferenceDecode: { min: number; mean: number };
  sameSeedLatentsBitEqual: boolean;
  sameSeedFramesEqual: boolean;
  otherSeedDiffers: number;
  analyze: { unknownWords: string[]; truncatedWords: number; maxWords: number };
  oddLatentSize: { name: string; message: string } | null;
  ms: { generate: number };
}

/** Generate with the wasm DiT: latents vs PyTorch, MP4 checks, decoded frames vs the reference latents' decode, determinism. */
export async function wasmDit(arg: Arg): Promise<WasmDitResult> {
  const engine = createEngine();
  try {
    const l = await load(engine, arg, 'wasm');
    const { s, latents: ref } = await sample('t2v_17x64');
    const req: GenerateRequest = { ...s.request, fps: 8 };
    const events: GenerateProgress[] = [];
    const t0 = performance.now();
    const res = await engine.generate(req, (p) => events.push(p));
    const genMs = performance.now() - t0;
    const d = await readMp4(res.mp4, { frames: true });
    // The reference latents through the same VAE graph (decodeLatents) = what the PyTorch sampler's clip looks like.
    const refClip = await readMp4((await engine.decodeLatents(ref, s.latent_shape, { fps: 8 })).mp4, { frames: true });
    const ps = d.frames!.map((f, i) => psnr(f, refClip.frames![i]));
    const again = await engine.generate(req);
    const againMp4 = await readMp4(again.mp4);
    const other = await engine.generate({ ...req, seed: req.seed! + 1 });
    const analyze = await engine.analyzePrompt('a zebra on the moon, a zebra!');
    let oddLatentSize: WasmDitResult['oddLatentSize'] = null;
    try {
      await engine.generate({ ...req, width: 40, steps: 1 }); // latent width 5: not divisible by the 2×2 patch
    } catch (e) {
      oddLatentSize = { name: (e as Error).name, message: (e as Error).message };
    }
    await new Promise((r) => setTimeout(r, 100)); // progress messages travel on their own ports
    return {
      load: { backend: l.loaded.backend, ditBackend: l.loaded.ditBackend, capabilities: l.loaded.capabilities, stages: l.stages, sessionMessages: l.sessionMessages, bytesLoaded: l.loaded.bytesLoaded },
      latentShape: res.latentShape,
      refShape: s.latent_shape,
      errVsPyTorch: maxAbs(res.latents, ref),
      refAbsMax: maxAbs(ref, new Float32Array(ref.length)),
      stages: [...new Set(events.map((e) => e.stage))],
      steps: events.filter((e) => e.stage === 'denoise').map((e) => e.step!),
      mp4: { frames: d.frameCount, packets: d.packetCount, width: d.width, height: d.height, fps: d.fps },
      meta: res.meta as unknown as Record<string, unknown>,
      framesPsnrVsReferenceDecode: { min: Math.min(...ps), mean: ps.reduce((a, b) => a + b, 0) / ps.length },
      sameSeedLatentsBitEqual: bitEqual(res.latents, again.latents),
      sameSeedFramesEqual: JSON.stringify(d.hashes) === JSON.stringify(againMp4.hashes),
      otherSeedDiffers: maxAbs(res.latents, other.latents),
      analyze,
      oddLatentSize,
      ms: { generate: genMs },
    };
  } finally {
    await engine.dispose().catch(() => undefined);
    engine.terminate();
  }
}

export interface I2vDitResult {
  capabilities: Record<string, boolean>;
  errVsPyTorch: number;
  finite: boolean;
  mp4: { frames: number; width: number; height: number; fps: number };
  sameSeedLatentsBitEqual: boolean;
  differsFromTextOnly: number;
  wrongSize: { name: string; message: string } | null;
}

/** Image-to-video in the worker (wasm): first frame → VAE encoder → inpaint DiT; vs PyTorch when the VAE allows. */
export async function i2vDit(arg: Arg): Promise<I2vDitResult> {
  const engine = createEngine();
  try {
    const l = await load(engine, arg, 'wasm');
    const index = (await (await fetch(`${FIX}index.json`)).json()) as { samples: Record<string, Sample> };
    const s = index.samples.i2v_17x64;
    const ref = new Float32Array(await (await fetch(FIX + s.files.latents)).arrayBuffer());
    const rgba = new Uint8Array(await (await fetch(FIX + s.files.image)).arrayBuffer());
    const req: GenerateRequest = { ...s.request, fps: 8, image: { width: s.request.width, height: s.request.height, data: rgba } };
    const a = await engine.generate(req);
    const b = await engine.generate(req);
    const t = await engine.generate({ ...req, image: null });
    const d = await readMp4(a.mp4);
    let wrongSize: I2vDitResult['wrongSize'] = null;
    try {
      await engine.generate({ ...req, image: { width: 32, height: 32, data: new Uint8Array(32 * 32 * 4) } });
    } catch (e) {
      wrongSize = { name: (e as Error).name, message: (e as Error).message };
    }
    return {
      capabilities: l.loaded.capabilities,
      errVsPyTorch: maxAbs(a.latents, ref),
      finite: a.latents.every((v) => Number.isFinite(v)),
      mp4: { frames: d.frameCount, width: d.width, height: d.height, fps: d.fps },
      sameSeedLatentsBitEqual: bitEqual(a.latents, b.latents),
      differsFromTextOnly: maxAbs(a.latents, t.latents),
      wrongSize,
    };
  } finally {
    await engine.dispose().catch(() => undefined);
    engine.terminate();
  }
}

export interface WebGpuDitResult {
  error: string | null;
  i2v?: { errWebGpuVsWasm: number; differsFromTextOnly: number };
  /** The auto kernel choice (SwiftShader: simple) and a load forcing the tiled kernel, whose latents must match. */
  kernels?: { auto: string[]; forced: string[]; errTiledVsWasm: number };
  load?: { backend: string; ditBackend?: string; backendReason: string; capabilities: Record<string, boolean> };
  errWebGpuVsWasm?: number;
  errWebGpuVsPyTorch?: number;
  errWasmVsPyTorch?: number;
  webgpuDeterministic?: boolean;
  mp4?: { frames: number; width: number; height: number; fps: number };
  ms?: { webgpu: number; wasm: number };
}

/** The tiny request (2 steps, 5 frames at 32×32) on the split WebGPU DiT vs the wasm one-graph DiT vs PyTorch. */
export async function webgpuDit(arg: Arg): Promise<WebGpuDitResult> {
  const { s, latents: ref } = await sample('t2v_5x32');
  const req: GenerateRequest = { ...s.request, fps: 8, previewEvery: 0 };
  const gpu = createEngine();
  const cpu = createEngine();
  try {
    const lg = await load(gpu, arg, 'webgpu');
    const t0 = performance.now();
    const a = await gpu.generate(req);
    const tGpu = performance.now() - t0;
    const a2 = await gpu.generate(req);
    const d = await readMp4(a.mp4);
    await load(cpu, arg, 'wasm');
    const t1 = performance.now();
    const b = await cpu.generate(req);
    const tCpu = performance.now() - t1;
    // Image-to-video on the split path (dit_embed_inpaint on WebGPU) vs the one-graph dit_inpaint on wasm, 1 step.
    const px = new Uint8Array(req.width! * req.height! * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 37) % 256));
    const ireq: GenerateRequest = { ...req, steps: 1, image: { width: req.width!, height: req.height!, data: px } };
    const ig = await gpu.generate(ireq);
    const ic = await cpu.generate(ireq);
    const it = await cpu.generate({ ...ireq, image: null });
    // The same request with the GPU-tuned Skiparse kernel forced (the engine picks 'simple' on SwiftShader).
    const lt = await load(gpu, arg, 'webgpu', 'tiled'); // replaces the loaded model
    const t = await gpu.generate(req);
    return {
      kernels: { auto: lg.kernelMessages, forced: lt.kernelMessages, errTiledVsWasm: maxAbs(t.latents, b.latents) },
      i2v: { errWebGpuVsWasm: maxAbs(ig.latents, ic.latents), differsFromTextOnly: maxAbs(ic.latents, it.latents) },
      error: null,
      load: { backend: lg.loaded.backend, ditBackend: lg.loaded.ditBackend, backendReason: lg.loaded.backendReason, capabilities: lg.loaded.capabilities },
      errWebGpuVsWasm: maxAbs(a.latents, b.latents),
      errWebGpuVsPyTorch: maxAbs(a.latents, ref),
      errWasmVsPyTorch: maxAbs(b.latents, ref),
      webgpuDeterministic: bitEqual(a.latents, a2.latents),
      mp4: { frames: d.frameCount, width: d.width, height: d.height, fps: d.fps },
      ms: { webgpu: tGpu, wasm: tCpu },
    };
  } catch (e) {
    return { error: `${(e as Error).name}: ${(e as Error).message}` };
  } finally {
    for (const e of [gpu, cpu]) {
      await e.dispose().catch(() => undefined);
      e.terminate();
    }
  }
}
