// CPU references for the `shader-f16` kernel variants (issue #32; the WGSL follows the kernel-folder move): what an
// f16 Skiparse attention or Haar kernel must compute — f16 storage of inputs and outputs, arithmetic in f32 (every
// operation rounded to f32 with Math.fround, as the GPU does) where the fp32 kernels' accuracy depends on it: the
// q·k dot products, the softmax and its sum, and the p·v accumulation. `accumulate: 'f16'` instead rounds every
// partial sum to f16 — what a naive all-f16 kernel does — so the tests can show why the f32 accumulators are needed.
import { fromF16, roundF16, toF16 } from './f16';
import { skiparseGroupOf, skiparseSeqToken, skiparseValidCount, validateAttentionShape, attentionScale } from '../skiparse/rules';
import { refHaar2dForward, refHaar2dInverse, refHaar3dForward, refHaar3dInverse, REF_HAAR3D_UPSTREAM_COEFFICIENT } from '../haar/reference';
import type { AttentionShape } from '../skiparse/rules';
import type { VideoShape } from '../haar/haar';

export type Accumulate = 'f32' | 'f16';

/**
 * Skiparse attention (dense / single / group, the index rule of src/gpu/reference/skiparse.ts) on f16 Q, K, V
 * [B, N, heads·D] → f16 output. Padded keys of the sparse modes are skipped (their bias −9980 makes them exactly 0
 * in f32 softmax).
 */
export function f16SkiparseAttention(q: Uint16Array, k: Uint16Array, v: Uint16Array, shape: AttentionShape, accumulate: Accumulate = 'f32'): Uint16Array {
  validateAttentionShape(shape);
  const { batch: B, tokens: N, heads: H, headDim: D, mode } = shape;
  const kk = shape.k;
  const C = H * D;
  for (const [name, a] of [['q', q], ['k', k], ['v', v]] as const) {
    if (a.length !== B * N * C) throw new RangeError(`f16SkiparseAttention: ${name} has ${a.length} values, [${B}, ${N}, ${C}] needs ${B * N * C}`);
  }
  const acc = accumulate === 'f16' ? roundF16 : Math.fround;
  const [Q, K, V] = [fromF16(q), fromF16(k), fromF16(v)];
  const scale = Math.fround(attentionScale(shape));
  const out = new Float32Array(B * N * C);
  const s = new Float32Array(N);
  const o = new Float32Array(D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < N; i++) {
        const g = skiparseGroupOf(mode, kk, i);
        const count = skiparseValidCount(mode, N, kk, g);
        const qi = (b * N + i) * C + h * D;
        let max = -Infinity;
        for (let p = 0; p < count; p++) {
          const kj = (b * N + skiparseSeqToken(mode, kk, g, p)) * C + h * D;
          let dot = 0;
          for (let d = 0; d < D; d++) dot = acc(dot + Math.fround(Q[qi + d] * K[kj + d]));
          s[p] = Math.fround(dot * scale);
          if (s[p] > max) max = s[p];
        }
        let sum = 0;
        o.fill(0);
        for (let p = 0; p < count; p++) {
          const e = Math.fround(Math.exp(s[p] - max));
          sum = acc(sum + e);
          const vj = (b * N + skiparseSeqToken(mode, kk, g, p)) * C + h * D;
          for (let d = 0; d < D; d++) o[d] = acc(o[d] + Math.fround(e * V[vj + d]));
        }
        for (let d = 0; d < D; d++) out[qi + d] = Math.fround(o[d] / sum);
      }
    }
  }
  return toF16(out);
}

/**
 * The Haar transforms on f16 video / coefficients → f16 result. Each output is a sum of 8 (3D) or 4 (2D) products
 * with constant filter taps; the fp32 reference's sum differs from an f32 accumulator by a few f32 ulps, far below
 * half an f16 ulp, so rounding the fp32 reference's output to f16 is the f16 kernel's result (f32 accumulation).
 */
export function f16Haar3dForward(x: Uint16Array, shape: VideoShape, firstChunk = true, coefficient = REF_HAAR3D_UPSTREAM_COEFFICIENT): Uint16Array {
  return toF16(refHaar3dForward(fromF16(x), shape, firstChunk, coefficient));
}

export function f16Haar3dInverse(c: Uint16Array, shape: VideoShape, dropFirstFrame = true, coefficient = REF_HAAR3D_UPSTREAM_COEFFICIENT): Uint16Array {
  return toF16(refHaar3dInverse(fromF16(c), shape, dropFirstFrame, coefficient));
}

export function f16Haar2dForward(x: Uint16Array, shape: VideoShape): Uint16Array {
  return toF16(refHaar2dForward(fromF16(x), shape));
}

export function f16Haar2dInverse(c: Uint16Array, shape: VideoShape): Uint16Array {
  return toF16(refHaar2dInverse(fromF16(c), shape));
}
