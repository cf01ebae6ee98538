import { describe, expect, it } from 'vitest';
import { skiparseAttentionReference } from '../skiparse/reference';
import { refHaar3dForward } from '../haar/reference';
import type { AttentionMode, AttentionShape } from '../skiparse/rules';
import { fromF16, toF16 } from './f16';
import { f16Haar2dForward, f16Haar2dInverse, f16Haar3dForward, f16Haar3dInverse, f16SkiparseAttention } from './reference';

function data(n: number, seed: number, amp = 1): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 2 * amp);
}
const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, x) => Math.max(m, Math.abs(x)), 0);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

describe('f16 Skiparse attention reference', () => {
  for (const mode of ['dense', 'single', 'group'] as AttentionMode[]) {
    it(`${mode}: within an f16 rounding of the f64 reference on the same f16 inputs`, () => {
      const shape: AttentionShape = { batch: 2, tokens: 37, heads: 2, headDim: 48, mode, k: 4 };
      const n = 2 * 37 * 96;
      const [q, k, v] = [toF16(data(n, 1, 2)), toF16(data(n, 2, 2)), toF16(data(n, 3))];
      const got = fromF16(f16SkiparseAttention(q, k, v, shape));
      const want = skiparseAttentionReference(shape, fromF16(q), fromF16(k), fromF16(v));
      const err = maxDiff(got, want);
      // one f16 rounding of the output (2^-11 relative) + f32 accumulation noise
      expect(err).toBeLessThanOrEqual(2 ** -11 * maxAbs(want) + 1e-5);
    });
  }

  it('needs fp32 accumulators: all-f16 sums are far worse over a long sequence', () => {
    const shape: AttentionShape = { batch: 1, tokens: 320, heads: 1, headDim: 96, mode: 'dense', k: 1, scale: 0.02 };
    const n = 320 * 96;
    const [q, k, v] = [toF16(data(n, 4)), toF16(data(n, 5)), toF16(data(n, 6))];
    const want = skiparseAttentionReference(shape, fromF16(q), fromF16(k), fromF16(v));
    const e32 = maxDiff(fromF16(f16SkiparseAttention(q, k, v, shape, 'f32')), want);
    const e16 = maxDiff(fromF16(f16SkiparseAttention(q, k, v, shape, 'f16')), want);
    console.log(`dense 320 tokens, D 96: max |f16 − f64| with f32 accumulation ${e32.toExponential(2)}, with f16 accumulation ${e16.toExponential(2)}`);
    expect(e16).toBeGreaterThan(10 * e32);
  }, 60_000);

  it('rejects inputs of the wrong length', () => {
    const shape: AttentionShape = { batch: 1, tokens: 4, heads: 1, headDim: 8, mode: 'dense', k: 1 };
    expect(() => f16SkiparseAttention(new Uint16Array(32), new Uint16Array(31), new Uint16Array(32), shape)).toThrow(/k has 31 values/);
  });
});

describe('f16 Haar references', () => {
  const shape = { batch: 1, channels: 3, frames: 9, height: 8, width: 12 };
  const x = toF16(data(3 * 9 * 96, 9));
  it('3D forward is the fp32 reference rounded to f16 once', () => {
    const want = refHaar3dForward(fromF16(x), shape);
    const got = fromF16(f16Haar3dForward(x, shape));
    expect(maxDiff(got, want)).toBeLessThanOrEqual(2 ** -11 * maxAbs(want));
  });
  it('forward then inverse in f16 returns the video within a few f16 ulps', () => {
    const c3 = f16Haar3dForward(x, shape);
    const back3 = fromF16(f16Haar3dInverse(c3, { batch: 1, channels: 24, frames: 5, height: 4, width: 6 }));
    expect(maxDiff(back3, fromF16(x))).toBeLessThan(4 * 2 ** -11);
    const c2 = f16Haar2dForward(x, shape);
    const back2 = fromF16(f16Haar2dInverse(c2, { batch: 1, channels: 12, frames: 9, height: 4, width: 6 }));
    expect(maxDiff(back2, fromF16(x))).toBeLessThan(4 * 2 ** -11);
  });
});
