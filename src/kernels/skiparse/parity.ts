// Parity cases of the Skiparse kernels against the CPU reference (reference.ts), run by e2e/kernels-skiparse.spec.ts
// through e2e/harness/skiparse.ts. A sensible matrix, not the full product: every mode × k × N in the list, with head
// dims, heads and batch rotating through their values so each appears with several modes. Both kernels (variant
// 'simple' and the GPU-tuned 'tiled') run the same cases; each has its own small-memory tiles. Pure data (Node and
// the page import it).
import type { AttentionMode, AttentionShape } from './rules';
import type { SkiparseVariant } from './skiparse';
import type { SkiparseTiledGeometry } from './tiled';

export interface SkiparseCase extends AttentionShape {
  seed: number;
  /** Multiplier on q and k (large values exercise the online-softmax stability). Default 1. */
  qkMagnitude?: number;
  /** Multiplier on v. Default 1. */
  vMagnitude?: number;
  /** Forces smaller tiles (tests the tile configurations real devices with 16 KiB may get). */
  maxWorkgroupStorageBytes?: number;
  /** Which kernel (default 'simple'). */
  variant?: SkiparseVariant;
  /** Tiled kernel only: an explicit tile geometry. */
  tiledGeometry?: SkiparseTiledGeometry;
}

const TOKENS = [1, 3, 16, 37, 69, 200, 330];
const HEAD_DIMS = [8, 24, 64, 96, 128];

export function sparseCases(mode: AttentionMode, seed0: number): SkiparseCase[] {
  const cases: SkiparseCase[] = [];
  let c = 0;
  for (const k of [2, 4, 8]) {
    for (const tokens of TOKENS) {
      const big = tokens >= 200; // keep the long ones cheap on a CPU rasteriser
      cases.push({
        mode, k, tokens, seed: seed0 + c,
        headDim: big ? [24, 64, 96][(c + k) % 3] : HEAD_DIMS[(c + k) % HEAD_DIMS.length],
        heads: big ? 1 : [1, 3][c % 2],
        batch: big ? 1 + (k === 4 ? 1 : 0) : [1, 2][(c >> 1) % 2],
      });
      c++;
    }
  }
  return cases;
}

export const denseCases: SkiparseCase[] = TOKENS.map((tokens, c) => ({
  mode: 'dense', k: 4, tokens, seed: 500 + c,
  headDim: tokens >= 200 ? [64, 32][c % 2] : HEAD_DIMS[c % HEAD_DIMS.length],
  heads: tokens >= 200 ? 1 : [1, 3][c % 2],
  batch: tokens >= 200 ? 1 : [2, 1][c % 2],
}));

// Online-softmax stability: logits far beyond f32 exp's range (|x| > 88 overflows), where only a running-max
// softmax survives. q, k × 12 gives logits with std ≈ 50 (max ≈ 200); × 30 gives std ≈ 300 (max ≈ 1000). At × 30
// the f32 rounding of the dot products alone is ~1e-4 of a logit, which costs up to ~9e-5 in the output near
// ties (seen for group k = 2 at × 30), so most cases use × 12 and two keep × 30.
export const largeCases: SkiparseCase[] = [
  { mode: 'single', k: 4, tokens: 69, heads: 3, headDim: 96, batch: 2, seed: 900, qkMagnitude: 30 },
  { mode: 'dense', k: 4, tokens: 130, heads: 1, headDim: 128, batch: 1, seed: 903, qkMagnitude: 30 },
  { mode: 'group', k: 4, tokens: 69, heads: 3, headDim: 96, batch: 2, seed: 901, qkMagnitude: 12 },
  { mode: 'group', k: 2, tokens: 200, heads: 1, headDim: 64, batch: 1, seed: 902, qkMagnitude: 12 },
  { mode: 'single', k: 8, tokens: 150, heads: 2, headDim: 32, batch: 2, seed: 904, qkMagnitude: 12 },
  { mode: 'group', k: 8, tokens: 150, heads: 2, headDim: 16, batch: 1, seed: 905, qkMagnitude: 4, scale: 0.5 },
];

// Other head dims (including odd ones), and the smaller tile configurations a 16 KiB device would get.
const commonShapeCases: SkiparseCase[] = [
  { mode: 'group', k: 4, tokens: 37, heads: 2, headDim: 16, batch: 2, seed: 950 },
  { mode: 'single', k: 2, tokens: 37, heads: 1, headDim: 32, batch: 1, seed: 951 },
  { mode: 'group', k: 2, tokens: 69, heads: 3, headDim: 48, batch: 1, seed: 952 },
  { mode: 'single', k: 4, tokens: 69, heads: 1, headDim: 13, batch: 2, seed: 953 },
  { mode: 'dense', k: 2, tokens: 37, heads: 2, headDim: 1, batch: 1, seed: 954 },
  { mode: 'group', k: 8, tokens: 100, heads: 1, headDim: 127, batch: 1, seed: 955 },
  { mode: 'group', k: 4, tokens: 69, heads: 2, headDim: 128, batch: 2, seed: 956, maxWorkgroupStorageBytes: 16384 },
  { mode: 'single', k: 2, tokens: 69, heads: 1, headDim: 96, batch: 1, seed: 957, maxWorkgroupStorageBytes: 16384 },
  { mode: 'dense', k: 4, tokens: 37, heads: 1, headDim: 40, batch: 2, seed: 958, maxWorkgroupStorageBytes: 16384 },
];
export const shapeCases: Record<SkiparseVariant, SkiparseCase[]> = {
  simple: [
    ...commonShapeCases,
    { mode: 'single', k: 8, tokens: 69, heads: 1, headDim: 128, batch: 1, seed: 959, maxWorkgroupStorageBytes: 9000 },
  ],
  // The tiled kernel's other geometries: its smallest candidates (QT 16, KT 8 / 16) and the benchmark sweep's
  // non-default shapes (8 query rows per invocation; 128-row workgroups), each with a partial last tile.
  tiled: [
    ...commonShapeCases,
    { mode: 'single', k: 8, tokens: 69, heads: 1, headDim: 128, batch: 1, seed: 959, maxWorkgroupStorageBytes: 14000 },
    { mode: 'group', k: 2, tokens: 75, heads: 2, headDim: 96, batch: 1, seed: 960, maxWorkgroupStorageBytes: 14592 },
    { mode: 'dense', k: 4, tokens: 150, heads: 1, headDim: 48, batch: 2, seed: 961, tiledGeometry: { queryTile: 64, threadRows: 8, keyTile: 16 } },
    { mode: 'group', k: 4, tokens: 300, heads: 2, headDim: 24, batch: 1, seed: 962, tiledGeometry: { queryTile: 128, threadRows: 32, keyTile: 16 } },
  ],
};

