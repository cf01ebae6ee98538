import { describe, expect, it } from 'vitest';
import { addFramesCheck, sideElements, type AddFramesSpec } from './add-frames';
import { refAddFrames } from './reference';
import { randomTensor } from '../../../test-support/test-data';

const side = (channels: number, frames: number, offset: number) => ({ channels, frames, offset });

describe('refAddFrames (CPU reference of add_frames.wgsl)', () => {
  it('adds exactly the window of the first channels, per batch item, and nothing else', () => {
    const s: AddFramesSpec = { batch: 2, channels: 2, frames: 2, plane: 3, dst: side(3, 4, 1), src: side(2, 3, 1) };
    const dst = randomTensor(sideElements(s, s.dst), 1);
    const src = randomTensor(sideElements(s, s.src), 2);
    const out = refAddFrames(dst, src, s);
    let touched = 0;
    for (let b = 0; b < 2; b++) {
      for (let c = 0; c < 3; c++) {
        for (let t = 0; t < 4; t++) {
          for (let p = 0; p < 3; p++) {
            const i = ((b * 3 + c) * 4 + t) * 3 + p;
            const inWindow = c < 2 && t >= 1 && t < 3;
            const want = inWindow ? Math.fround(dst[i] + src[((b * 2 + c) * 3 + (t - 1 + 1)) * 3 + p]) : dst[i];
            expect(out[i]).toBe(want);
            if (inWindow) touched++;
          }
        }
      }
    }
    expect(touched).toBe(2 * 2 * 2 * 3);
    expect(out).not.toBe(dst); // dst itself is not modified
  });

  it('T = 1 (one frame each side) is a plain add of the LL band', () => {
    const s: AddFramesSpec = { batch: 1, channels: 3, frames: 1, plane: 4, dst: side(12, 1, 0), src: side(3, 1, 0) };
    const dst = randomTensor(48, 3);
    const src = randomTensor(12, 4);
    const out = refAddFrames(dst, src, s);
    for (let i = 0; i < 48; i++) expect(out[i]).toBe(i < 12 ? Math.fround(dst[i] + src[i]) : dst[i]);
  });

  it('rejects windows that do not fit', () => {
    const ok: AddFramesSpec = { batch: 1, channels: 3, frames: 2, plane: 4, dst: side(12, 3, 1), src: side(3, 2, 0) };
    expect(addFramesCheck(ok)).toBe(24);
    expect(() => addFramesCheck({ ...ok, dst: side(12, 3, 2) })).toThrow(RangeError);
    expect(() => addFramesCheck({ ...ok, src: side(3, 2, 1) })).toThrow(RangeError);
    expect(() => addFramesCheck({ ...ok, channels: 4 })).toThrow(RangeError);
    expect(() => addFramesCheck({ ...ok, frames: 0 })).toThrow(RangeError);
    expect(() => refAddFrames(new Float32Array(3), new Float32Array(24), ok)).toThrow(RangeError);
  });
});
