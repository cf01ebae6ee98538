// Browser side of e2e/engine-bundled.spec.ts: the shipped model (public/models/osp-v13-tiny, loaded by id through its
// manifest.json exactly as the app does) through the real worker on wasm, against training/sample.py's latents and the
// frames PyTorch's WF-VAE decodes from them (training/fixtures/bundled, training/make_bundled_fixtures.py).
import { createEngine } from '../../src/engine/api';
import type { GenerateRequest, LoadResult } from '../../src/engine/types';
import { readMp4 } from '../../src/video/mp4-reader';
import { maxAbs } from './compare';

const FIX = '/training/fixtures/bundled/';

interface Sample {
  request: Required<Pick<GenerateRequest, 'prompt' | 'negativePrompt' | 'seed' | 'steps' | 'cfgScale' | 'frames' | 'width' | 'height'>>;
  latent_shape: number[];
  frames_shape: number[];
  files: Record<string, string>;
}

const bytes = async (f: string) => new Uint8Array(await (await fetch(FIX + f)).arrayBuffer());

export interface BundledCase {
  latentErr: number;
  /** Mean |Δ| (0–255) between the MP4's decoded frames and PyTorch's decoded frames (codec loss included). */
  frameMeanAbs: number;
  mp4: { frames: number; width: number; height: number; codec: string };
  mode: string;
}

export interface BundledResult {
  load: Pick<LoadResult, 'modelId' | 'backend' | 'capabilities' | 'defaults'>;
  t2v: BundledCase;
  i2v: BundledCase;
}

async function runCase(engine: ReturnType<typeof createEngine>, s: Sample, extra: Partial<GenerateRequest>): Promise<BundledCase> {
  const ref = new Float32Array((await bytes(s.files.latents)).buffer);
  const refFrames = await bytes(s.files.frames);
  const r = await engine.generate({ ...s.request, previewEvery: 0, ...extra });
  const latentErr = maxAbs(r.latents, ref);
  const d = await readMp4(r.mp4, { frames: true });
  const [T, H, W] = s.frames_shape;
  let sum = 0;
  for (let t = 0; t < T; t++) {
    const px = d.frames![t];
    for (let i = 0; i < H * W; i++) for (let c = 0; c < 3; c++) sum += Math.abs(px[i * 4 + c] - refFrames[(t * H * W + i) * 3 + c]);
  }
  return { latentErr, frameMeanAbs: sum / (T * H * W * 3), mp4: { frames: d.frameCount, width: d.width, height: d.height, codec: r.meta.codec }, mode: r.meta.mode };
}

export async function bundled(): Promise<BundledResult> {
  const index = (await (await fetch(`${FIX}index.json`)).json()) as { samples: Record<string, Sample> };
  const engine = createEngine();
  try {
    const l = await engine.load('osp-v13-tiny', undefined, { backend: 'wasm' });
    const t2v = await runCase(engine, index.samples.t2v, {});
    const s = index.samples.i2v;
    const image = { width: s.request.width, height: s.request.height, data: await bytes(s.files.image) };
    const i2v = await runCase(engine, s, { image });
    return { load: { modelId: l.modelId, backend: l.backend, capabilities: l.capabilities, defaults: l.defaults }, t2v, i2v };
  } finally {
    await engine.dispose().catch(() => undefined);
    engine.terminate();
  }
}

export interface BundledGpuResult {
  backend: string;
  ditBackend?: string;
  errVsWasm: number;
  /** max |latent| of the wasm result: the scale the error is judged against. */
  latentMaxAbs: number;
  mp4Frames: number;
}

/** A short request (5 frames, 2 steps) on WebGPU — split DiT graphs + WGSL Skiparse, WGSL Haar VAE — vs wasm. */
export async function bundledWebGpu(): Promise<BundledGpuResult> {
  const req: GenerateRequest = { prompt: 'a big red circle moves right on a blue background', seed: 3, steps: 2, frames: 5, previewEvery: 0 };
  const cpu = createEngine();
  const gpu = createEngine();
  try {
    await cpu.load('osp-v13-tiny', undefined, { backend: 'wasm' });
    const lg = await gpu.load('osp-v13-tiny', undefined, { backend: 'webgpu' });
    const a = await cpu.generate(req);
    const b = await gpu.generate(req);
    return { backend: lg.backend, ditBackend: lg.ditBackend, errVsWasm: maxAbs(a.latents, b.latents), latentMaxAbs: a.latents.reduce((m, v) => Math.max(m, Math.abs(v)), 0), mp4Frames: (await readMp4(b.mp4)).frameCount };
  } finally {
    for (const e of [cpu, gpu]) {
      await e.dispose().catch(() => undefined);
      e.terminate();
    }
  }
}
