import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AttentionMode, AttentionShape } from './skiparse';
import {
  attentionDistanceBruteForce, skiparseAttentionDistance, skiparseAttentionDistanceClosedForm,
  skiparseAttentionReference, skiparseGroupOf, skiparseIndexVectors, skiparsePaddedTokens, skiparsePositionOf,
  skiparseRegroupIndex, skiparseSeqToken, skiparseSequenceLength, skiparseValidCount, validateAttentionShape,
} from './reference';
import { randomTensor } from '../../../test-support/test-data';

/** Deterministic uniform [-1, 1) · scale, in f64 for the f64 reference. */
const rand = (n: number, seed: number, scale = 1): Float64Array => Float64Array.from(randomTensor(n, seed, scale));

/** Independent formulation: token i attends to every real token j of its group, from the 1D rules alone. */
function sameGroup(mode: AttentionMode, k: number, i: number, j: number): boolean {
  if (mode === 'dense') return true;
  if (mode === 'single') return i % k === j % k;
  return Math.floor(i / k) % k === Math.floor(j / k) % k;
}

function maskedDenseAttention(shape: AttentionShape, q: Float64Array, k: Float64Array, v: Float64Array): Float64Array {
  const { batch: B, tokens: N, heads: H, headDim: D, mode } = shape;
  const C = H * D;
  const scale = shape.scale ?? 1 / Math.sqrt(D);
  const out = new Float64Array(B * N * C);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < N; i++) {
        const keys = [...Array(N).keys()].filter((j) => sameGroup(mode, shape.k, i, j));
        const qi = (b * N + i) * C + h * D;
        const s = keys.map((j) => {
          let dot = 0;
          for (let d = 0; d < D; d++) dot += q[qi + d] * k[(b * N + j) * C + h * D + d];
          return dot * scale;
        });
        const max = Math.max(...s);
        const e = s.map((x) => Math.exp(x - max));
        const sum = e.reduce((a, x) => a + x, 0);
        for (let d = 0; d < D; d++) {
          let acc = 0;
          keys.forEach((j, t) => { acc += e[t] * v[(b * N + j) * C + h * D + d]; });
          out[qi + d] = acc / sum;
        }
      }
    }
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const MODES: AttentionMode[] = ['dense', 'single', 'group'];

describe('Skiparse index rules', () => {
  it('pads to a multiple of k²', () => {
    expect(skiparsePaddedTokens(1, 2)).toBe(4);
    expect(skiparsePaddedTokens(16, 4)).toBe(16);
    expect(skiparsePaddedTokens(17, 4)).toBe(32);
    expect(skiparsePaddedTokens(2306, 4)).toBe(2320);
    expect(skiparsePaddedTokens(21120, 4)).toBe(21120); // 93×352×640 needs no padding (spec §3)
  });

  it('helpers agree with the einops regroup (batch index = group·B + b) and invert each other', () => {
    for (const k of [2, 4, 8]) {
      for (const N of [1, 3, 5, 16, 37, 69, 130]) {
        const Npad = skiparsePaddedTokens(N, k);
        const B = 2;
        for (const mode of ['single', 'group'] as const) {
          const counts = new Array<number>(k).fill(0);
          for (let i = 0; i < Npad; i++) {
            const g = skiparseGroupOf(mode, k, i);
            const p = skiparsePositionOf(mode, k, i);
            for (let b = 0; b < B; b++) expect(skiparseRegroupIndex(mode, k, B, i, b)).toEqual([p, g * B + b]);
            expect(p).toBeLessThan(Npad / k);
            expect(skiparseSeqToken(mode, k, g, p)).toBe(i);
            if (i < N) counts[g]++;
          }
          for (let g = 0; g < k; g++) {
            expect(skiparseValidCount(mode, N, k, g)).toBe(counts[g]);
            // real tokens of a sequence are exactly its first validCount positions (seqToken increases with p)
            for (let p = 0; p < Npad / k; p++) {
              expect(skiparseSeqToken(mode, k, g, p) < N).toBe(p < counts[g]);
            }
          }
          expect(skiparseSequenceLength(mode, N, k)).toBe(Npad / k);
        }
      }
    }
  });

  it("reproduces the spec's worked example (k = 2, N = 16) and k = 4 Group Skip group 0", () => {
    const members = (mode: AttentionMode, k: number, N: number, g: number) =>
      [...Array(N).keys()].filter((i) => skiparseGroupOf(mode, k, i) === g);
    expect(members('single', 2, 16, 0)).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
    expect(members('single', 2, 16, 1)).toEqual([1, 3, 5, 7, 9, 11, 13, 15]);
    expect(members('group', 2, 16, 0)).toEqual([0, 1, 4, 5, 8, 9, 12, 13]);
    expect(members('group', 2, 16, 1)).toEqual([2, 3, 6, 7, 10, 11, 14, 15]);
    expect(members('group', 4, 48, 0)).toEqual([0, 1, 2, 3, 16, 17, 18, 19, 32, 33, 34, 35]);
    // positions inside a group follow the token order
    for (const mode of ['single', 'group'] as const) {
      for (let g = 0; g < 2; g++) {
        expect(members(mode, 2, 16, g).map((i) => skiparsePositionOf(mode, 2, i))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      }
    }
  });

  it('rejects invalid shapes with clear errors', () => {
    const ok: AttentionShape = { batch: 1, tokens: 4, heads: 1, headDim: 8, mode: 'single', k: 4 };
    expect(() => validateAttentionShape(ok)).not.toThrow();
    expect(() => validateAttentionShape({ ...ok, k: 3 })).toThrow(/k must be 2, 4 or 8/);
    expect(() => validateAttentionShape({ ...ok, mode: 'dense', k: 1 })).not.toThrow();
    expect(() => validateAttentionShape({ ...ok, headDim: 129 })).toThrow(/headDim must be ≤ 128/);
    expect(() => validateAttentionShape({ ...ok, tokens: 0 })).toThrow(/tokens must be a positive integer/);
    expect(() => validateAttentionShape({ ...ok, mode: 'window' as AttentionMode })).toThrow(/mode must be/);
  });
});

describe('Skiparse reference attention', () => {
  it('equals a directly masked dense attention (j attends iff same group) for many N', () => {
    let worst = 0;
    let seed = 1;
    for (const k of [2, 4, 8]) {
      // N < k, N = 1 (T = 1-like tiny), N not a multiple of k², N = k², N = k² + 1
      for (const N of [1, 2, 3, k - 1, k + 1, 5, 16, 37, k * k, k * k + 1, 69].filter((n) => n >= 1)) {
        for (const mode of MODES) {
          const shape: AttentionShape = { batch: 1 + (seed % 2), tokens: N, heads: 1 + (seed % 3 === 0 ? 1 : 0), headDim: 3 + (seed % 5), mode, k };
          const n = shape.batch * N * shape.heads * shape.headDim;
          const q = rand(n, 11 * seed, 2);
          const kk = rand(n, 13 * seed + 1, 2);
          const v = rand(n, 17 * seed + 2);
          const d = maxAbsDiff(skiparseAttentionReference(shape, q, kk, v), maskedDenseAttention(shape, q, kk, v));
          worst = Math.max(worst, d);
          seed++;
        }
      }
    }
    expect(worst).toBeLessThan(1e-12);
  });

  it('honours a custom scale and large magnitudes', () => {
    const shape: AttentionShape = { batch: 2, tokens: 37, heads: 2, headDim: 8, mode: 'group', k: 4, scale: 0.7 };
    const n = 2 * 37 * 2 * 8;
    const q = rand(n, 5, 30);
    const k = rand(n, 6, 30);
    const v = rand(n, 7);
    const ref = skiparseAttentionReference(shape, q, k, v);
    expect(ref.every(Number.isFinite)).toBe(true);
    expect(maxAbsDiff(ref, maskedDenseAttention(shape, q, k, v))).toBeLessThan(1e-12);
  });

  it('dense mode ignores k and is plain attention', () => {
    const shape: AttentionShape = { batch: 1, tokens: 7, heads: 1, headDim: 4, mode: 'dense', k: 4 };
    const q = rand(28, 1);
    const k = rand(28, 2);
    const v = rand(28, 3);
    expect(maxAbsDiff(skiparseAttentionReference(shape, q, k, v), skiparseAttentionReference({ ...shape, k: 1 }, q, k, v))).toBe(0);
  });
});

describe('connectivity of alternating Single/Group Skip layers', () => {
  it('one hop iff the tokens share a group in either layer; both groups iff i ≡ j (mod k²)', () => {
    for (const k of [2, 4, 8]) {
      for (const N of [k * k, 3 * k * k, 37, 100]) {
        for (let i = 0; i < N; i++) {
          for (let j = 0; j < N; j++) {
            const s = skiparseGroupOf('single', k, i) === skiparseGroupOf('single', k, j);
            const g = skiparseGroupOf('group', k, i) === skiparseGroupOf('group', k, j);
            expect(s && g).toBe((i - j) % (k * k) === 0);
          }
        }
      }
    }
  });

  it('token-level BFS distances: 1 iff a shared group, else 2 once N ≥ k²', () => {
    for (const k of [2, 4]) {
      for (const N of [k * k, 2 * k * k + 3, 37]) {
        const stats = attentionDistanceBruteForce(N, k);
        let oneHop = 0;
        for (let i = 0; i < N; i++) {
          for (let j = 0; j < N; j++) {
            if (i !== j && (i % k === j % k || Math.floor(i / k) % k === Math.floor(j / k) % k)) oneHop++;
          }
        }
        expect(stats.histogram[1]).toBe(oneHop);
        expect(stats.maxDistance).toBe(2);
        expect(stats.histogram.reduce((a, x) => a + x, 0)).toBe(N * N);
      }
    }
  });
});

describe('AD_avg (spec §3.6)', () => {
  it('class counting equals brute-force BFS on small N (multiples of k² or not)', () => {
    for (const k of [2, 3, 4, 8]) {
      for (const N of [1, 2, 3, 5, k, k + 1, k * k - 1, k * k, k * k + 1, 37, 64, 69, 150, 200]) {
        const fast = skiparseAttentionDistance(N, k);
        const slow = attentionDistanceBruteForce(N, k);
        expect(fast.histogram, `k=${k} N=${N}`).toEqual(slow.histogram);
        expect(fast.mean).toBeCloseTo(slow.mean, 12);
        expect(fast.maxDistance).toBe(slow.maxDistance);
      }
    }
  });

  it("matches the paper's 24×32×32 table (k = 2, 4, 8) and the closed form", () => {
    const THW = 24 * 32 * 32;
    const table: Record<number, string> = { 2: '1.250', 4: '1.563', 8: '1.766' };
    for (const k of [2, 4, 8]) {
      const ad = skiparseAttentionDistance(THW, k);
      expect(THW % (k * k)).toBe(0);
      // The closed form 2 − 2/k + 1/k² − 1/THW is exact (self pairs included, as in the paper's derivation).
      expect(Math.abs(ad.mean - skiparseAttentionDistanceClosedForm(THW, k))).toBeLessThan(1e-12);
      // The table is rounded to 3 decimals. For k = 4 the exact value 1.562459… rounds to 1.562: the table's 1.563
      // is the approximation 2 − 2/k + 1/k² = 1.5625 rounded up. Both conventions sit within table rounding.
      expect(Math.abs(ad.mean - Number(table[k]))).toBeLessThan(1e-3);
      expect(ad.meanExcludingSelf.toFixed(3)).toBe(table[k]);
      expect((2 - 2 / k + 1 / (k * k)).toFixed(3)).toBe(table[k]);
      expect(ad.maxDistance).toBe(2);
      console.log(`AD_avg 24x32x32 k=${k}: ${ad.mean.toFixed(6)} (all pairs), ${ad.meanExcludingSelf.toFixed(6)} (distinct pairs)`);
    }
    // 2+1D is the k = HW limit of Skiparse and full 3D is k = 1 (spec §3.6)
    expect(skiparseAttentionDistance(THW, 1).mean).toBeCloseTo(1 - 1 / THW, 12);
  });
});

describe('shared index vectors for the Python side', () => {
  const path = new URL('./skiparse-index-vectors.json', import.meta.url);
  it('skiparse-index-vectors.json matches the helpers (UPDATE_SKIPARSE_VECTORS=1 rewrites it)', () => {
    const doc = {
      description:
        'Skiparse 1D index rules (Open-Sora Plan v1.3, spec §3.5), generated by src/kernels/skiparse/reference.ts. ' +
        'For each token i < tokens: single.group = i mod k, single.position = floor(i/k); ' +
        'group.group = floor(i/k) mod k, group.position = n*k + r for i = n*k^2 + m*k + r. ' +
        'padded_tokens = k^2*ceil(tokens/k^2); each of the k sequences has sequence_length = padded_tokens/k positions.',
      cases: skiparseIndexVectors(),
    };
    if (process.env.UPDATE_SKIPARSE_VECTORS) {
      // number arrays on one line each, the rest indented
      const text = JSON.stringify(doc, null, 1).replace(/\[\s+([-\d,\s]+?)\s+\]/g, (_m, inner: string) => `[${inner.replace(/\s+/g, '')}]`);
      writeFileSync(path, text + '\n');
    }
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(doc);
    expect(doc.cases.map((c) => `${c.k}/${c.tokens}`)).toEqual(['2/5', '2/16', '2/37', '4/5', '4/16', '4/37']);
  });
});
