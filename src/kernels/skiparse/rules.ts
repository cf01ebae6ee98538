// Skiparse index rules (Open-Sora Plan v1.3 spec §3.5, upstream `_sparse_1d`): which sequence (group) a token
// belongs to, its position there, padding and shape validation. The one TypeScript home of these rules: the kernel
// wrapper (skiparse.ts) and the CPU reference (reference.ts) both import them; the WGSL mirror is
// skiparse_common.wgsl. Pure TS (no DOM / WebGPU).

export type AttentionMode = 'dense' | 'single' | 'group';

export interface AttentionShape {
  batch: number;
  tokens: number;
  heads: number;
  headDim: number;
  mode: AttentionMode;
  /** Sparse ratio (2, 4 or 8) for 'single' / 'group'; ignored for 'dense'. */
  k: number;
  /** Softmax scale; default 1/√headDim. */
  scale?: number;
}

/** Upstream's additive bias on padded keys (`prepare_sparse_mask` pads the mask with −9980). */
export const SKIPARSE_PAD_BIAS = -9980;

export const SKIPARSE_KS: readonly number[] = [2, 4, 8];

/** N_pad = k²·⌈N/k²⌉: the token count after upstream's zero padding. */
export function skiparsePaddedTokens(tokens: number, k: number): number {
  const kk = k * k;
  return Math.ceil(tokens / kk) * kk;
}

/** Number of attention sequences one (batch, head) is split into: 1 for dense, k for the sparse modes. */
export function skiparseGroupCount(mode: AttentionMode, k: number): number {
  return mode === 'dense' ? 1 : k;
}

/** Positions per sequence: N for dense, N_pad/k for the sparse modes (padded positions included). */
export function skiparseSequenceLength(mode: AttentionMode, tokens: number, k: number): number {
  return mode === 'dense' ? tokens : skiparsePaddedTokens(tokens, k) / k;
}

/** The sequence (group) token i belongs to: 0 (dense), i mod k (single), ⌊i/k⌋ mod k (group). */
export function skiparseGroupOf(mode: AttentionMode, k: number, i: number): number {
  if (mode === 'dense') return 0;
  if (mode === 'single') return i % k;
  return Math.floor(i / k) % k;
}

/** Position of token i inside its sequence: i (dense), ⌊i/k⌋ (single), n·k + r for i = n·k² + m·k + r (group). */
export function skiparsePositionOf(mode: AttentionMode, k: number, i: number): number {
  if (mode === 'dense') return i;
  if (mode === 'single') return Math.floor(i / k);
  return Math.floor(i / (k * k)) * k + (i % k);
}

/** Inverse of (group, position): the token at position p of sequence g (may be ≥ N, i.e. a padded token). */
export function skiparseSeqToken(mode: AttentionMode, k: number, g: number, p: number): number {
  if (mode === 'dense') return p;
  if (mode === 'single') return p * k + g;
  return Math.floor(p / k) * k * k + g * k + (p % k);
}

/**
 * Real (unpadded) tokens in sequence g. seqToken is increasing in p, so they are exactly positions [0, count):
 * this is the key-loop bound of the kernel (padded keys never need to be visited).
 */
export function skiparseValidCount(mode: AttentionMode, tokens: number, k: number, g: number): number {
  if (mode === 'dense') return tokens;
  if (mode === 'single') return g < tokens ? Math.floor((tokens - g + k - 1) / k) : 0;
  const full = Math.floor(tokens / (k * k));
  const rem = tokens - full * k * k;
  return full * k + Math.min(k, Math.max(0, rem - g * k));
}

/** Throws a descriptive error unless `shape` is a valid attention shape. Shared by the reference and the wrapper. */
export function validateAttentionShape(shape: AttentionShape): void {
  const { batch, tokens, heads, headDim, mode, k } = shape;
  const posInt = (name: string, x: number) => {
    if (!Number.isInteger(x) || x < 1) throw new RangeError(`skiparse: ${name} must be a positive integer, got ${x}`);
  };
  posInt('batch', batch);
  posInt('tokens', tokens);
  posInt('heads', heads);
  posInt('headDim', headDim);
  if (headDim > 128) throw new RangeError(`skiparse: headDim must be ≤ 128, got ${headDim}`);
  if (mode !== 'dense' && mode !== 'single' && mode !== 'group') {
    throw new RangeError(`skiparse: mode must be 'dense', 'single' or 'group', got ${String(mode)}`);
  }
  if (mode !== 'dense' && !SKIPARSE_KS.includes(k)) {
    throw new RangeError(`skiparse: k must be 2, 4 or 8 for ${mode} mode, got ${k}`);
  }
  if (shape.scale !== undefined && !Number.isFinite(shape.scale)) {
    throw new RangeError(`skiparse: scale must be finite, got ${shape.scale}`);
  }
}

/** Default softmax scale 1/√headDim. */
export function attentionScale(shape: AttentionShape): number {
  return shape.scale ?? 1 / Math.sqrt(shape.headDim);
}
