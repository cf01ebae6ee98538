// What the page says about a failure: switches on `error.name` (src/core/errors.ts), never on message text. Names
// survive the worker boundary (comlink rebuilds errors with their name), `instanceof` does not.
import { errorName, type EngineErrorName } from '../core/errors';

export interface ModelErrorView {
  state: 'missing' | 'error';
  status: string;
  detail: string;
  /** The engine worker is gone: drop it, the next load makes a new one. */
  engineCrashed: boolean;
}

function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

/** The manifest fetch (page side, before the engine loads) failed. */
export function manifestErrorView(e: unknown, modelId: string): ModelErrorView {
  const msg = messageOf(e);
  switch (errorName(e) as EngineErrorName) {
    case 'ModelNotFoundError':
      return { state: 'missing', status: `Model not available: “${modelId}” is not installed on this server yet.`, detail: `There is no models/${modelId}/manifest.json. The page works, but generating needs the model files.`, engineCrashed: false };
    case 'ModelUnreachableError':
      return { state: 'error', status: 'The model could not be reached (are you offline?).', detail: msg, engineCrashed: false };
    default:
      return { state: 'error', status: 'The model manifest is not valid.', detail: msg, engineCrashed: false };
  }
}

/** engine.load failed. */
export function loadErrorView(e: unknown, modelId: string): ModelErrorView {
  const name = errorName(e);
  const msg = messageOf(e);
  switch (name as EngineErrorName) {
    case 'IntegrityError':
      return { state: 'error', status: 'The model files failed their integrity check: they may be corrupted or partly updated on the server.', detail: msg, engineCrashed: false };
    case 'WorkerCrashedError':
      return { state: 'error', status: 'The generation engine crashed while loading the model.', detail: msg, engineCrashed: true };
    case 'ModelNotFoundError':
      return { state: 'missing', status: `Model not available: some files of “${modelId}” are missing on the server.`, detail: msg, engineCrashed: false };
    case 'WebGpuUnavailableError':
      return { state: 'error', status: 'WebGPU is not available in this browser. Choose “Auto” or “WASM” as the backend.', detail: msg, engineCrashed: false };
    default:
      return { state: 'error', status: 'The model could not be loaded.', detail: `${name}: ${msg}`, engineCrashed: false };
  }
}

export type GenerateErrorView = { kind: 'cancelled' } | { kind: 'failed'; text: string; engineCrashed: boolean };

/** engine.generate failed. */
export function generateErrorView(e: unknown): GenerateErrorView {
  const name = errorName(e);
  switch (name as EngineErrorName) {
    case 'CancelledError':
      return { kind: 'cancelled' };
    case 'ValidationError':
    case 'NotSupportedError':
      return { kind: 'failed', text: messageOf(e), engineCrashed: false };
    default:
      return { kind: 'failed', text: `${name}: ${messageOf(e)}`, engineCrashed: name === 'WorkerCrashedError' };
  }
}
