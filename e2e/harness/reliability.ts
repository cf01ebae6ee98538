// Browser side of the reliability specs (e2e/reliability-*.spec.ts) and of the soak script (scripts/soak.mjs):
// the real engine worker with the dev DiT, device loss through the engine's test hook, GPU-buffer accounting.
import { createEngine, type EngineClient } from '../../src/engine/api';
import type { EngineDiagnostics } from '../../src/engine/worker';
import type { GpuBufferStats } from '../../src/engine/gpu-accounting';
import type { GenerateProgress, GenerateRequest, LoadResult } from '../../src/engine/types';
import type { ModelManifest } from '../../src/models/manifest';
import { maxAbs } from './compare';

interface Arg {
  manifest: ModelManifest;
  base: string;
  backend?: 'wasm' | 'webgpu';
}

const errOf = (e: unknown) => ({ name: (e as Error)?.name ?? 'Error', message: (e as Error)?.message ?? String(e) });

/** The tiny WebGPU request (the t2v_5x32 shape of e2e/engine-dit.spec.ts): 5 frames 32×32, 2 steps, CFG. */
export const SMALL: GenerateRequest = { prompt: 'a red circle moves right', negativePrompt: '', seed: 3, steps: 2, cfgScale: 4.5, frames: 5, width: 32, height: 32, fps: 8, previewEvery: 0 };

export interface DeviceLossResult {
  load: Pick<LoadResult, 'backend' | 'ditBackend'> | null;
  before: EngineDiagnostics | null;
  baseline: { latents: number[] } | null;
  lost: { name: string; message: string } | null;
  stepsBeforeLoss: number;
  msLossToReject: number;
  afterLoss: EngineDiagnostics | null;
  next: { ok: boolean; error?: { name: string; message: string }; backend?: string; maxDiffVsBaseline?: number; frames?: number };
  /** Live GPU buffers on the new device: after `next` (warm), after a cancelled job, after one more generation. */
  leak: { warm: EngineDiagnostics['gpu']; afterCancel: EngineDiagnostics['gpu']; afterGenerate: EngineDiagnostics['gpu']; cancelled: string };
  idleLoss: { ok: boolean; error?: { name: string; message: string }; maxDiffVsBaseline?: number };
  final: EngineDiagnostics | null;
  error: { name: string; message: string } | null;
}


/**
 * Loads the dev DiT on webgpu, generates once (baseline), then destroys the device mid-generation (after the first
 * denoising step), checks the typed error, generates again (must succeed and match the baseline), then loses the
 * device while idle and generates once more.
 */
export async function deviceLoss(arg: Arg): Promise<DeviceLossResult> {
  const engine = createEngine();
  const none = { liveBuffers: -1, liveBytes: -1, created: 0, destroyed: 0, peakBytes: 0 };
  const r: DeviceLossResult = { load: null, before: null, baseline: null, lost: null, stepsBeforeLoss: 0, msLossToReject: -1, afterLoss: null, next: { ok: false }, leak: { warm: none, afterCancel: none, afterGenerate: none, cancelled: '' }, idleLoss: { ok: false }, final: null, error: null };
  try {
    const loaded = await engine.load({ manifest: arg.manifest, baseUrl: arg.base }, undefined, { backend: arg.backend ?? 'webgpu' });
    r.load = { backend: loaded.backend, ditBackend: loaded.ditBackend };
    const base = await engine.generate(SMALL);
    r.baseline = { latents: [...base.latents.slice(0, 4)] };
    r.before = await engine.diagnostics();
    let tLoss = 0;
    let destroyed: Promise<boolean> | null = null;
    try {
      await engine.generate(SMALL, (p: GenerateProgress) => {
        if (p.stage === 'denoise') r.stepsBeforeLoss = Math.max(r.stepsBeforeLoss, p.step ?? 0);
        if (p.stage === 'denoise' && !destroyed) {
          tLoss = performance.now();
          destroyed = engine.debugLoseDevice();
        }
      });
    } catch (e) {
      r.lost = errOf(e);
      r.msLossToReject = performance.now() - tLoss;
    }
    r.afterLoss = await engine.diagnostics();
    try {
      const n = await engine.generate(SMALL);
      r.next = { ok: true, backend: n.meta.backend, maxDiffVsBaseline: maxAbs(n.latents, base.latents), frames: n.meta.frames };
    } catch (e) {
      r.next = { ok: false, error: errOf(e) };
    }
    // Leak check on the new device: a cancelled job and one more generation leave exactly the warm buffers.
    r.leak.warm = (await engine.diagnostics()).gpu;
    let asked = false;
    await engine
      .generate({ ...SMALL, seed: 11 }, (p) => {
        if (p.stage === 'denoise' && !asked) {
          asked = true;
          void engine.cancel();
        }
      })
      .then(() => (r.leak.cancelled = 'finished'), (e) => (r.leak.cancelled = (e as Error).name));
    r.leak.afterCancel = (await engine.diagnostics()).gpu;
    await engine.generate({ ...SMALL, seed: 12 });
    r.leak.afterGenerate = (await engine.diagnostics()).gpu;
    // Lost while idle: the next job must notice and recover before it starts.
    await engine.debugLoseDevice();
    await new Promise((res) => setTimeout(res, 50));
    try {
      const n = await engine.generate(SMALL);
      r.idleLoss = { ok: true, maxDiffVsBaseline: maxAbs(n.latents, base.latents) };
    } catch (e) {
      r.idleLoss = { ok: false, error: errOf(e) };
    }
    r.final = await engine.diagnostics();
  } catch (e) {
    r.error = errOf(e);
  } finally {
    await engine.dispose().catch(() => undefined);
    engine.terminate();
  }
  return r;
}

// ---- Soak (scripts/soak.mjs): one engine kept across jobs ----
//
// The whole series runs INSIDE the page (`soakRun`, one page.evaluate for the lot), so the driver adds nothing to
// the page heap it measures: no per-job evaluate / dynamic import / returned objects, and the samples go into a
// typed array allocated before the first measurement. `--drive evaluate` (soakLoad + one soakStep per job) is the
// older driver, kept to compare.

let soakEngine: EngineClient | null = null;

export type SoakKind = 'generate' | 'cancel';

export interface SoakMemory {
  /** measureUserAgentSpecificMemory's total, the page's share (main realm) and the workers' (JS + wasm). */
  total: number;
  pageBytes: number;
  workerBytes: number;
}

export interface SoakSample {
  i: number;
  kind: SoakKind;
  ok: boolean;
  ms: number;
  /** Date.now() when the sample was taken (node maps it to its worker-count timeline). */
  t: number;
  error?: string;
  gpu: GpuBufferStats;
  devices: number;
  mem: SoakMemory;
}

export interface SoakLoaded {
  load: Pick<LoadResult, 'backend' | 'ditBackend' | 'bytesLoaded'>;
  ms: number;
  diag: EngineDiagnostics;
  mem: SoakMemory;
  t: number;
}

const gc = () => (globalThis as { gc?: () => void }).gc?.();

/** Page/worker JS bytes (needs cross-origin isolation; eager with --enable-blink-features=ForceEagerMeasureMemory). */
export async function soakMeasure(): Promise<SoakMemory> {
  gc();
  const m = await (performance as Performance & { measureUserAgentSpecificMemory(): Promise<{ bytes: number; breakdown: { bytes: number; attribution: { scope: string }[] }[] }> }).measureUserAgentSpecificMemory();
  let pageBytes = 0;
  let workerBytes = 0;
  for (const b of m.breakdown) {
    if (b.attribution.some((a) => /Worker/.test(a.scope))) workerBytes += b.bytes;
    else pageBytes += b.bytes;
  }
  return { total: m.bytes, pageBytes, workerBytes };
}

/** Loads the model into a fresh engine for a series of soak iterations (1 ORT thread: memory is measured after every
 *  job, and measureUserAgentSpecificMemory does not settle while ORT's wasm thread pool runs). */
export async function soakLoad(arg: Arg): Promise<SoakLoaded> {
  await soakEnd();
  const t0 = performance.now();
  soakEngine = createEngine();
  const l = await soakEngine.load({ manifest: arg.manifest, baseUrl: arg.base }, undefined, { backend: arg.backend ?? 'wasm', wasmThreads: 1 });
  const ms = performance.now() - t0;
  return { load: { backend: l.backend, ditBackend: l.ditBackend, bytesLoaded: l.bytesLoaded }, ms, diag: await soakEngine.diagnostics(), mem: await soakMeasure(), t: Date.now() };
}

/** One soak iteration: a whole generation, or one cancelled during its first denoising step; then the figures. */
export async function soakStep(o: { i: number; kind: SoakKind; request: GenerateRequest }): Promise<SoakSample> {
  const engine = soakEngine!;
  const t0 = performance.now();
  let ok = true;
  let error: string | undefined;
  try {
    let cancelled = false;
    const onProgress = (p: GenerateProgress) => {
      if (o.kind === 'cancel' && !cancelled && p.stage === 'denoise') {
        cancelled = true;
        void engine.cancel();
      }
    };
    await engine.generate({ ...o.request, seed: (o.request.seed ?? 0) + o.i }, onProgress);
    if (o.kind === 'cancel') {
      ok = false;
      error = 'the job finished although it was cancelled';
    }
  } catch (e) {
    ok = o.kind === 'cancel' && (e as Error).name === 'CancelledError';
    if (!ok) error = `${(e as Error).name}: ${(e as Error).message}`;
  }
  const ms = performance.now() - t0;
  const diag = await engine.diagnostics();
  return { i: o.i, kind: o.kind, ok, ms, t: Date.now(), error, gpu: diag.gpu, devices: diag.devicesAcquired, mem: await soakMeasure() };
}

// Numbers kept per job in soakRun's Float64Array (objects would grow the heap being measured).
const FIELDS = ['ok', 'ms', 't', 'liveBuffers', 'liveBytes', 'created', 'destroyed', 'peakBytes', 'devices', 'total', 'pageBytes', 'workerBytes'] as const;

/** The whole soak in the page: load, then `plan` (generate / cancel) back to back, figures after each job. */
export async function soakRun(arg: Arg & { plan: SoakKind[]; request: GenerateRequest }): Promise<{ loaded: SoakLoaded; samples: SoakSample[] }> {
  const plan = arg.plan.slice();
  const rows = new Float64Array(plan.length * FIELDS.length);
  // Failures only (a clean run adds nothing here).
  const errors = new Map<number, string>();
  const loaded = await soakLoad(arg);
  for (let i = 0; i < plan.length; i++) {
    const s = await soakStep({ i, kind: plan[i], request: arg.request });
    const v = [s.ok ? 1 : 0, s.ms, s.t, s.gpu.liveBuffers, s.gpu.liveBytes, s.gpu.created, s.gpu.destroyed, s.gpu.peakBytes, s.devices, s.mem.total, s.mem.pageBytes, s.mem.workerBytes];
    rows.set(v, i * FIELDS.length);
    if (s.error) errors.set(i, s.error);
  }
  await soakEnd();
  const samples = plan.map((kind, i): SoakSample => {
    const r = (f: (typeof FIELDS)[number]) => rows[i * FIELDS.length + FIELDS.indexOf(f)];
    return {
      i,
      kind,
      ok: r('ok') === 1,
      ms: r('ms'),
      t: r('t'),
      error: errors.get(i),
      gpu: { liveBuffers: r('liveBuffers'), liveBytes: r('liveBytes'), created: r('created'), destroyed: r('destroyed'), peakBytes: r('peakBytes') },
      devices: r('devices'),
      mem: { total: r('total'), pageBytes: r('pageBytes'), workerBytes: r('workerBytes') },
    };
  });
  return { loaded, samples };
}

export async function soakEnd(): Promise<void> {
  if (!soakEngine) return;
  const e = soakEngine;
  soakEngine = null;
  await e.dispose().catch(() => undefined);
  e.terminate();
}
