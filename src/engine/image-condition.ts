// The inpainting condition (upstream Image Condition Controller, training/sample.py build_condition): kept frames
// (i2v: frame 0; transition: 0 and F−1; continuation: 0..n−1) go into a pixel video [1, 3, F, H, W] in [−1, 1] whose
// other frames are 0 (= masks.masked_video: frames the model must generate are zeroed) → VAE encoder (posterior
// mean × 0.18215 inside the graph) → cond latent [1, C, T, h, w]; the pixel mask (0 = kept, 1 = generate) →
// MaskCompressor → cond mask [1, 4, T, h, w]. No kept frames = text-to-video through an inpaint model: an all-zero
// video and an all-ones mask (what sample.generate does for an inpaint model without a condition).
import type { KeptFrame, RgbaImage } from './types';
import type { ImageCondition } from './denoise';

/** [1, 3, frames, H, W] float32: kept frames = their image (uint8/127.5 − 1, like sample.load_image), others 0. */
export function maskedVideo(kept: readonly KeptFrame[], frames: number, width: number, height: number): Float32Array {
  const plane = height * width;
  const out = new Float32Array(3 * frames * plane);
  for (const { index, image } of kept) {
    if (!(index >= 0 && index < frames)) throw new RangeError(`kept frame ${index} is outside 0..${frames - 1}`);
    if (image.width !== width || image.height !== height) throw new RangeError(`kept frame ${index} is ${image.width}×${image.height}, not ${width}×${height}`);
    const { data } = image;
    for (let c = 0; c < 3; c++) {
      const base = (c * frames + index) * plane;
      for (let i = 0; i < plane; i++) out[base + i] = data[i * 4 + c] / 127.5 - 1;
    }
  }
  return out;
}

/** Image-to-video's video: the image as frame 0, other frames 0. */
export function conditionVideo(image: RgbaImage, frames: number): Float32Array {
  return maskedVideo([{ index: 0, image }], frames, image.width, image.height);
}

/** Per-frame pixel mask: 0 for kept frames, 1 for frames to generate (masks.make_mask). */
export function frameMaskOf(kept: readonly KeptFrame[], frames: number): number[] {
  const m = new Array<number>(frames).fill(1);
  for (const k of kept) m[k.index] = 0;
  return m;
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

/** Runs the VAE encoder on a pixel video [1, 3, F, H, W] → scaled latent [1, C, T, h, w]. */
export type VideoEncoder = (video: Float32Array, dims: number[]) => Promise<Float32Array>;

/** The condition for the kept frames (none = all masked, for text-to-video through an inpaint model). */
export async function inpaintCondition(
  kept: readonly KeptFrame[],
  frames: number,
  latentShape: readonly number[],
  encode: VideoEncoder,
  maskChannels = 4,
): Promise<ImageCondition> {
  const [, C, T, h, w] = latentShape;
  if (!kept.length) throw new RangeError('inpaintCondition needs kept frames (ConditionBuilder makes the all-masked one)');
  const { width, height } = kept[0].image;
  const latent = await encode(maskedVideo(kept, frames, width, height), [1, 3, frames, height, width]);
  if (latent.length !== C * T * h * w) throw new Error(`VAE encoder returned ${latent.length} values, expected ${C * T * h * w}`);
  return { latent, mask: compressFrameMask(frameMaskOf(kept, frames), h, w, maskChannels), maskDims: [1, maskChannels, T, h, w] };
}

/** The condition for "this image is the first frame" (i2v mode: kept frames [0]). */
export function imageCondition(image: RgbaImage, frames: number, latentShape: readonly number[], encode: VideoEncoder, maskChannels = 4): Promise<ImageCondition> {
  return inpaintCondition([{ index: 0, image }], frames, latentShape, encode, maskChannels);
}

/**
 * Builds conditions for one loaded model. The all-masked condition (VAE encoding of an all-zero video) depends only
 * on the frame count and size, so it is encoded once per shape and reused: text-to-video through an inpaint-only
 * model then costs no VAE encoder run after the first job.
 */
export class ConditionBuilder {
  private readonly empty = new Map<string, Promise<Float32Array>>();
  static readonly CACHE_SHAPES = 4;

  constructor(
    private readonly encode: VideoEncoder,
    private readonly maskChannels = 4,
    private readonly spatialCompression = 8,
  ) {}

  async build(kept: readonly KeptFrame[], frames: number, latentShape: readonly number[]): Promise<ImageCondition> {
    if (kept.length) return inpaintCondition(kept, frames, latentShape, this.encode, this.maskChannels);
    const [, C, T, h, w] = latentShape;
    const H = h * this.spatialCompression;
    const W = w * this.spatialCompression;
    const key = `${frames}x${H}x${W}`;
    let p = this.empty.get(key);
    if (!p) {
      p = this.encode(new Float32Array(3 * frames * H * W), [1, 3, frames, H, W]);
      this.empty.set(key, p);
      p.catch(() => this.empty.delete(key)); // a failed encode is not cached
      while (this.empty.size > ConditionBuilder.CACHE_SHAPES) this.empty.delete(this.empty.keys().next().value!);
    }
    const latent = await p;
    if (latent.length !== C * T * h * w) throw new Error(`VAE encoder returned ${latent.length} values, expected ${C * T * h * w}`);
    // A copy: the cached latent must never be shared with a caller that might transfer or modify it.
    return { latent: latent.slice(), mask: new Float32Array(this.maskChannels * T * h * w).fill(1), maskDims: [1, this.maskChannels, T, h, w] };
  }

  /** How many all-masked latents are cached (for tests). */
  get cachedShapes(): number {
    return this.empty.size;
  }
}
