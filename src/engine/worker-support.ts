// Small helpers of the engine worker (worker.ts): progress callbacks across comlink, error classes, option checks.
import * as Comlink from 'comlink';
import type { DownloadProgress } from '../models/fetch';
import { configureOrt } from '../models/ort-session';
import { ValidationError, type BackendChoice, type LoadOptions } from './types';

/** "vae.weights: from cache" / "vae.weights: downloading 1.2/7.0 MB" for LoadProgress.message. */
export function downloadMessage(d: DownloadProgress): string {
  if (d.phase === 'cached') return `${d.file}: from cache (${d.total} bytes)`;
  if (d.phase === 'verify') return `${d.file}: verifying`;
  return `${d.file}: downloading ${d.loaded}/${d.total} bytes`;
}

/** Calls a progress callback without letting it fail or slow the job (comlink proxies return promises). */
export function safeCallback<T>(fn: ((p: T) => unknown) | undefined): (p: T) => void {
  return (p) => {
    if (!fn) return;
    try {
      void Promise.resolve(fn(p)).catch(() => undefined);
    } catch {
      /* a throwing callback must not break the job */
    }
  };
}

/** Failures that have nothing to do with the GPU (no need to wait for a device-lost signal). */
export function isRequestError(e: unknown): boolean {
  return ['CancelledError', 'ValidationError', 'NotSupportedError', 'NotLoadedError', 'BusyError'].includes((e as Error)?.name);
}

/**
 * Frees a progress callback's comlink proxy (a MessagePort + the page's closure) as soon as its job is over. Without
 * it the page keeps one per call until the worker happens to collect the proxy (the soak showed ~4 KB per job).
 */
export function releaseCallback(fn: unknown): void {
  try {
    (fn as { [Comlink.releaseProxy]?: () => void } | undefined)?.[Comlink.releaseProxy]?.();
  } catch {
    /* a plain function (Engine used directly) or already released */
  }
}

export function isManifestUrl(s: string): boolean {
  return /\.json(\?.*)?$/i.test(s);
}


/** Checks LoadOptions (applying wasmThreads) and returns the backend choice. */
export function validateLoadOptions(options: LoadOptions): BackendChoice {
  const choice = options.backend ?? 'auto';
  if (!['auto', 'wasm', 'webgpu'].includes(choice)) throw new ValidationError(`backend must be auto, wasm or webgpu, got ${String(choice)}`);
  if (!['auto', 'simple', 'tiled', undefined].includes(options.attentionKernel)) {
    throw new ValidationError(`attentionKernel must be auto, simple or tiled, got ${String(options.attentionKernel)}`);
  }
  if (options.wasmThreads !== undefined) {
    if (!Number.isInteger(options.wasmThreads) || options.wasmThreads < 1 || options.wasmThreads > 64) {
      throw new ValidationError(`wasmThreads must be an integer in [1, 64], got ${String(options.wasmThreads)}`);
    }
    configureOrt({ threads: options.wasmThreads }); // no-op once ORT has created a session in this worker
  }
  return choice;
}
