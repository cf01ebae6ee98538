// The spatial tile grid of the tiled VAE decode (vae-tiles.ts; PyTorch reference training/tiled_vae.py, same
// formulas): which latent spans the tiles cover and how their pixels are cross-faded. Pure, shared with the memory plan.

/** Latent spans [a, b) covering [0, n): tiles of `tile` cells whose starts step by tile − overlap, the last flush with n. */
export function tileSpans(n: number, tile: number, overlap: number): [number, number][] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`tile grid: length must be a positive integer, got ${n}`);
  if (!Number.isInteger(tile) || !Number.isInteger(overlap) || tile < 1 || overlap < 0 || overlap >= tile) {
    throw new RangeError(`tile grid: need integers tile ≥ 1 and 0 ≤ overlap < tile, got tile ${tile}, overlap ${overlap}`);
  }
  if (n <= tile) return [[0, n]];
  const out: [number, number][] = [];
  for (let a = 0; a < n - tile; a += tile - overlap) out.push([a, a + tile]);
  out.push([n - tile, n]);
  return out;
}

/**
 * Per tile, the weights of its `scale·(b − a)` pixels along one axis. In each band where two tiles overlap, the
 * weight ramps linearly across the middle `blend` cells of the band (0 → 1 for the later tile, 1 → 0 for the earlier),
 * so the (band − blend)/2 cells beside each tile's own cut, which its convs saw zero-padded, are never used. The
 * weights of all tiles sum to 1 at every pixel.
 */
export function axisWeights(spans: [number, number][], n: number, scale: number, blend: number): Float32Array[] {
  return spans.map(([a, b], k) => {
    const w = new Float64Array((b - a) * scale).fill(1);
    for (const side of [-1, 1] as const) {
      const other = spans[k + side];
      if (!other) continue;
      const [lo, hi] = side === 1 ? [other[0], b] : [a, other[1]];
      const width = hi - lo;
      const bl = Math.min(blend, width);
      const start = (lo + (width - bl) / 2) * scale;
      const end = start + bl * scale;
      for (let p = 0; p < w.length; p++) {
        const x = (a * scale + p) + 0.5;
        const ramp = Math.min(1, Math.max(0, (x - start) / Math.max(end - start, 1e-9)));
        w[p] *= side === 1 ? 1 - ramp : ramp;
      }
    }
    if (b > n) throw new RangeError(`tile grid: span [${a}, ${b}) past ${n}`);
    return Float32Array.from(w);
  });
}

/** Tile options from the model's margin: overlap = 2·margin + blend (each tile's unused border + the cross-fade). */
export function tileOverlap(margin: number, blend: number): number {
  return 2 * margin + blend;
}
