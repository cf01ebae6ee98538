// Browser side of e2e/engine-inpaint.spec.ts: transition, continuation and an inpaint-as-main model through the real
// engine worker (ORT web, VAE encoder + DiT + streaming VAE decode + MP4), against training/sample.py
// (training/fixtures/engine, written by training/make_engine_fixtures.py).
import { createEngine, type EngineClient } from '../../src/engine/api';
import type { GenerateRequest, LoadResult, RgbaImage } from '../../src/engine/types';
import type { ModelManifest } from '../../src/models/manifest';
import { readMp4 } from '../../src/video/mp4-reader';
import { maxAbs } from './compare';

interface Arg {
  manifest: ModelManifest;
  base: string;
}

interface Sample {
  request: { prompt: string; negativePrompt: string; seed: number; steps: number; cfgScale: number; frames: number; width: number; height: number };
  mode: string;
  kept_frames: number;
  latent_shape: number[];
  files: Record<string, string>;
}

const FIX = '/training/fixtures/engine/';

async function sample(name: string): Promise<{ s: Sample; latents: Float32Array; kept: RgbaImage[] }> {
  const index = (await (await fetch(`${FIX}index.json`)).json()) as { samples: Record<string, Sample> };
  const s = index.samples[name];
  const latents = new Float32Array(await (await fetch(FIX + s.files.latents)).arrayBuffer());
  const kept: RgbaImage[] = [];
  if (s.files.kept) {
    const bytes = new Uint8Array(await (await fetch(FIX + s.files.kept)).arrayBuffer());
    const n = s.request.width * s.request.height * 4;
    for (let i = 0; i < bytes.length / n; i++) kept.push({ width: s.request.width, height: s.request.height, data: bytes.slice(i * n, (i + 1) * n) });
  }
  return { s, latents, kept };
}


async function errorOf(p: Promise<unknown>): Promise<{ name: string; message: string } | null> {
  try {
    await p;
    return null;
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  }
}

const load = (engine: EngineClient, arg: Arg, backend: 'wasm' | 'webgpu'): Promise<LoadResult> => engine.load({ manifest: arg.manifest, baseUrl: arg.base }, undefined, { backend });

export interface ModeResult {
  errVsPyTorch: number;
  mode: string;
  keptFrames: number;
  mp4: { frames: number; width: number; height: number };
  differsFromTextOnly: number;
  finite: boolean;
}

export interface InpaintModesResult {
  capabilities: Record<string, boolean>;
  transition: ModeResult;
  continuation: ModeResult;
  errors: Record<string, { name: string; message: string } | null>;
}

async function runMode(engine: EngineClient, req: GenerateRequest, ref: Float32Array): Promise<ModeResult> {
  const a = await engine.generate(req);
  const t = await engine.generate({ ...req, image: null, endImage: null, video: null });
  const d = await readMp4(a.mp4);
  return {
    errVsPyTorch: maxAbs(a.latents, ref),
    mode: a.meta.mode,
    keptFrames: a.meta.keptFrames,
    mp4: { frames: d.frameCount, width: d.width, height: d.height },
    differsFromTextOnly: maxAbs(a.latents, t.latents),
    finite: a.latents.every((v) => Number.isFinite(v)),
  };
}

/** Transition and continuation on the wasm backend (dev DiT: dit_inpaint.onnx), plus the validation errors. */
export async function inpaintModes(arg: Arg): Promise<InpaintModesResult> {
  const engine = createEngine();
  try {
    const l = await load(engine, arg, 'wasm');
    const tr = await sample('transition_17x64');
    const transition = await runMode(engine, { ...tr.s.request, previewEvery: 0, image: tr.kept[0], endImage: tr.kept[1] }, tr.latents);
    const co = await sample('continuation_9x64');
    const continuation = await runMode(engine, { ...co.s.request, previewEvery: 0, video: { frames: co.kept } }, co.latents);
    const r = { ...co.s.request, steps: 1, previewEvery: 0 };
    const img = co.kept[0];
    const errors = {
      tooManyKept: await errorOf(engine.generate({ ...r, video: { frames: Array.from({ length: r.frames }, () => img) } })),
      endWithoutStart: await errorOf(engine.generate({ ...r, endImage: img })),
      videoAndImage: await errorOf(engine.generate({ ...r, image: img, video: { frames: [img] } })),
      wrongFrameSize: await errorOf(engine.generate({ ...r, video: { frames: [img, { width: 32, height: 32, data: new Uint8Array(32 * 32 * 4) }] } })),
    };
    return { capabilities: l.capabilities, transition, continuation, errors };
  } finally {
    await engine.dispose().catch(() => undefined);
    engine.terminate();
  }
}

export interface InpaintMainResult {
  capabilities: Record<string, boolean>;
  t2v: { errVsPyTorch: number; mode: string; mp4Frames: number };
  i2vDiffersFromT2v: number;
  webgpu: { error: string | null; ditBackend?: string; errVsWasm?: number; i2vErrVsWasm?: number };
}

/** Text-to-video (all-masked condition) and i2v through an inpaint-as-main export; a small WebGPU split check. */
export async function inpaintMain(arg: Arg & { webgpu: boolean }): Promise<InpaintMainResult> {
  const cpu = createEngine();
  const gpu = createEngine();
  try {
    const l = await load(cpu, arg, 'wasm');
    const { s, latents: ref } = await sample('inpaint_main_t2v_17x64');
    const req: GenerateRequest = { ...s.request, previewEvery: 0 };
    const a = await cpu.generate(req);
    const d = await readMp4(a.mp4);
    const px = new Uint8Array(req.width! * req.height! * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 29) % 256));
    const image = { width: req.width!, height: req.height!, data: px };
    const i = await cpu.generate({ ...req, image });
    const out: InpaintMainResult = {
      capabilities: l.capabilities,
      t2v: { errVsPyTorch: maxAbs(a.latents, ref), mode: a.meta.mode, mp4Frames: d.frameCount },
      i2vDiffersFromT2v: maxAbs(a.latents, i.latents),
      webgpu: { error: null },
    };
    if (arg.webgpu) {
      try {
        const lg = await load(gpu, arg, 'webgpu');
        // Tiny request: 1 step, 5 frames at 32×32 (SwiftShader is slow); split graphs with dit_embed taking the condition.
        const small: GenerateRequest = { ...req, steps: 1, frames: 5, width: 32, height: 32 };
        const small32 = { width: 32, height: 32, data: px.subarray(0, 32 * 32 * 4) };
        const g = await gpu.generate(small);
        const c = await cpu.generate(small);
        const gi = await gpu.generate({ ...small, image: small32 });
        const ci = await cpu.generate({ ...small, image: small32 });
        out.webgpu = { error: null, ditBackend: lg.ditBackend, errVsWasm: maxAbs(g.latents, c.latents), i2vErrVsWasm: maxAbs(gi.latents, ci.latents) };
      } catch (e) {
        out.webgpu = { error: `${(e as Error).name}: ${(e as Error).message}` };
      }
    }
    return out;
  } finally {
    for (const e of [cpu, gpu]) {
      await e.dispose().catch(() => undefined);
      e.terminate();
    }
  }
}

/** An inpaint-as-main model whose manifest lists no VAE encoder: load() must say why it cannot work. */
export async function inpaintMainWithoutEncoder(arg: Arg): Promise<{ name: string; message: string } | null> {
  const engine = createEngine();
  try {
    return await errorOf(load(engine, arg, 'wasm'));
  } finally {
    await engine.dispose().catch(() => undefined);
    engine.terminate();
  }
}
