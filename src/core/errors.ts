// Named errors of the engine and its loaders. Bottom layer (src/core): imports nothing.
//
// Every class sets `name`, and the page switches on `error.name`, never on message text (src/app/error-view.ts).
// Names survive the worker boundary: comlink serialises a thrown Error as { message, name, stack } and the page side
// rebuilds it as `Object.assign(new Error(message), { name, … })` — `instanceof` is lost there, `name` is not.

/** A request field is out of range or malformed. */
export class ValidationError extends Error {
  override name = 'ValidationError';
}
/** generate/decode before a model is loaded. */
export class NotLoadedError extends Error {
  override name = 'NotLoadedError';
}
/** The loaded model cannot do what was asked (e.g. image-to-video without its encoder). */
export class NotSupportedError extends Error {
  override name = 'NotSupportedError';
}
/** Another job is running. */
export class BusyError extends Error {
  override name = 'BusyError';
}
/** The job was cancelled (CancelToken / shared cancel cell, src/core/cancel.ts). */
export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor(message = 'generation cancelled') {
    super(message);
  }
}
/** manifest.json (or a file it needs) is invalid. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}
/** The manifest or a file it lists is not on the server (HTTP 404, or a dev server's HTML fallback page). */
export class ModelNotFoundError extends ManifestError {
  override name = 'ModelNotFoundError';
}
/** The manifest could not be fetched at all (network error, offline). */
export class ModelUnreachableError extends ManifestError {
  override name = 'ModelUnreachableError';
}
/** A downloaded file does not match its manifest sha256 / size. */
export class IntegrityError extends Error {
  override name = 'IntegrityError';
}
/** An ONNX graph's inputs/outputs do not match what the manifest says. */
export class ModelMismatchError extends Error {
  override name = 'ModelMismatchError';
}
/** The worker died (page side, src/engine/api.ts). */
export class WorkerCrashedError extends Error {
  override name = 'WorkerCrashedError';
}
/** The WebGPU device was lost mid-job. */
export class DeviceLostError extends Error {
  override name = 'DeviceLostError';
}
/** No WebGPU adapter/device (or WebGPU was asked for explicitly and is not there). */
export class WebGpuUnavailableError extends Error {
  override name = 'WebGpuUnavailableError';
}

/** Error names the engine throws (they survive the worker boundary as `error.name`). */
export type EngineErrorName =
  | 'ValidationError'
  | 'CancelledError'
  | 'NotLoadedError'
  | 'NotSupportedError'
  | 'BusyError'
  | 'ManifestError'
  | 'ModelNotFoundError'
  | 'ModelUnreachableError'
  | 'IntegrityError'
  | 'WorkerCrashedError'
  | 'DeviceLostError'
  | 'ModelMismatchError'
  | 'WebGpuUnavailableError';

/** `error.name` of anything thrown ('Error' when there is none). Works on errors rebuilt by comlink. */
export function errorName(e: unknown): string {
  const name = (e as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name ? name : 'Error';
}
