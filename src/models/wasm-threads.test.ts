import { describe, expect, it } from 'vitest';
import { wasmThreadsFor } from './wasm-threads';

describe('wasmThreadsFor', () => {
  it('uses every core up to 4 (the engine worker is the only busy thread during a generation)', () => {
    expect([1, 2, 3, 4].map((c) => wasmThreadsFor(c, true))).toEqual([1, 2, 3, 4]);
  });

  it('above 4 cores: half of them, at least 4, at most 8', () => {
    expect([5, 6, 8, 10, 12, 16, 24, 64].map((c) => wasmThreadsFor(c, true))).toEqual([4, 4, 4, 5, 6, 8, 8, 8]);
  });

  it('one thread without cross-origin isolation (no SharedArrayBuffer) or without a usable core count', () => {
    expect(wasmThreadsFor(16, false)).toBe(1);
    for (const c of [undefined, 0, -2, Number.NaN, Number.POSITIVE_INFINITY]) expect(wasmThreadsFor(c, true), String(c)).toBe(1);
  });
});
