import { describe, expect, it } from 'vitest';
import { frameThumbnails } from './frame-thumbnails';

function frame(w: number, h: number, px: (x: number, y: number) => [number, number, number]): Uint8Array {
  const d = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d.set([...px(x, y), 255], (y * w + x) * 4);
  return d;
}

describe('frameThumbnails', () => {
  it('box-averages by an integer factor and stacks frames', () => {
    const a = frame(4, 4, (x) => [x < 2 ? 0 : 200, 10, 20]);
    const b = frame(4, 4, (_, y) => [30, y < 2 ? 100 : 0, 0]);
    const t = frameThumbnails([a, b], 4, 4, 2);
    expect([t.width, t.height, t.frames]).toEqual([2, 2, 2]);
    expect([...t.data.subarray(0, 8)]).toEqual([0, 10, 20, 255, 200, 10, 20, 255]);
    expect([...t.data.subarray(16, 24)]).toEqual([30, 100, 0, 255, 30, 100, 0, 255]);
    expect([...t.data.subarray(24, 28)]).toEqual([30, 0, 0, 255]);
  });

  it('keeps small frames as they are and handles sizes the factor does not divide', () => {
    const a = frame(3, 2, (x, y) => [x * 10, y * 10, 0]);
    expect(frameThumbnails([a], 3, 2, 48).data).toEqual(new Uint8ClampedArray(a));
    const b = frame(5, 3, () => [50, 60, 70]);
    const t = frameThumbnails([b], 5, 3, 2);
    expect([t.width, t.height]).toEqual([2, 1]);
    expect([...t.data]).toEqual([50, 60, 70, 255, 50, 60, 70, 255]);
  });
});
