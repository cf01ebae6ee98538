// Main-thread client of the engine worker (./worker.ts) over comlink. Wraps progress callbacks in Comlink.proxy,
// and turns a crashed worker into rejected calls (WorkerCrashedError) instead of promises that never settle.
import * as Comlink from 'comlink';
import { SharedCancelSignal } from '../core/cancel';
import { WorkerCrashedError } from '../core/errors';
import type { EngineDiagnostics, EngineWorkerApi, PromptAnalysis } from './worker';
import type {
  DecodeLatentsOptions,
  DecodeResult,
  EngineInfo,
  GenerateProgress,
  GenerateRequest,
  GenerateResult,
  LoadOptions,
  LoadProgress,
  LoadResult,
  ModelSource,
} from './types';

export { WorkerCrashedError };

export interface EngineClient {
  load(model: ModelSource, onProgress?: (p: LoadProgress) => void, options?: LoadOptions): Promise<LoadResult>;
  generate(request: GenerateRequest, onProgress?: (p: GenerateProgress) => void): Promise<GenerateResult>;
  decodeLatents(latents: Float32Array, shape: number[], options?: DecodeLatentsOptions, onProgress?: (p: GenerateProgress) => void): Promise<DecodeResult>;
  cancel(): Promise<boolean>;
  info(): Promise<EngineInfo>;
  /** Words of a prompt the loaded model does not know (mapped to <unk>) and words beyond its limit. */
  analyzePrompt(text: string): Promise<PromptAnalysis>;
  /** GPU buffers / bytes alive, devices acquired, device-loss recoveries, sessions (leak checks). */
  diagnostics(): Promise<EngineDiagnostics>;
  /** Dev/test builds only: destroys the worker's GPUDevice now (simulates a device loss, also mid-job). */
  debugLoseDevice(): Promise<boolean>;
  /** Releases the model and GPU inside the worker (it stays usable). */
  dispose(): Promise<void>;
  /** Kills the worker; every pending call rejects. */
  terminate(): void;
}

/** The default worker (Vite bundles ./worker.ts as a module worker). */
export function spawnEngineWorker(): Worker {
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'osp-engine' });
}

export function createEngine(worker: Worker = spawnEngineWorker()): EngineClient {
  const remote = Comlink.wrap<EngineWorkerApi>(worker);
  let dead: Error | null = null;
  // The reject functions of the calls in flight: a crash rejects them all. (Not Promise.race against one
  // never-settling "crashed" promise: every race leaves a reaction on it that keeps its result alive — the soak
  // showed ~2.5 KB of page heap per generation.)
  const inFlight = new Set<(e: Error) => void>();
  const die = (e: Error) => {
    if (dead) return;
    dead = e;
    for (const reject of inFlight) reject(e);
    inFlight.clear();
  };
  worker.addEventListener('error', (ev) => die(new WorkerCrashedError(`engine worker crashed: ${ev.message || 'unknown error'}`)));
  worker.addEventListener('messageerror', () => die(new WorkerCrashedError('engine worker sent an unreadable message')));

  const call = <T>(fn: () => Promise<T>): Promise<T> => {
    if (dead) return Promise.reject(dead);
    return new Promise<T>((resolve, reject) => {
      inFlight.add(reject);
      const settle = () => inFlight.delete(reject);
      try {
        fn().then(resolve, reject).finally(settle);
      } catch (e) {
        settle();
        reject(e);
      }
    });
  };
  // Cancel through shared memory too: the worker reads it between denoising steps even while ORT keeps it busy.
  const sharedCancel = SharedCancelSignal.available() ? new SharedCancelSignal() : null;
  // (comlink keeps call order, so the worker has the cell before any job the page starts later.)
  if (sharedCancel) (remote.useSharedCancel(sharedCancel.cell.buffer as SharedArrayBuffer) as Promise<boolean>).catch(() => false);
  const proxy = <F extends (...a: never[]) => unknown>(f: F | undefined) => (f ? Comlink.proxy(f) : undefined);

  // Relative URLs are meant relative to the page, not to the worker script: resolve them here.
  const pageUrl = typeof location !== 'undefined' ? location.href : 'http://localhost/';
  const resolveSource = (model: ModelSource): ModelSource => {
    if (typeof model === 'string') return /\.json(\?.*)?$/i.test(model) ? new URL(model, pageUrl).href : model;
    if (model && typeof model === 'object' && typeof model.baseUrl === 'string') return { ...model, baseUrl: new URL(model.baseUrl, pageUrl).href };
    return model;
  };
  const resolveOptions = (o: LoadOptions = {}): LoadOptions => ({
    ...o,
    modelsBaseUrl: new URL(o.modelsBaseUrl ?? `${import.meta.env.BASE_URL ?? '/'}models/`, pageUrl).href,
  });

  return {
    load: (model, onProgress, options) => call(() => remote.load(resolveSource(model), proxy(onProgress), resolveOptions(options)) as Promise<LoadResult>),
    generate: (request, onProgress) => call(() => remote.generate(request, proxy(onProgress)) as Promise<GenerateResult>),
    decodeLatents: (latents, shape, options, onProgress) =>
      call(() => remote.decodeLatents(latents, shape, options, proxy(onProgress)) as Promise<DecodeResult>),
    cancel: () => {
      sharedCancel?.request();
      return call(() => remote.cancel() as Promise<boolean>);
    },
    info: () => call(() => remote.info() as Promise<EngineInfo>),
    analyzePrompt: (text) => call(() => remote.analyzePrompt(text) as Promise<PromptAnalysis>),
    diagnostics: () => call(() => remote.diagnostics() as Promise<EngineDiagnostics>),
    debugLoseDevice: () => call(() => remote.debugLoseDevice() as Promise<boolean>),
    dispose: () => call(() => remote.dispose() as Promise<void>),
    terminate: () => {
      remote[Comlink.releaseProxy]();
      worker.terminate();
      die(new WorkerCrashedError('engine worker terminated'));
    },
  };
}
