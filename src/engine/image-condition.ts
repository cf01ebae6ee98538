// Image-to-video conditioning (upstream inpainting, training/sample.py build_condition for one image):
// pixel video [1, 3, F, H, W] in [−1, 1] with the image as frame 0 and zeros elsewhere (= masked_video: frames the
// model must generate are zeroed) → VAE encoder (posterior mean × 0.18215) → cond latent [1, C, T, h, w];
// pixel mask (0 = given, 1 = to generate) → MaskCompressor → cond mask [1, 4, T, h, w].
import type { RgbaImage } from './types';
import type { ImageCondition } from './denoise';

/** [1, 3, frames, H, W] float32: frame 0 = the image (uint8/127.5 − 1, like sample.load_image), other frames 0. */
export function conditionVideo(image: RgbaImage, frames: number): Float32Array {
  const { width: W, height: H, data } = image;
  const plane = H * W;
  const out = new Float32Array(3 * frames * plane);
  for (let c = 0; c < 3; c++) {
    const base = c * frames * plane; // frame 0 of channel c
    for (let i = 0; i < plane; i++) out[base + i] = data[i * 4 + c] / 127.5 - 1;
  }
  return out;
}

/**
 * training/masks.py compress_mask for masks that are constant over each frame (the image/video condition modes):
 * pixel frame f has mask m[f] (0 kept, 1 generated); latent frame j, channel c holds pixel frame 4j + c − 3 of the
 * sequence with frame 0 replicated 4× (so latent frame 0 is frame 0 in all channels). The bilinear resize of a
 * constant frame is that constant. Returns [1, stride, T, h, w].
 */
export function compressFrameMask(frameMask: readonly number[], h: number, w: number, stride = 4): Float32Array {
  const F = frameMask.length;
  if ((F - 1) % stride !== 0) throw new RangeError(`mask frames must be 1 + ${stride}k, got ${F}`);
  const T = 1 + (F - 1) / stride;
  const plane = h * w;
  const out = new Float32Array(stride * T * plane);
  for (let c = 0; c < stride; c++) {
    for (let j = 0; j < T; j++) {
      const f = Math.max(0, stride * j + c - (stride - 1)); // index into the 4×-first-frame sequence, mapped back
      out.fill(frameMask[f], (c * T + j) * plane, (c * T + j + 1) * plane);
    }
  }
  return out;
}

/** The condition for "this image is the first frame" (i2v mode: kept frames [0]). */
export async function imageCondition(
  image: RgbaImage,
  frames: number,
  latentShape: readonly number[],
  encode: (video: Float32Array, dims: number[]) => Promise<Float32Array>,
  maskChannels = 4,
): Promise<ImageCondition> {
  const [, C, T, h, w] = latentShape;
  const latent = await encode(conditionVideo(image, frames), [1, 3, frames, image.height, image.width]);
  if (latent.length !== C * T * h * w) throw new Error(`VAE encoder returned ${latent.length} values, expected ${C * T * h * w}`);
  const frameMask = Array.from({ length: frames }, (_, f) => (f === 0 ? 0 : 1));
  return { latent, mask: compressFrameMask(frameMask, h, w, maskChannels), maskDims: [1, maskChannels, T, h, w] };
}
