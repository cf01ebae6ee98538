// Conditioning images of any size and aspect → the model's resolution: center crop to the target aspect, then an
// area-averaging resize (browsers' high-quality drawImage), like upstream's center-crop-resize (`--crop_for_hw`).
// Works in pages and workers (OffscreenCanvas). The report says exactly what was done so the UI/CLI can show it.
import type { RgbaImage } from '../core/image';

export interface CropRect { x: number; y: number; width: number; height: number }

export interface FitReport {
  sourceWidth: number;
  sourceHeight: number;
  crop: CropRect;
  targetWidth: number;
  targetHeight: number;
  /** e.g. "1920×1080 → center crop 1080×1080 at (420, 0) → resized to 128×128" */
  summary: string;
}

export class ImageInputError extends Error {
  override name = 'ImageInputError';
}

/** The largest centered (or `center`-positioned) rectangle of the target aspect inside the source. */
export function centerCrop(sw: number, sh: number, tw: number, th: number, center?: { x: number; y: number }): CropRect {
  const scale = Math.min(sw / tw, sh / th);
  const width = Math.max(1, Math.min(sw, Math.round(tw * scale)));
  const height = Math.max(1, Math.min(sh, Math.round(th * scale)));
  const cx = center?.x ?? sw / 2;
  const cy = center?.y ?? sh / 2;
  const x = Math.min(Math.max(0, Math.round(cx - width / 2)), sw - width);
  const y = Math.min(Math.max(0, Math.round(cy - height / 2)), sh - height);
  return { x, y, width, height };
}

/** Decodes `source` (file bytes or a bitmap) and returns an RGBA image of exactly tw×th. */
export async function fitImage(
  source: Blob | ImageBitmap,
  tw: number,
  th: number,
  center?: { x: number; y: number },
): Promise<{ image: RgbaImage; report: FitReport }> {
  let bitmap: ImageBitmap;
  try {
    bitmap = source instanceof Blob ? await createImageBitmap(source) : source;
  } catch (e) {
    throw new ImageInputError(`could not decode the image (${e instanceof Error ? e.message : String(e)}): use a PNG, JPEG, WebP, GIF or BMP file`);
  }
  const sw = bitmap.width;
  const sh = bitmap.height;
  if (!(sw > 0 && sh > 0)) throw new ImageInputError('the image is empty (0 pixels)');
  const crop = centerCrop(sw, sh, tw, th, center);
  const canvas = new OffscreenCanvas(tw, th);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new ImageInputError('no 2D canvas available to resize the image');
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, crop.x, crop.y, crop.width, crop.height, 0, 0, tw, th);
  const data = ctx.getImageData(0, 0, tw, th).data;
  const summary = `${sw}×${sh} → ${crop.width === sw && crop.height === sh ? 'no crop' : `center crop ${crop.width}×${crop.height} at (${crop.x}, ${crop.y})`} → resized to ${tw}×${th}`;
  return { image: { width: tw, height: th, data }, report: { sourceWidth: sw, sourceHeight: sh, crop, targetWidth: tw, targetHeight: th, summary } };
}
