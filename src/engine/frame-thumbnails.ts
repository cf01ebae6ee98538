// Small copies of freshly decoded frames, sent with each VAE chunk event so the page can show frames appearing while
// the decoder streams (the full frames go to the encoder and never cross the worker boundary).
import type { PreviewImage } from './latent-preview';

/** Box-averages each RGBA frame by an integer factor so its longer side is ≤ maxSide; frames stacked vertically. */
export function frameThumbnails(frames: readonly Uint8Array[], width: number, height: number, maxSide = 48): PreviewImage {
  const f = Math.max(1, Math.ceil(Math.max(width, height) / maxSide));
  const tw = Math.ceil(width / f);
  const th = Math.ceil(height / f);
  const data = new Uint8ClampedArray(tw * th * 4 * frames.length);
  frames.forEach((src, n) => {
    const base = n * tw * th * 4;
    for (let ty = 0; ty < th; ty++) {
      for (let tx = 0; tx < tw; tx++) {
        const acc = [0, 0, 0, 0];
        let count = 0;
        for (let y = ty * f; y < Math.min(height, (ty + 1) * f); y++) {
          for (let x = tx * f; x < Math.min(width, (tx + 1) * f); x++) {
            const i = (y * width + x) * 4;
            for (let ch = 0; ch < 4; ch++) acc[ch] += src[i + ch];
            count++;
          }
        }
        const o = base + (ty * tw + tx) * 4;
        for (let ch = 0; ch < 4; ch++) data[o + ch] = Math.round(acc[ch] / count);
      }
    }
  });
  return { width: tw, height: th, frames: frames.length, data };
}
