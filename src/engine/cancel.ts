// Cooperative cancellation: a flag checked between denoising steps and between VAE chunks (an AbortSignal works too).

export interface CancelFlag {
  readonly aborted: boolean;
}

export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor(message = 'generation cancelled') {
    super(message);
  }
}

export function throwIfCancelled(flag: CancelFlag | undefined): void {
  if (flag?.aborted) throw new CancelledError();
}

/** A resettable flag owned by the worker: `cancel()` sets it, each job starts with a fresh one. */
export class CancelToken implements CancelFlag {
  private _aborted = false;
  get aborted(): boolean {
    return this._aborted;
  }
  cancel(): void {
    this._aborted = true;
  }
}
