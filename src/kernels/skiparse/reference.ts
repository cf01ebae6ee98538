// CPU reference for Skiparse attention (spec §3.5), written the way upstream Open-Sora Plan v1.3 computes it
// (`OpenSoraAttnProcessor2_0._sparse_1d` + `prepare_sparse_mask` + SDPA), so the WGSL kernel is tested against the
// upstream data flow rather than against its own index arithmetic:
//
//   [B, N, C] ─► sequence-first (N, B, C) ─► zero-pad tokens to N_pad = k²·⌈N/k²⌉ (bias −9980 on padded keys)
//             ─► rearrange into k·B sequences of N_pad/k tokens (new batch index = group·B + b)
//             ─► plain dense softmax attention per (sequence, head) with the additive key bias
//             ─► inverse rearrangement ─► crop to N ─► [B, N, C]
//
// Single Skip: einops '(g k) b d -> g (k b) d'  (token = pos·k + group)
// Group Skip:  einops '(n m k) b d -> (n k) (m b) d'  (token = n·k² + group·k + r, pos = n·k + r)
// Dense layers (upstream's sparse_n = 1 mask set): no padding, no rearrangement.
//
// Everything is computed in f64. Pure TS (no DOM / WebGPU), so it runs under vitest in Node and inside the page.

import {
  SKIPARSE_PAD_BIAS, skiparseGroupOf, skiparsePaddedTokens, skiparsePositionOf,
  validateAttentionShape, attentionScale, type AttentionMode, type AttentionShape,
} from './rules';

// The index rules live in rules.ts (shared with the kernel wrapper); re-exported for the reference's users.
export {
  SKIPARSE_PAD_BIAS, SKIPARSE_KS, skiparsePaddedTokens, skiparseGroupCount, skiparseSequenceLength, skiparseGroupOf,
  skiparsePositionOf, skiparseSeqToken, skiparseValidCount, validateAttentionShape, attentionScale,
} from './rules';

/**
 * Upstream's regrouping, as a map from (token, batch) in the padded sequence-first tensor (N_pad, B, ·) to
 * (position, newBatch) in the regrouped tensor (N_pad/k, k·B, ·). Written from the einops patterns
 * (leftmost axis slowest), not from the index rules (rules.ts), so the tests can cross-check the two.
 */
function regroupIndex(mode: 'single' | 'group', k: number, B: number, token: number, b: number): [number, number] {
  if (mode === 'single') {
    // '(g k) b d -> g (k b) d': token = gi·k + ki ; out axis0 = gi, out axis1 = ki·B + b
    const gi = Math.floor(token / k);
    const ki = token % k;
    return [gi, ki * B + b];
  }
  // '(n m k) b d -> (n k) (m b) d': token = (n·k + m)·k + ki ; out axis0 = n·k + ki, out axis1 = m·B + b
  const ki = token % k;
  const m = Math.floor(token / k) % k;
  const n = Math.floor(token / (k * k));
  return [n * k + ki, m * B + b];
}

/** softmax(q·kᵀ·scale + bias)·v for one sequence of L tokens and one head; rows of width C, head offset h·D. */
function denseAttention(
  L: number, C: number, D: number, hOff: number, scale: number,
  q: Float64Array, k: Float64Array, v: Float64Array, bias: Float64Array, out: Float64Array,
  rowOffset: (pos: number) => number,
): void {
  const s = new Float64Array(L);
  for (let i = 0; i < L; i++) {
    const qi = rowOffset(i) + hOff;
    let max = -Infinity;
    for (let j = 0; j < L; j++) {
      const kj = rowOffset(j) + hOff;
      let dot = 0;
      for (let d = 0; d < D; d++) dot += q[qi + d] * k[kj + d];
      s[j] = dot * scale + bias[j];
      if (s[j] > max) max = s[j];
    }
    let sum = 0;
    for (let j = 0; j < L; j++) {
      s[j] = Math.exp(s[j] - max);
      sum += s[j];
    }
    for (let d = 0; d < D; d++) {
      let acc = 0;
      for (let j = 0; j < L; j++) acc += s[j] * v[rowOffset(j) + hOff + d];
      out[qi + d] = acc / sum;
    }
  }
}

/**
 * Reference Skiparse attention. q, k, v: [B, N, heads·headDim] (RoPE already applied). Returns [B, N, heads·headDim]
 * in f64. Follows upstream step by step: pad, regroup (tensor and key bias), dense attention, inverse, crop.
 */
export function skiparseAttentionReference(
  shape: AttentionShape, q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>,
): Float64Array {
  validateAttentionShape(shape);
  const { batch: B, tokens: N, heads: H, headDim: D, mode } = shape;
  const C = H * D;
  const total = B * N * C;
  for (const [name, x] of [['q', q], ['k', k], ['v', v]] as const) {
    if (x.length < total) throw new RangeError(`skiparse reference: ${name} has ${x.length} elements, needs ${total}`);
  }
  const scale = attentionScale(shape);
  const sparse = mode !== 'dense';
  const kk = sparse ? shape.k : 1;
  const Npad = sparse ? skiparsePaddedTokens(N, kk) : N;

  // 1. Sequence-first (N_pad, B, C) with zero tokens appended (upstream pads after RoPE), and the key bias (B, N_pad).
  const seqFirst = (x: ArrayLike<number>) => {
    const t = new Float64Array(Npad * B * C);
    for (let n = 0; n < N; n++) {
      for (let b = 0; b < B; b++) {
        const src = (b * N + n) * C;
        const dst = (n * B + b) * C;
        for (let c = 0; c < C; c++) t[dst + c] = x[src + c];
      }
    }
    return t;
  };
  const qs = seqFirst(q);
  const ks = seqFirst(k);
  const vs = seqFirst(v);
  const bias = new Float64Array(B * Npad); // (B, N_pad): 0 for real tokens, −9980 for padding
  for (let b = 0; b < B; b++) for (let n = N; n < Npad; n++) bias[b * Npad + n] = SKIPARSE_PAD_BIAS;

  // 2. Regroup into (L, B', C), L = N_pad/k, B' = k·B. The bias is regrouped by the same rule (prepare_sparse_mask).
  const L = Npad / kk;
  const Bp = kk * B;
  let qr = qs;
  let kr = ks;
  let vr = vs;
  let biasR = bias; // (B', L)
  if (sparse) {
    qr = new Float64Array(qs.length);
    kr = new Float64Array(ks.length);
    vr = new Float64Array(vs.length);
    biasR = new Float64Array(bias.length);
    for (let n = 0; n < Npad; n++) {
      for (let b = 0; b < B; b++) {
        const [pos, nb] = regroupIndex(mode, kk, B, n, b);
        const src = (n * B + b) * C;
        const dst = (pos * Bp + nb) * C;
        for (let c = 0; c < C; c++) {
          qr[dst + c] = qs[src + c];
          kr[dst + c] = ks[src + c];
          vr[dst + c] = vs[src + c];
        }
        biasR[nb * L + pos] = bias[b * Npad + n];
      }
    }
  }

  // 3. Plain dense attention per (sequence, head).
  const outR = new Float64Array(qr.length);
  for (let nb = 0; nb < Bp; nb++) {
    const rowBias = biasR.subarray(nb * L, (nb + 1) * L);
    for (let h = 0; h < H; h++) {
      denseAttention(L, C, D, h * D, scale, qr, kr, vr, rowBias, outR, (pos) => (pos * Bp + nb) * C);
    }
  }

  // 4. Inverse rearrangement + crop to N, back to [B, N, C].
  const out = new Float64Array(total);
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < B; b++) {
      const [pos, nb] = sparse ? regroupIndex(mode, kk, B, n, b) : [n, b];
      const src = (pos * Bp + nb) * C;
      const dst = (b * N + n) * C;
      for (let c = 0; c < C; c++) out[dst + c] = outR[src + c];
    }
  }
  return out;
}

/** Exposed for tests: the einops-derived regroup map (position, newBatch) of (token, b). */
export function skiparseRegroupIndex(mode: 'single' | 'group', k: number, batch: number, token: number, b: number): [number, number] {
  return regroupIndex(mode, k, batch, token, b);
}

export interface SkiparseIndexVectorCase {
  k: number;
  tokens: number;
  padded_tokens: number;
  sequence_length: number;
  single: { group: number[]; position: number[] };
  group: { group: number[]; position: number[] };
}

/** Test vectors shared with the Python side (`skiparse-index-vectors.json`): group and in-group position per token. */
export function skiparseIndexVectors(ks: number[] = [2, 4], tokenCounts: number[] = [5, 16, 37]): SkiparseIndexVectorCase[] {
  const cases: SkiparseIndexVectorCase[] = [];
  for (const k of ks) {
    for (const N of tokenCounts) {
      const idx = [...Array(N).keys()];
      const of = (mode: AttentionMode) => ({
        group: idx.map((i) => skiparseGroupOf(mode, k, i)),
        position: idx.map((i) => skiparsePositionOf(mode, k, i)),
      });
      cases.push({
        k, tokens: N, padded_tokens: skiparsePaddedTokens(N, k), sequence_length: skiparsePaddedTokens(N, k) / k,
        single: of('single'), group: of('group'),
      });
    }
  }
  return cases;
}

export {
  skiparseAttentionDistance, skiparseAttentionDistanceClosedForm, attentionDistanceBruteForce,
  type AttentionDistanceStats,
} from './attention-distance';
