// Deterministic test data and error measures shared by the kernel tests, harnesses and benchmarks.
// GPU-free so Node unit tests can import it (buffers.ts re-exports it for browser code).

/** Deterministic test data: a tiny xorshift32 → uniform [-1, 1). Not the generation PRNG (that lives in the engine). */
export function randomTensor(elements: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(elements);
  for (let i = 0; i < elements; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out[i] = ((s / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

/** Max |a - b| and max |a - b| / max(|b|, floor) over two equal-length arrays. */
export function maxErrors(a: ArrayLike<number>, b: ArrayLike<number>, relFloor = 1e-6): { abs: number; rel: number } {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let abs = 0;
  let rel = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= abs)) abs = d; // NaN propagates as failure
    const r = d / Math.max(Math.abs(b[i]), relFloor);
    if (!(r <= rel)) rel = r;
  }
  return { abs, rel };
}
