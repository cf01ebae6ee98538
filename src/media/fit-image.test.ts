import { describe, expect, it } from 'vitest';
import { centerCrop } from './fit-image';

describe('centerCrop', () => {
  it('keeps the full short side and centers the long one', () => {
    expect(centerCrop(1920, 1080, 128, 128)).toEqual({ x: 420, y: 0, width: 1080, height: 1080 });
    expect(centerCrop(1080, 1920, 128, 128)).toEqual({ x: 0, y: 420, width: 1080, height: 1080 });
  });
  it('matches the target aspect for non-square targets', () => {
    const c = centerCrop(1000, 1000, 256, 128);
    expect(c).toEqual({ x: 0, y: 250, width: 1000, height: 500 });
  });
  it('is the identity for an image already at the target aspect', () => {
    expect(centerCrop(640, 320, 256, 128)).toEqual({ x: 0, y: 0, width: 640, height: 320 });
  });
  it('handles extreme aspects and tiny images without empty crops', () => {
    expect(centerCrop(10000, 10, 128, 128)).toEqual({ x: 4995, y: 0, width: 10, height: 10 });
    expect(centerCrop(1, 1, 128, 128)).toEqual({ x: 0, y: 0, width: 1, height: 1 });
  });
  it('moves the crop to a requested center, clamped inside the image', () => {
    expect(centerCrop(1920, 1080, 128, 128, { x: 0, y: 540 })).toEqual({ x: 0, y: 0, width: 1080, height: 1080 });
    expect(centerCrop(1920, 1080, 128, 128, { x: 1500, y: 540 })).toEqual({ x: 840, y: 0, width: 1080, height: 1080 });
    expect(centerCrop(1920, 1080, 128, 128, { x: 5000, y: 540 })).toEqual({ x: 840, y: 0, width: 1080, height: 1080 });
  });
});
