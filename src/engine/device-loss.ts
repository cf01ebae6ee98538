// GPU device loss (driver reset, GPU process crash, device.destroy()): how the engine tells it apart from other
// failures. A lost GPUDevice cannot be revived; every session and buffer made on it is dead, so the engine reloads
// the model on a new device (or on wasm) — see Engine.recoverFromDeviceLoss in worker.ts.
import { DeviceLostError } from '../core/errors';

export { DeviceLostError };

/** Resolves true if `device.lost` settles within `ms` (the lost promise can trail the first failing GPU call). */
export async function lostWithin(device: GPUDevice, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([device.lost.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A promise that rejects with DeviceLostError when `device` is lost, plus a way to stop watching. */
export function rejectOnLoss(device: GPUDevice): { promise: Promise<never>; stop: () => void } {
  let active = true;
  const promise = device.lost.then((info) => {
    if (!active) return new Promise<never>(() => undefined); // job already over: never settle
    throw new DeviceLostError(`the GPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ''})`);
  });
  promise.catch(() => undefined);
  return { promise, stop: () => (active = false) };
}
