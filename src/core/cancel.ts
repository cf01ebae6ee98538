// Cooperative cancellation: a flag checked between denoising steps and between VAE chunks (an AbortSignal works too).
// Bottom layer (src/core): imports nothing outside src/core.

export interface CancelFlag {
  readonly aborted: boolean;
}

import { CancelledError } from './errors';

export { CancelledError };

export function throwIfCancelled(flag: CancelFlag | undefined): void {
  if (flag?.aborted) throw new CancelledError();
}

/**
 * A flag owned by the worker: `cancel()` sets it, each job starts with a fresh one. It can also watch a shared
 * Int32Array cell that the page writes directly (see SharedCancelSignal): the real denoising loop runs ORT calls
 * that settle as microtasks, so the worker never gets to read the `cancel` message until the job is over — the
 * shared cell is visible at once.
 */
export class CancelToken implements CancelFlag {
  private _aborted = false;
  constructor(private readonly shared: Int32Array | null = null) {}
  get aborted(): boolean {
    if (!this._aborted && this.shared && Atomics.load(this.shared, 0) !== 0) this._aborted = true;
    return this._aborted;
  }
  cancel(): void {
    this._aborted = true;
  }
}

/**
 * The page's side of the shared cancel cell: one Int32 in a SharedArrayBuffer (needs a cross-origin isolated page).
 * `request()` sets it; the worker clears it when a job starts, so a late cancel never hits the next job.
 */
export class SharedCancelSignal {
  readonly cell: Int32Array;
  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    this.cell = new Int32Array(buffer, 0, 1);
  }
  static available(): boolean {
    return typeof SharedArrayBuffer !== 'undefined' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
  }
  request(): void {
    Atomics.store(this.cell, 0, 1);
  }
  clear(): void {
    Atomics.store(this.cell, 0, 0);
  }
}

/**
 * Lets the worker's event loop run one macrotask (a queued `cancel` message, a progress ack) between denoising
 * steps. A MessageChannel round trip, not setTimeout: nested timers are clamped to 4 ms, a message is not.
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((r) => setTimeout(r, 0));
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}
