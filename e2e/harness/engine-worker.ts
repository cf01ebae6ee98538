// Browser side of e2e/engine-worker.spec.ts: drives the real engine worker (src/engine/worker.ts) through the comlink
// client (src/engine/api.ts), exactly as the app will.
import { createEngine, type EngineClient } from '../../src/engine/api';
import type { GenerateProgress, LoadProgress } from '../../src/engine/types';
import type { ModelManifest } from '../../src/models/manifest';
import { readMp4 } from '../../src/video/mp4-reader';
import { videoToRgba } from '../../src/engine/vae-stream';

interface Arg {
  manifest: ModelManifest;
  base: string;
}

async function fixture(name: string): Promise<{ data: Float32Array; shape: number[] }> {
  const index = await (await fetch('/training/fixtures/vae/index.json')).json();
  const [key, io, field] = name.split('.');
  const ref = index.fixtures[key][io === 'in' ? 'inputs' : 'outputs'][field];
  const res = await fetch(`/training/fixtures/vae/${ref.file}`);
  return { data: new Float32Array(await res.arrayBuffer()), shape: ref.shape };
}

function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  let n = 0;
  for (let i = 0; i < a.length; i += 4) for (let c = 0; c < 3; c++) { const d = a[i + c] - b[i + c]; se += d * d; n++; }
  return se === 0 ? 99 : 10 * Math.log10((255 * 255 * n) / se);
}

async function errorOf(p: Promise<unknown>): Promise<{ name: string; message: string } | null> {
  try {
    await p;
    return null;
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface DecodeViaWorkerResult {
  load: { backend: string; backendReason: string; crossOriginIsolated: boolean; capabilities: Record<string, boolean>; bytesLoaded: number; stages: string[]; downloadEvents: number };
  mp4: { bytes: number; type: string; codec: string | null; frames: number; packets: number; width: number; height: number; fps: number; duration: number };
  meta: Record<string, unknown>;
  psnrVsPyTorch: { min: number; mean: number };
  chunkEvents: { index: number; frames: number; firstFrame: number; totalFrames: number }[];
  image: { frames: number; width: number; height: number; fps: number };
}

/** latent fixture → worker.decodeLatents → MP4 → decoded back. */
export async function decodeViaWorker(arg: Arg): Promise<DecodeViaWorkerResult> {
  const engine = createEngine();
  try {
    const loadEvents: LoadProgress[] = [];
    const loaded = await engine.load({ manifest: arg.manifest, baseUrl: arg.base }, (p) => loadEvents.push(p), { backend: 'auto' });
    const latent = await fixture('decoder_17.in.latent');
    const chunkEvents: GenerateProgress[] = [];
    const res = await engine.decodeLatents(latent.data, latent.shape, { fps: 8 }, (p) => chunkEvents.push(p));
    const d = await readMp4(res.mp4, { frames: true });
    const ref = await fixture('decoder_17.out.video');
    const refFrames = videoToRgba({ data: ref.data, dims: ref.shape });
    const ps = d.frames!.map((f, i) => psnr(f, refFrames[i]));
    // T = 1: a single latent frame → a one-frame MP4.
    const [, c, t, h, w] = latent.shape;
    const one = new Float32Array(c * h * w);
    for (let ch = 0; ch < c; ch++) one.set(latent.data.subarray(ch * t * h * w, ch * t * h * w + h * w), ch * h * w);
    const img = await engine.decodeLatents(one, [1, c, 1, h, w], { fps: 8 });
    const di = await readMp4(img.mp4);
    await sleep(100); // progress messages travel on their own ports
    return {
      load: {
        backend: loaded.backend,
        backendReason: loaded.backendReason,
        crossOriginIsolated: loaded.crossOriginIsolated,
        capabilities: loaded.capabilities,
        bytesLoaded: loaded.bytesLoaded,
        stages: [...new Set(loadEvents.map((e) => e.stage))],
        downloadEvents: loadEvents.filter((e) => e.stage === 'download').length,
      },
      mp4: { bytes: res.mp4.size, type: res.mp4.type, codec: d.codec, frames: d.frameCount, packets: d.packetCount, width: d.width, height: d.height, fps: d.fps, duration: d.durationSec },
      meta: res.meta as unknown as Record<string, unknown>,
      psnrVsPyTorch: { min: Math.min(...ps), mean: ps.reduce((a, b) => a + b, 0) / ps.length },
      chunkEvents: chunkEvents.filter((e) => e.chunk).map((e) => ({ index: e.chunk!.index, frames: e.chunk!.frames, firstFrame: e.chunk!.firstFrame, totalFrames: e.chunk!.totalFrames })),
      image: { frames: di.packetCount, width: di.width, height: di.height, fps: di.fps },
    };
  } finally {
    await engine.dispose().catch(() => undefined);
    engine.terminate();
  }
}

export type ErrorMap = Record<string, { name: string; message: string } | null>;

/** Bad inputs at the boundary: each must reject with a clear error, and the worker must stay usable. */
export async function boundaryErrors(arg: Arg): Promise<{ errors: ErrorMap; aliveAfter: boolean; decodeAfterErrors: number }> {
  const engine = createEngine();
  const errors: ErrorMap = {};
  try {
    const good = { prompt: 'a cat', steps: 4, cfgScale: 4.5, frames: 9, width: 32, height: 32, seed: 1 };
    errors.generateBeforeLoad = await errorOf(engine.generate(good));
    errors.decodeBeforeLoad = await errorOf(engine.decodeLatents(new Float32Array(8 * 16), [1, 8, 1, 4, 4]));
    errors.unknownModelId = await errorOf(engine.load('no-such-model'));
    errors.badModelId = await errorOf(engine.load('../../etc'));
    const badManifest = { ...arg.manifest, files: arg.manifest.files.map((f) => (f.path === 'vae_decoder_chunk.json' ? { ...f, sha256: '0'.repeat(64) } : f)) };
    errors.corruptFile = await errorOf(engine.load({ manifest: badManifest, baseUrl: arg.base }, undefined, { backend: 'wasm' }));
    errors.badThreads = await errorOf(engine.load({ manifest: arg.manifest, baseUrl: arg.base }, undefined, { backend: 'wasm', wasmThreads: 0 }));
    // A forced thread count (the default is every core up to 4: 2 on a 2-core machine).
    const loaded = await engine.load({ manifest: arg.manifest, baseUrl: arg.base }, undefined, { backend: 'wasm', wasmThreads: 1 });
    if (loaded.wasmThreads !== 1) errors.threadsIgnored = { name: 'Error', message: `loaded with ${loaded.wasmThreads} ORT threads, asked for 1` };
    const bad: Record<string, unknown> = {
      wrongModel: { ...good, modelId: 'other-model' },
      frames4: { ...good, frames: 4 },
      frames0: { ...good, frames: 0 },
      steps0: { ...good, steps: 0 },
      steps1e6: { ...good, steps: 1e6 },
      stepsFloat: { ...good, steps: 2.5 },
      cfgNaN: { ...good, cfgScale: Number.NaN },
      cfgString: { ...good, cfgScale: '7' },
      seedNegative: { ...good, seed: -1 },
      width30: { ...good, width: 30 },
      imageWrongSize: { ...good, image: { width: 16, height: 16, data: new Uint8Array(16 * 16 * 4) } },
      imageWrongBytes: { ...good, image: { width: 32, height: 32, data: new Uint8Array(10) } },
      promptNumber: { ...good, prompt: 42 },
      notObject: 'make a video',
    };
    for (const [k, v] of Object.entries(bad)) errors[k] = await errorOf(engine.generate(v as never));
    // Valid requests on a model without a DiT: a clear NotSupportedError (empty prompt included).
    errors.noDit = await errorOf(engine.generate(good));
    errors.noDitEmptyPrompt = await errorOf(engine.generate({ ...good, prompt: '' }));
    errors.decodeWrongChannels = await errorOf(engine.decodeLatents(new Float32Array(4 * 16), [1, 4, 1, 4, 4]));
    errors.decodeWrongLength = await errorOf(engine.decodeLatents(new Float32Array(10), [1, 8, 1, 4, 4]));
    const nan = new Float32Array(8 * 16);
    nan[5] = Number.NaN;
    errors.decodeNaN = await errorOf(engine.decodeLatents(nan, [1, 8, 1, 4, 4]));
    errors.decodeBadShape = await errorOf(engine.decodeLatents(new Float32Array(8 * 16), [8, 1, 4, 4] as never));
    errors.decodeNotTyped = await errorOf(engine.decodeLatents([1, 2, 3] as never, [1, 8, 1, 4, 4]));
    const info = await engine.info();
    const after = await engine.decodeLatents(new Float32Array(8 * 2 * 16).fill(0.1), [1, 8, 2, 4, 4]);
    return { errors, aliveAfter: info.loaded?.modelId === arg.manifest.id && !info.busy, decodeAfterErrors: after.meta.frames };
  } finally {
    engine.terminate();
  }
}

export interface ToyGenerateResult {
  stages: string[];
  steps: number[];
  previews: { step: number; width: number; height: number; frames: number; bytes: number }[];
  etaFirst: number | null;
  chunks: number;
  meta: Record<string, unknown>;
  mp4: { frames: number; width: number; height: number; fps: number };
  hashesEqualForSameSeed: boolean;
  hashesDifferForOtherSeed: boolean;
  emptyPromptFrames: number;
}

/** The whole generate() path with the toy denoiser (manifest dit.kind = 'toy'): progress, previews, MP4, determinism. */
export async function toyGenerate(arg: Arg): Promise<ToyGenerateResult> {
  const engine = createEngine();
  try {
    await engine.load({ manifest: { ...arg.manifest, dit: { kind: 'toy' } }, baseUrl: arg.base }, undefined, { backend: 'wasm' });
    const events: GenerateProgress[] = [];
    const req = { prompt: 'a red ball', steps: 4, cfgScale: 4.5, frames: 9, width: 32, height: 32, seed: 7, fps: 8 };
    const res = await engine.generate(req, (p) => events.push(p));
    await sleep(100);
    const d = await readMp4(res.mp4);
    const again = await readMp4((await engine.generate(req)).mp4);
    const other = await readMp4((await engine.generate({ ...req, seed: 8 })).mp4);
    const empty = await engine.generate({ ...req, prompt: '', cfgScale: 1 });
    const den = events.filter((e) => e.stage === 'denoise');
    return {
      stages: [...new Set(events.map((e) => e.stage))],
      steps: den.map((e) => e.step!),
      previews: den.filter((e) => e.preview).map((e) => ({ step: e.step!, width: e.preview!.width, height: e.preview!.height, frames: e.preview!.frames, bytes: e.preview!.data.byteLength })),
      etaFirst: den[0]?.etaMs ?? null,
      chunks: events.filter((e) => e.chunk).length,
      meta: res.meta as unknown as Record<string, unknown>,
      mp4: { frames: d.frameCount, width: d.width, height: d.height, fps: d.fps },
      hashesEqualForSameSeed: JSON.stringify(d.hashes) === JSON.stringify(again.hashes),
      hashesDifferForOtherSeed: JSON.stringify(d.hashes) !== JSON.stringify(other.hashes),
      emptyPromptFrames: empty.meta.frames,
    };
  } finally {
    engine.terminate();
  }
}

export interface CancelResult {
  denoise: { error: { name: string; message: string } | null; stepsSeen: number; msToReject: number };
  decode: { error: { name: string; message: string } | null; chunksSeen: number };
  busy: { name: string; message: string } | null;
  cancelIdle: boolean;
  usableAfter: number;
  crash: { name: string; message: string } | null;
}

/** cancel() between denoising steps and between VAE chunks; busy rejection; a terminated worker rejects pending calls. */
export async function cancellation(arg: Arg): Promise<CancelResult> {
  const engine: EngineClient = createEngine();
  await engine.load({ manifest: { ...arg.manifest, dit: { kind: 'toy', stepDelayMs: 150 } }, baseUrl: arg.base }, undefined, { backend: 'wasm' });
  // Denoise: 50 slow steps, cancel after the 2nd.
  let steps = 0;
  let t0 = 0;
  const job = engine.generate({ prompt: 'x', steps: 50, cfgScale: 1, frames: 5, width: 32, height: 32, seed: 1 }, (p) => {
    if (p.stage === 'denoise' && p.step) {
      steps = Math.max(steps, p.step);
      if (p.step === 2 && !t0) {
        t0 = performance.now();
        void engine.cancel();
      }
    }
  });
  const busy = await errorOf(engine.decodeLatents(new Float32Array(8 * 16), [1, 8, 1, 4, 4]));
  const denoiseErr = await errorOf(job);
  const msToReject = performance.now() - t0;
  // Decode: cancel when the first chunk arrives (5 latent frames = 3 chunks).
  let chunks = 0;
  const latent = await fixture('decoder_17.in.latent');
  const djob = engine.decodeLatents(latent.data, latent.shape, {}, (p) => {
    if (p.chunk) {
      chunks++;
      void engine.cancel();
    }
  });
  const decodeErr = await errorOf(djob);
  const cancelIdle = await engine.cancel();
  const usable = await engine.decodeLatents(new Float32Array(8 * 16), [1, 8, 1, 4, 4]);
  // Crash: a pending call on a terminated worker rejects.
  const pending = engine.decodeLatents(latent.data, latent.shape);
  engine.terminate();
  const crash = await errorOf(pending);
  return {
    denoise: { error: denoiseErr, stepsSeen: steps, msToReject },
    decode: { error: decodeErr, chunksSeen: chunks },
    busy,
    cancelIdle,
    usableAfter: usable.meta.frames,
    crash,
  };
}
