// Conditioning images: any photo → the model's frame (src/media/fit-image.ts does the crop + resize), then a PNG
// round trip so the image a generation uses is exactly the one a share link carries (PNG is lossless: the pixels
// decoded from the link equal the pixels used here).
import type { RgbaImage } from '../engine/types';
import { fitImage, ImageInputError, type FitReport } from '../media/fit-image';
import type { Point } from './crop';

export interface ConditioningImage {
  png: Uint8Array;
  rgba: RgbaImage;
  report: FitReport;
}

/** RGBA → PNG bytes. */
export async function encodePng(img: RgbaImage): Promise<Uint8Array> {
  const canvas = new OffscreenCanvas(img.width, img.height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new ImageInputError('no 2D canvas available');
  ctx.putImageData(new ImageData(new Uint8ClampedArray(img.data), img.width, img.height), 0, 0);
  return new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
}

/** PNG bytes → RGBA of exactly width×height (throws ImageInputError otherwise). */
export async function decodeImage(bytes: Uint8Array, width: number, height: number): Promise<{ rgba: RgbaImage; bitmap: ImageBitmap }> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as BlobPart], { type: 'image/png' }), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch {
    throw new ImageInputError('the image could not be decoded');
  }
  if (bitmap.width !== width || bitmap.height !== height) throw new ImageInputError(`the image is ${bitmap.width}×${bitmap.height}, not ${width}×${height}`);
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new ImageInputError('no 2D canvas available');
  ctx.drawImage(bitmap, 0, 0);
  return { rgba: { width, height, data: ctx.getImageData(0, 0, width, height).data }, bitmap };
}

/** Crop + resize `source` to width×height around `center`, then canonicalize through PNG. */
export async function conditioningImage(source: ImageBitmap, width: number, height: number, center?: Point): Promise<ConditioningImage> {
  const { image, report } = await fitImage(source, width, height, center);
  const png = await encodePng(image);
  const { rgba, bitmap } = await decodeImage(png, width, height);
  bitmap.close();
  return { png, rgba, report };
}

/** A photo file/blob → bitmap, with a readable error. */
export async function readPhoto(blob: Blob): Promise<ImageBitmap> {
  if (blob.size > 200 * 2 ** 20) throw new ImageInputError(`that file is ${Math.round(blob.size / 2 ** 20)} MB; use a photo under 200 MB`);
  try {
    return await createImageBitmap(blob);
  } catch {
    throw new ImageInputError(`could not read ${blob.type || 'that file'} as an image: use a PNG, JPEG, WebP, GIF or BMP photo`);
  }
}
