import { describe, expect, it } from 'vitest';
import {
  HAAR3D_EXACT_COEFFICIENT,
  HAAR3D_UPSTREAM_COEFFICIENT,
  haar2dForwardShape,
  haar2dInverseShape,
  haar3dForwardShape,
  haar3dInverseShape,
  videoElements,
  type VideoShape,
} from './haar';
import {
  REF_HAAR3D_EXACT_COEFFICIENT,
  REF_HAAR3D_UPSTREAM_COEFFICIENT,
  refHaar2dFilters,
  refHaar2dForward,
  refHaar2dInverse,
  refHaar3dFilters,
  refHaar3dForward,
  refHaar3dInverse,
} from './reference';
import { randomTensor } from '../../../test-support/test-data';

const random = (n: number, seed: number): Float32Array => randomTensor(n, seed);

function maxAbsDiff(a: Float32Array, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Frames [t0, t1) of a [B, C, T, H, W] tensor. */
function sliceFrames(x: Float32Array, s: VideoShape, t0: number, t1: number): { data: Float32Array; shape: VideoShape } {
  const plane = s.height * s.width;
  const n = t1 - t0;
  const out = new Float32Array(s.batch * s.channels * n * plane);
  for (let bc = 0; bc < s.batch * s.channels; bc++) {
    out.set(x.subarray((bc * s.frames + t0) * plane, (bc * s.frames + t1) * plane), bc * n * plane);
  }
  return { data: out, shape: { ...s, frames: n } };
}

/** Concatenates tensors along T. */
function concatFrames(parts: { data: Float32Array; shape: VideoShape }[]): { data: Float32Array; shape: VideoShape } {
  const s0 = parts[0].shape;
  const T = parts.reduce((a, p) => a + p.shape.frames, 0);
  const shape = { ...s0, frames: T };
  const plane = s0.height * s0.width;
  const out = new Float32Array(videoElements(shape));
  for (let bc = 0; bc < s0.batch * s0.channels; bc++) {
    let t = 0;
    for (const p of parts) {
      const n = p.shape.frames;
      out.set(p.data.subarray(bc * n * plane, (bc + 1) * n * plane), (bc * T + t) * plane);
      t += n;
    }
  }
  return { data: out, shape };
}

const shapeA: VideoShape = { batch: 2, channels: 3, frames: 5, height: 4, width: 6 };

describe('Haar reference: filters', () => {
  it('3D filters follow sign_s = (-1)^(bit0·dw + bit1·dh + bit2·dt) with entries f32(0.3536)', () => {
    const c = Math.fround(0.3536);
    const f = refHaar3dFilters();
    for (let s = 0; s < 8; s++) {
      for (let dt = 0; dt < 2; dt++) {
        for (let dh = 0; dh < 2; dh++) {
          for (let dw = 0; dw < 2; dw++) {
            const e = (s & 1) * dw + ((s >> 1) & 1) * dh + ((s >> 2) & 1) * dt;
            expect(f[s][dt][dh][dw]).toBe((e % 2 ? -1 : 1) * c);
          }
        }
      }
    }
  });

  it('2D filters are [LL, high-in-h, high-in-w, high-in-both] with entries ±1/2', () => {
    const f = refHaar2dFilters();
    for (let s = 0; s < 4; s++) {
      for (let dh = 0; dh < 2; dh++) {
        for (let dw = 0; dw < 2; dw++) {
          const e = (s & 1) * dh + ((s >> 1) & 1) * dw;
          expect(f[s][dh][dw]).toBe(e % 2 ? -0.5 : 0.5);
        }
      }
    }
  });

  it('reference and kernel wrapper agree on the coefficients; upstream gives 8c² = 1.000264', () => {
    expect(REF_HAAR3D_UPSTREAM_COEFFICIENT).toBe(HAAR3D_UPSTREAM_COEFFICIENT);
    expect(REF_HAAR3D_EXACT_COEFFICIENT).toBe(HAAR3D_EXACT_COEFFICIENT);
    const c = Math.fround(HAAR3D_UPSTREAM_COEFFICIENT);
    expect(8 * c * c).toBeCloseTo(1.000264, 6);
  });
});

describe('Haar reference: 3D transform', () => {
  it('a single impulse lands in every subband with the filter signs', () => {
    // T = 3: output frame 1 pairs (x1, x2). Impulse at (t=2, h=1, w=0) → (dt, dh, dw) = (1, 1, 0) of block (1, 0, 0).
    const s: VideoShape = { batch: 1, channels: 1, frames: 3, height: 2, width: 2 };
    const x = new Float32Array(12);
    x[2 * 4 + 1 * 2 + 0] = 1;
    const y = refHaar3dForward(x, s);
    const c = Math.fround(0.3536);
    const expected = [1, 1, -1, -1, -1, -1, 1, 1].map((v) => v * c);
    for (let sb = 0; sb < 8; sb++) {
      expect(y[sb * 2 + 0]).toBe(0); // output frame 0 = pair (x0, x0): zero
      expect(y[sb * 2 + 1]).toBe(Math.fround(expected[sb]));
    }
  });

  it('round-trips exactly (to f32 rounding) with the exact coefficient', () => {
    const x = random(videoElements(shapeA), 1);
    const y = refHaar3dForward(x, shapeA, true, HAAR3D_EXACT_COEFFICIENT);
    const back = refHaar3dInverse(y, haar3dForwardShape(shapeA), true, HAAR3D_EXACT_COEFFICIENT);
    expect(maxAbsDiff(back, x)).toBeLessThan(1e-6);
  });

  it('round-trips to 8c²·x = 1.000264·x with the upstream coefficient', () => {
    const x = random(videoElements(shapeA), 2);
    const y = refHaar3dForward(x, shapeA);
    const back = refHaar3dInverse(y, haar3dForwardShape(shapeA));
    const c = Math.fround(0.3536);
    const k = 8 * c * c;
    expect(maxAbsDiff(back, Array.from(x, (v) => v * k))).toBeLessThan(1e-6);
    expect(maxAbsDiff(back, x)).toBeGreaterThan(1e-4); // the scale is really there
  });

  it('handles a single image (T = 1 → 1 → 1)', () => {
    const s: VideoShape = { batch: 2, channels: 3, frames: 1, height: 6, width: 10 };
    expect(haar3dForwardShape(s)).toEqual({ batch: 2, channels: 24, frames: 1, height: 3, width: 5 });
    const x = random(videoElements(s), 3);
    const y = refHaar3dForward(x, s, true, HAAR3D_EXACT_COEFFICIENT);
    expect(y.length).toBe(videoElements(haar3dForwardShape(s)));
    const back = refHaar3dInverse(y, haar3dForwardShape(s), true, HAAR3D_EXACT_COEFFICIENT);
    expect(back.length).toBe(x.length);
    expect(maxAbsDiff(back, x)).toBeLessThan(1e-6);
  });

  it('temporal high bands (s = 4..7) of output frame 0 are exactly zero', () => {
    const x = random(videoElements(shapeA), 4);
    const ys = haar3dForwardShape(shapeA);
    const y = refHaar3dForward(x, shapeA);
    const plane = ys.height * ys.width;
    const C = shapeA.channels;
    for (let b = 0; b < ys.batch; b++) {
      for (let ch = 4 * C; ch < 8 * C; ch++) {
        const frame0 = y.subarray(((b * ys.channels + ch) * ys.frames) * plane, ((b * ys.channels + ch) * ys.frames + 1) * plane);
        for (const v of frame0) expect(v).toBe(0);
        const frame1 = y.subarray(((b * ys.channels + ch) * ys.frames + 1) * plane, ((b * ys.channels + ch) * ys.frames + 2) * plane);
        expect(maxAbs(frame1)).toBeGreaterThan(0); // later frames do carry temporal detail
      }
    }
  });

  it('is subband-major: a constant colour puts energy only in channels 0..C-1 (LLL)', () => {
    const s: VideoShape = { batch: 1, channels: 3, frames: 3, height: 4, width: 4 };
    const colour = [0.25, -0.5, 0.875];
    const x = new Float32Array(videoElements(s));
    const n = s.frames * s.height * s.width;
    colour.forEach((v, c) => x.fill(v, c * n, (c + 1) * n));
    const ys = haar3dForwardShape(s);
    const y = refHaar3dForward(x, s);
    const m = ys.frames * ys.height * ys.width;
    const cf = Math.fround(0.3536);
    for (let ch = 0; ch < ys.channels; ch++) {
      const band = y.subarray(ch * m, (ch + 1) * m);
      for (const v of band) expect(v).toBe(ch < 3 ? Math.fround(8 * cf * colour[ch]) : 0);
    }
  });

  it('chunked forward ([0,1) first chunk, then chunks of 8 frames) equals the one-shot forward on 17 frames', () => {
    const s: VideoShape = { batch: 2, channels: 3, frames: 17, height: 4, width: 6 };
    const x = random(videoElements(s), 5);
    const oneShot = refHaar3dForward(x, s, true);
    const parts = [
      [0, 1, true],
      [1, 9, false],
      [9, 17, false],
    ] as const;
    const chunks = parts.map(([t0, t1, first]) => {
      const c = sliceFrames(x, s, t0, t1);
      return { data: refHaar3dForward(c.data, c.shape, first), shape: haar3dForwardShape(c.shape, first) };
    });
    expect(chunks.map((c) => c.shape.frames)).toEqual([1, 4, 4]);
    const joined = concatFrames(chunks);
    expect(joined.shape).toEqual(haar3dForwardShape(s));
    expect(Array.from(joined.data)).toEqual(Array.from(oneShot));
  });

  it('chunked inverse (first chunk drops its first frame, later chunks keep all) equals the one-shot inverse', () => {
    const s: VideoShape = { batch: 2, channels: 24, frames: 9, height: 2, width: 3 };
    const y = random(videoElements(s), 6);
    const oneShot = refHaar3dInverse(y, s, true);
    const parts = [
      [0, 1, true],
      [1, 5, false],
      [5, 9, false],
    ] as const;
    const chunks = parts.map(([t0, t1, drop]) => {
      const c = sliceFrames(y, s, t0, t1);
      return { data: refHaar3dInverse(c.data, c.shape, drop), shape: haar3dInverseShape(c.shape, drop) };
    });
    expect(chunks.map((c) => c.shape.frames)).toEqual([1, 8, 8]);
    const joined = concatFrames(chunks);
    expect(joined.shape).toEqual(haar3dInverseShape(s));
    expect(joined.shape.frames).toBe(17);
    expect(Array.from(joined.data)).toEqual(Array.from(oneShot));
  });
});

describe('Haar reference: 2D transform', () => {
  it('round-trips exactly (to f32 rounding), frame by frame', () => {
    const s: VideoShape = { batch: 2, channels: 3, frames: 3, height: 6, width: 4 };
    const x = random(videoElements(s), 7);
    const y = refHaar2dForward(x, s);
    expect(y.length).toBe(videoElements(haar2dForwardShape(s)));
    const back = refHaar2dInverse(y, haar2dForwardShape(s));
    expect(maxAbsDiff(back, x)).toBeLessThan(1e-6);
  });

  it('puts a vertical edge in the high-in-w band and a horizontal edge in the high-in-h band', () => {
    const s: VideoShape = { batch: 1, channels: 1, frames: 1, height: 2, width: 2 };
    const vertical = refHaar2dForward(new Float32Array([1, 0, 1, 0]), s); // columns differ
    expect(Array.from(vertical)).toEqual([1, 0, 1, 0]);
    const horizontal = refHaar2dForward(new Float32Array([1, 1, 0, 0]), s); // rows differ
    expect(Array.from(horizontal)).toEqual([1, 1, 0, 0]);
  });

  it('is subband-major: a constant colour puts energy only in channels 0..C-1 (LL)', () => {
    const s: VideoShape = { batch: 1, channels: 3, frames: 2, height: 4, width: 2 };
    const colour = [0.25, -0.5, 0.875];
    const x = new Float32Array(videoElements(s));
    const n = s.frames * s.height * s.width;
    colour.forEach((v, c) => x.fill(v, c * n, (c + 1) * n));
    const y = refHaar2dForward(x, s);
    const m = s.frames * 2 * 1;
    for (let ch = 0; ch < 12; ch++) {
      for (const v of y.subarray(ch * m, (ch + 1) * m)) expect(v).toBe(ch < 3 ? 2 * colour[ch] : 0);
    }
  });
});

describe('Haar shapes', () => {
  it('computes output shapes for both chunk modes', () => {
    const s: VideoShape = { batch: 1, channels: 3, frames: 17, height: 34, width: 18 };
    expect(haar3dForwardShape(s)).toEqual({ batch: 1, channels: 24, frames: 9, height: 17, width: 9 });
    expect(haar3dForwardShape({ ...s, frames: 8 }, false)).toEqual({ batch: 1, channels: 24, frames: 4, height: 17, width: 9 });
    expect(haar3dInverseShape(haar3dForwardShape(s))).toEqual(s);
    expect(haar3dInverseShape({ batch: 1, channels: 24, frames: 4, height: 17, width: 9 }, false).frames).toBe(8);
    expect(haar2dForwardShape(s)).toEqual({ batch: 1, channels: 12, frames: 17, height: 17, width: 9 });
    expect(haar2dInverseShape(haar2dForwardShape(s))).toEqual(s);
  });

  it('rejects bad shapes with clear errors', () => {
    const s: VideoShape = { batch: 1, channels: 3, frames: 5, height: 4, width: 4 };
    expect(() => haar3dForwardShape({ ...s, height: 5 })).toThrow(/height and width must be even/);
    expect(() => haar3dForwardShape({ ...s, width: 3 })).toThrow(/height and width must be even/);
    expect(() => haar3dForwardShape({ ...s, frames: 4 })).toThrow(/T = 1 \+ 2m/);
    expect(() => haar3dForwardShape({ ...s, frames: 5 }, false)).toThrow(/even number of frames/);
    expect(() => haar3dForwardShape({ ...s, channels: 0 })).toThrow(/positive integer/);
    expect(() => haar3dForwardShape({ ...s, batch: 1.5 })).toThrow(/positive integer/);
    expect(() => haar3dInverseShape({ ...s, channels: 12 })).toThrow(/multiple of 8/);
    expect(() => haar2dForwardShape({ ...s, width: 7 })).toThrow(/even/);
    expect(() => haar2dInverseShape({ ...s, channels: 6 })).toThrow(/multiple of 4/);
  });
});
