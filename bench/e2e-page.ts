// Browser half of `npm run bench:e2e` (bench/run-e2e.mjs): the real engine worker (same as the playground and the CLI),
// text → denoise (CFG) → streaming VAE decode → MP4, timed per stage from the worker's progress events and meta.timings.
import { createEngine } from '../src/engine/api';
import { configureOrt, createSession, f32, ortThreadCount } from '../src/models/ort-session';
import { ditFeeds } from './dit-feeds';
import type { BackendChoice, GenerateProgress, GenerateRequest, ModelSource } from '../src/engine/types';

export interface E2eJob {
  model: ModelSource;
  backend: BackendChoice;
  request: GenerateRequest;
  runs: number;
  warmup: number;
  /** Force ORT's wasm thread count in the engine worker (default: the engine's own wasmThreadCount()). */
  wasmThreads?: number;
}

export interface E2eRun {
  textMs: number;
  stepMs: number[];
  stepMeanMs: number;
  denoiseMs: number;
  firstFrameMs: number;
  decodeMs: number;
  muxMs: number;
  totalMs: number;
  wallMs: number;
  mp4Bytes: number;
}

export interface E2eResult {
  backend: string;
  ditBackend?: string;
  wasmThreads: number;
  crossOriginIsolated: boolean;
  loadMs: number;
  meta: unknown;
  runs: E2eRun[];
  memory: { uaSpecificBytes: number | null; uaBreakdown?: unknown; mainJsHeapBytes: number | null; note: string };
  userAgent: string;
  /** navigator.gpu adapter vendor/architecture/description (headless here: SwiftShader, a CPU rasterizer). */
  gpuAdapter: string | null;
}

declare global {
  interface Window {
    e2eRun(job: E2eJob): Promise<E2eResult>;
    e2eOrtWebDit(o: { dir: string; latentShape: number[]; textWidth: number; wasmThreads?: number }): Promise<{ graph: string; threads: number; batch: number; forwardMedianMs: number }>;
  }
}

async function measureMemory(): Promise<{ bytes: number; breakdown: unknown } | null> {
  const p = performance as unknown as { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number; breakdown: unknown[] }> };
  if (!p.measureUserAgentSpecificMemory || !crossOriginIsolated) return null;
  const m = await Promise.race([p.measureUserAgentSpecificMemory(), new Promise<null>((r) => setTimeout(() => r(null), 20_000))]);
  return m ? { bytes: m.bytes, breakdown: m.breakdown } : null;
}

window.e2eRun = async (job: E2eJob): Promise<E2eResult> => {
  const worker = new Worker(new URL('./e2e-worker.ts', import.meta.url), { type: 'module', name: 'osp-engine' });
  // Queued before comlink's first call: the worker configures ORT before it creates any session.
  if (job.wasmThreads) worker.postMessage({ benchWasmThreads: job.wasmThreads });
  const engine = createEngine(worker);
  try {
    const t0 = performance.now();
    const loaded = await engine.load(job.model, () => undefined, { backend: job.backend });
    const loadMs = performance.now() - t0;
    const runs: E2eRun[] = [];
    let meta: unknown = null;
    let peak: { bytes: number; breakdown: unknown } | null = null; // set after the last run
    for (let i = 0; i < job.warmup + job.runs; i++) {
      const events: GenerateProgress[] = [];
      const w0 = performance.now();
      const res = await engine.generate(job.request, (p) => events.push({ ...p, preview: undefined }));
      const wallMs = performance.now() - w0;
      await new Promise((r) => setTimeout(r, 50)); // progress messages travel on their own port
      const t = res.meta.timings;
      const steps = events.filter((e) => e.stage === 'denoise' && e.step !== undefined).map((e) => e.elapsedMs);
      const stepMs = steps.map((v, k) => v - (k === 0 ? t.textMs : steps[k - 1]));
      const firstChunk = events.find((e) => e.stage === 'decode' && e.chunk);
      const mux = events.find((e) => e.stage === 'mux');
      meta = res.meta;
      if (i < job.warmup) continue;
      runs.push({
        textMs: t.textMs,
        stepMs,
        stepMeanMs: stepMs.reduce((a, b) => a + b, 0) / Math.max(1, stepMs.length),
        denoiseMs: t.denoiseMs,
        firstFrameMs: firstChunk ? firstChunk.elapsedMs : Number.NaN,
        // meta.timings.decodeMs includes the MP4 finalize; split it at the 'mux' event.
        decodeMs: mux ? t.decodeMs - (t.totalMs - mux.elapsedMs) : t.decodeMs,
        muxMs: mux ? t.totalMs - mux.elapsedMs : Number.NaN,
        totalMs: t.totalMs,
        wallMs,
        mp4Bytes: res.mp4.size,
      });
      // Memory right after the last generation (model + arenas still resident in the worker): the closest to a peak we
      // can get. Once only: with ORT's wasm thread pool (>1 thread) the measurement never settles here, and each try
      // costs the whole timeout.
      if (i === job.warmup + job.runs - 1) peak = await measureMemory();
    }
    let gpuAdapter: string | null = null;
    try {
      const a = await (navigator as unknown as { gpu?: GPU }).gpu?.requestAdapter();
      if (a) gpuAdapter = [a.info.vendor, a.info.architecture, a.info.description].filter(Boolean).join(' / ');
    } catch {
      gpuAdapter = null;
    }
    const heap = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? null;
    return {
      backend: loaded.backend,
      ditBackend: loaded.ditBackend,
      wasmThreads: loaded.wasmThreads,
      crossOriginIsolated: loaded.crossOriginIsolated,
      loadMs,
      meta,
      runs,
      memory: {
        uaSpecificBytes: peak?.bytes ?? null,
        uaBreakdown: peak?.breakdown,
        mainJsHeapBytes: heap,
        note: 'performance.measureUserAgentSpecificMemory() after the last generation (page + engine worker: JS heaps incl. the ORT wasm memory); null when it did not settle within 20 s (seen with >1 ORT wasm thread)',
      },
      userAgent: navigator.userAgent,
      gpuAdapter,
    };
  } finally {
    await engine.dispose().catch(() => undefined);
    engine.terminate();
  }
};

/** The DiT graph alone on onnxruntime-web wasm (same build and settings as the worker's sessions), on this page's main
 * thread after the engine is gone: what the engine adds around ORT vs what ORT wasm itself costs. CFG batch of 2;
 * inputs from bench/dit-feeds.ts (as the native-ORT row in run-e2e.mjs). */
window.e2eOrtWebDit = async ({ dir, latentShape, textWidth, wasmThreads }) => {
  if (wasmThreads) configureOrt({ threads: wasmThreads });
  const bytes = async (u: string) => new Uint8Array(await (await fetch(u)).arrayBuffer());
  const s = await createSession(await bytes(`${dir}/dit.onnx`), { backend: 'wasm', externalData: [{ path: 'dit.weights', data: await bytes(`${dir}/dit.weights`) }] });
  const feeds = Object.fromEntries(ditFeeds(s.inputNames, latentShape, textWidth).map(([k, data, dims]) => [k, f32(data, dims)]));
  const times: number[] = [];
  for (let i = 0; i < 23; i++) {
    const t0 = performance.now();
    await s.run(feeds);
    if (i >= 3) times.push(performance.now() - t0);
  }
  await s.release();
  times.sort((a, b) => a - b);
  return { graph: `${dir}/dit.onnx`, threads: ortThreadCount(), batch: 2, forwardMedianMs: (times[9] + times[10]) / 2 };
};

/**
 * Runner-free mode, for machines with a browser but no Node/Playwright (bench/gpu-browser-run.py on the device
 * machine): `e2e.html?auto=<JSON array of E2eJob>` runs the jobs in order and POSTs each outcome as JSON to
 * `/__result` ({index, job, result} or {index, job, error}), then `{done: true}`.
 */
async function autoRun(jobsJson: string): Promise<void> {
  const post = (body: unknown) => fetch('/__result', { method: 'POST', body: JSON.stringify(body) }).catch(() => undefined);
  let jobs: E2eJob[];
  try {
    jobs = JSON.parse(jobsJson) as E2eJob[];
    if (!Array.isArray(jobs)) throw new Error('auto= must be a JSON array of jobs');
  } catch (e) {
    await post({ error: `bad auto= parameter: ${e instanceof Error ? e.message : String(e)}`, done: true });
    return;
  }
  for (const [index, job] of jobs.entries()) {
    try {
      await post({ index, job, result: await window.e2eRun(job) });
    } catch (e) {
      await post({ index, job, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
  }
  await post({ done: true });
}

const auto = new URLSearchParams(location.search).get('auto');
if (auto) void autoRun(auto);
