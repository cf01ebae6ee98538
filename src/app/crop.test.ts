import { describe, expect, it } from 'vitest';
import { arrowDelta, centerOf, cropAt, fitInto, keyStep, moveCrop } from './crop';

const wide = { width: 1920, height: 1080 };
const tall = { width: 600, height: 1000 };
const sq = { width: 64, height: 64 };

describe('crop placement', () => {
  it('defaults to the largest centered crop of the target aspect', () => {
    expect(cropAt(wide, sq)).toEqual({ x: 420, y: 0, width: 1080, height: 1080 });
    expect(cropAt(tall, sq)).toEqual({ x: 0, y: 200, width: 600, height: 600 });
    expect(cropAt(wide, { width: 128, height: 64 })).toEqual({ x: 0, y: 60, width: 1920, height: 960 });
  });

  it('moves with the center and stays inside the photo', () => {
    expect(cropAt(wide, sq, { x: 0, y: 540 })).toEqual({ x: 0, y: 0, width: 1080, height: 1080 });
    expect(cropAt(wide, sq, { x: 5000, y: 540 }).x).toBe(840);
    const c = moveCrop(wide, sq, undefined, -100, 50);
    expect(c).toEqual({ x: 860, y: 540 }); // y cannot move: the crop is as tall as the photo
    expect(moveCrop(wide, sq, c, -10_000, 0)).toEqual({ x: 540, y: 540 });
    expect(centerOf(cropAt(tall, sq, moveCrop(tall, sq, undefined, 0, 1e9)))).toEqual({ x: 300, y: 700 });
  });

  it('keyboard steps and arrow keys', () => {
    expect(keyStep(wide)).toBe(96);
    expect(keyStep(wide, true)).toBe(384);
    expect(keyStep({ width: 4, height: 3 })).toBe(1);
    expect(arrowDelta('ArrowLeft', 5)).toEqual({ x: -5, y: 0 });
    expect(arrowDelta('ArrowDown', 5)).toEqual({ x: 0, y: 5 });
    expect(arrowDelta('Enter', 5)).toBeNull();
  });

  it('fits the photo into the preview box without upscaling', () => {
    expect(fitInto(wide, { width: 320, height: 240 })).toEqual({ scale: 1 / 6, width: 320, height: 180 });
    expect(fitInto({ width: 100, height: 50 }, { width: 320, height: 240 })).toEqual({ scale: 1, width: 100, height: 50 });
  });
});
