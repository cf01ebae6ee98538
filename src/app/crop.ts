// Crop placement for image-to-video (pure math; the page draws it). The crop is always the largest rectangle of the
// model's aspect inside the photo (src/media/fit-image.ts centerCrop); the user only chooses where its center is.
import { centerCrop, type CropRect } from '../media/fit-image';

export interface Size { width: number; height: number }
export interface Point { x: number; y: number }

/** The crop for a requested center (clamped inside the photo). */
export function cropAt(src: Size, target: Size, center?: Point): CropRect {
  return centerCrop(src.width, src.height, target.width, target.height, center);
}

/** The center of a crop rectangle. */
export function centerOf(r: CropRect): Point {
  return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
}

/** Moves the crop by (dx, dy) source pixels; returns the new (clamped) center. */
export function moveCrop(src: Size, target: Size, center: Point | undefined, dx: number, dy: number): Point {
  const cur = cropAt(src, target, center);
  return centerOf(cropAt(src, target, { x: cur.x + cur.width / 2 + dx, y: cur.y + cur.height / 2 + dy }));
}

/** Keyboard step: 5% of the photo's larger side (at least 1 px); 4× with Shift. */
export function keyStep(src: Size, big = false): number {
  return Math.max(1, Math.round(Math.max(src.width, src.height) * 0.05)) * (big ? 4 : 1);
}

/** Fits `src` into a box keeping its aspect: the scale and the drawn size (for the preview canvas). */
export function fitInto(src: Size, box: Size): { scale: number; width: number; height: number } {
  const scale = Math.min(box.width / src.width, box.height / src.height, 1);
  return { scale, width: Math.max(1, Math.round(src.width * scale)), height: Math.max(1, Math.round(src.height * scale)) };
}

/** Arrow key → (dx, dy) in source pixels, or null for other keys. */
export function arrowDelta(key: string, step: number): Point | null {
  switch (key) {
    case 'ArrowLeft': return { x: -step, y: 0 };
    case 'ArrowRight': return { x: step, y: 0 };
    case 'ArrowUp': return { x: 0, y: -step };
    case 'ArrowDown': return { x: 0, y: step };
    default: return null;
  }
}

/** Darkens everything outside the crop `r` (source pixels) on a canvas showing the source at `fit.scale`, outlines
 * it, and tells screen readers where it is. Shared by every crop preview (first photo, last frame, video). */
export function drawCropOverlay(canvas: HTMLCanvasElement, fit: { scale: number; width: number; height: number }, r: CropRect): void {
  const ctx = canvas.getContext('2d')!;
  const [x, y, w, h] = [r.x * fit.scale, r.y * fit.scale, r.width * fit.scale, r.height * fit.scale];
  ctx.fillStyle = 'rgba(0, 0, 0, 0.55)';
  ctx.fillRect(0, 0, fit.width, y);
  ctx.fillRect(0, y + h, fit.width, fit.height - y - h);
  ctx.fillRect(0, y, x, h);
  ctx.fillRect(x + w, y, fit.width - x - w, h);
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = 2;
  ctx.strokeRect(x + 1, y + 1, Math.max(0, w - 2), Math.max(0, h - 2));
  canvas.setAttribute('aria-valuetext', `crop at ${r.x}, ${r.y}`);
}
