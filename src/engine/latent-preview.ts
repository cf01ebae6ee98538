// Cheap live preview during denoising: a fixed linear map latent → RGB per latent cell (matrix + bias from the
// manifest's `latentPreview`), no VAE. One tiny RGBA image per latent frame (h × w, optionally upscaled).
import type { LatentPreviewMap } from '../models/manifest';

import type { PreviewImage } from '../core/image';

export type { PreviewImage };

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

export { fitLatentPreview } from '../models/preview-fit';
