// Image types shared by the engine, media decoding and the page. Bottom layer (src/core): imports nothing.

/** An RGBA image (e.g. the first frame for image-to-video), exactly width·height·4 bytes. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** A small RGBA image of latent frames (live preview, chunk thumbnails). */
export interface PreviewImage {
  width: number;
  height: number;
  /** Latent frames stacked vertically (frame f occupies rows [f·height, (f+1)·height) of each `frames` block). */
  frames: number;
  /** RGBA, width · height · frames · 4 bytes. */
  data: Uint8ClampedArray;
}

/**
 * Continuation (spec §5, masks.py "continuation"): `frames[i]` is kept as output frame i, the rest is generated.
 * 1 ≤ frames.length ≤ frames − 1, each the output size. training/sample.py keeps max(1, ⌊frames/2⌋) of a clip; any
 * count works (the mask compressor is per pixel frame), the caller chooses.
 */
export interface VideoCondition {
  frames: RgbaImage[];
}

/** A given (kept) pixel frame: the model keeps it at `index` and generates the others (inpainting condition). */
export interface KeptFrame {
  index: number;
  image: RgbaImage;
}
