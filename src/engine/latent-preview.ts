// Cheap live preview during denoising: a fixed linear map latent → RGB per latent cell (matrix + bias from the
// manifest's `latentPreview`), no VAE. One tiny RGBA image per latent frame (h × w, optionally upscaled).
import type { LatentPreviewMap } from '../models/manifest';

export interface PreviewImage {
  width: number;
  height: number;
  /** Latent frames stacked vertically (frame f occupies rows [f·height, (f+1)·height) of each `frames` block). */
  frames: number;
  /** RGBA, width · height · frames · 4 bytes. */
  data: Uint8ClampedArray;
}

/** A neutral default when the manifest has none: channels 0–2 as RGB (scaled latents are ~N(0, 1)). */
export function defaultPreviewMap(channels: number): LatentPreviewMap {
  const matrix = [0, 1, 2].map((k) => Array.from({ length: channels }, (_, c) => (c === k ? 0.5 : 0)));
  return { matrix, bias: [0, 0, 0] };
}

/**
 * latent [1, C, T, h, w] → RGBA preview of latent frames `frames` (default: all), each upscaled by `scale`
 * (nearest). Pixel = clamp((M·z + b)/2 + 0.5) · 255.
 */
export function latentPreview(
  latent: ArrayLike<number>,
  dims: readonly number[],
  map: LatentPreviewMap,
  o: { frames?: number[]; scale?: number } = {},
): PreviewImage {
  const [, C, T, H, W] = dims;
  if (dims.length !== 5 || latent.length !== C * T * H * W) throw new RangeError(`latent ${latent.length} values does not match ${JSON.stringify(dims)}`);
  if (map.matrix.length !== 3 || map.matrix.some((r) => r.length !== C)) throw new RangeError(`preview matrix must be 3 × ${C}`);
  const scale = Math.max(1, Math.floor(o.scale ?? 1));
  const which = o.frames ?? Array.from({ length: T }, (_, t) => t);
  for (const t of which) if (!(t >= 0 && t < T)) throw new RangeError(`preview frame ${t} outside [0, ${T})`);
  const width = W * scale;
  const height = H * scale;
  const data = new Uint8ClampedArray(width * height * which.length * 4);
  const plane = H * W;
  which.forEach((t, fi) => {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const rgb = [map.bias[0], map.bias[1], map.bias[2]];
        for (let c = 0; c < C; c++) {
          const z = latent[(c * T + t) * plane + y * W + x];
          rgb[0] += map.matrix[0][c] * z;
          rgb[1] += map.matrix[1][c] * z;
          rgb[2] += map.matrix[2][c] * z;
        }
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const o4 = (((fi * height) + y * scale + dy) * width + x * scale + dx) * 4;
            data[o4] = (rgb[0] * 0.5 + 0.5) * 255;
            data[o4 + 1] = (rgb[1] * 0.5 + 0.5) * 255;
            data[o4 + 2] = (rgb[2] * 0.5 + 0.5) * 255;
            data[o4 + 3] = 255;
          }
        }
      }
    }
  });
  return { width, height, frames: which.length, data };
}

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
