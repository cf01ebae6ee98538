// Least-squares fit of the manifest's latent → RGB preview map (`latentPreview`, used by src/engine/latent-preview.ts)
// from (latent, decoded video) pairs. Lives with the manifest: dev manifests (dev-manifest.ts) and the export write it.
import type { LatentPreviewMap } from './manifest';

/**
 * Least-squares fit of a preview map from (latent, decoded video) pairs: each latent cell's RGB target is the mean of
 * its pixel block (8×8 spatially; latent frame 0 ↔ pixel frame 0, latent frame k ≥ 1 ↔ pixel frames 4k−3 … 4k).
 * For dev manifests and the export; `ridge` keeps the 9×9 normal equations well-posed on few samples.
 */
export function fitLatentPreview(
  pairs: { latent: ArrayLike<number>; latentDims: readonly number[]; video: ArrayLike<number>; videoDims: readonly number[] }[],
  o: { temporal?: number; ridge?: number } = {},
): LatentPreviewMap & { samples: number; rmse: number } {
  const tc = o.temporal ?? 4;
  const C = pairs[0].latentDims[1];
  const K = C + 1;
  const ata = Array.from({ length: K }, () => new Float64Array(K));
  const atb = Array.from({ length: 3 }, () => new Float64Array(K));
  const rows: { z: number[]; rgb: number[] }[] = [];
  for (const p of pairs) {
    const [, c, T, h, w] = p.latentDims;
    const [, vc, F, H, W] = p.videoDims;
    if (c !== C || vc !== 3 || F !== 1 + tc * (T - 1) || H % h !== 0 || W % w !== 0) throw new RangeError('latent/video pair shapes do not correspond');
    const sy = H / h;
    const sx = W / w;
    for (let t = 0; t < T; t++) {
      const f0 = t === 0 ? 0 : tc * t - (tc - 1);
      const f1 = t === 0 ? 1 : tc * t + 1;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const z = Array.from({ length: C }, (_, ci) => p.latent[((ci * T + t) * h + y) * w + x]);
          const rgb = [0, 0, 0];
          for (let ch = 0; ch < 3; ch++) {
            let s = 0;
            for (let f = f0; f < f1; f++) for (let yy = y * sy; yy < (y + 1) * sy; yy++) for (let xx = x * sx; xx < (x + 1) * sx; xx++) s += p.video[((ch * F + f) * H + yy) * W + xx];
            rgb[ch] = s / ((f1 - f0) * sy * sx);
          }
          rows.push({ z, rgb });
        }
      }
    }
  }
  for (const { z, rgb } of rows) {
    const a = [...z, 1];
    for (let i = 0; i < K; i++) {
      for (let j = 0; j < K; j++) ata[i][j] += a[i] * a[j];
      for (let ch = 0; ch < 3; ch++) atb[ch][i] += a[i] * rgb[ch];
    }
  }
  const ridge = o.ridge ?? 1e-3;
  for (let i = 0; i < C; i++) ata[i][i] += ridge * rows.length; // not on the bias
  const sol = atb.map((b) => solve(ata, b));
  let se = 0;
  for (const { z, rgb } of rows) {
    for (let ch = 0; ch < 3; ch++) {
      let v = sol[ch][C];
      for (let i = 0; i < C; i++) v += sol[ch][i] * z[i];
      se += (v - rgb[ch]) ** 2;
    }
  }
  return { matrix: sol.map((s) => Array.from(s.slice(0, C))), bias: sol.map((s) => s[C]), samples: rows.length, rmse: Math.sqrt(se / (rows.length * 3)) };
}

/** Gaussian elimination with partial pivoting on a copy (small dense systems). */
function solve(a: Float64Array[], b: Float64Array): Float64Array {
  const n = b.length;
  const m = a.map((r, i) => [...r, b[i]]);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[piv][col])) piv = r;
    [m[col], m[piv]] = [m[piv], m[col]];
    const d = m[col][col];
    if (Math.abs(d) < 1e-300) throw new Error('singular system in the preview fit');
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r][col] / d;
      for (let k = col; k <= n; k++) m[r][k] -= f * m[col][k];
    }
  }
  return Float64Array.from({ length: n }, (_, i) => m[i][n] / m[i][i]);
}
