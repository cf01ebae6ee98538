// Tile selection and WGSL specialisation for the GPU-tuned Skiparse kernel (src/kernels/skiparse/skiparse_attention_tiled.wgsl).
// Pure functions: SkiparseAttention (src/kernels/skiparse/skiparse.ts) builds pipelines from them when its variant is 'tiled'.
//
// The kernel's geometry: TR×TC invocations per workgroup, QT query rows (RQ = QT/TR per invocation), KT keys per
// tile (RK = KT/TC per invocation in S = Q·Kᵀ), head dims in vec4 columns split over the TC invocations of a row.

import shaderSource from './skiparse_attention_tiled.wgsl?raw';
import { skiparseSource } from './source';

export interface SkiparseTiledGeometry {
  /** Query positions per workgroup (QT). */
  queryTile: number;
  /** Key positions per K/V tile (KT). */
  keyTile: number;
  /** Invocation rows (TR); QT / TR query rows per invocation. */
  threadRows: number;
}

export interface SkiparseTiledConfig extends SkiparseTiledGeometry {
  headDim: number;
  /** Invocation columns (TC): 4 or 8, whichever splits the head's vec4 columns with less waste. */
  threadCols: number;
  workgroupSize: number;
  workgroupStorageBytes: number;
}

// Preference order, measured: the tile sweep of bench/node-gpu-bench.ts on an NVIDIA H200 (Dawn/Vulkan, 2026-11-26,
// docs/BENCHMARKS.md) put QT = 32 rows on 16×TC invocations (2 rows each) with 16-key tiles first for both head
// sizes we ship or target — 1.95× the old 64×32 pick at head 48, 1.2× the old 64×16 pick at head 96: more, smaller
// workgroups keep more of the GPU busy than reusing each K/V tile for more rows saves. The rest are fallbacks for
// smaller workgroup-memory budgets (16 KiB is WebGPU's guaranteed minimum). RQ = QT/TR ≤ 4 and RK = KT/TC ≤ 8 keep
// the register blocks within a GPU's register file without spilling.
const CANDIDATES: readonly SkiparseTiledGeometry[] = [
  { queryTile: 32, threadRows: 16, keyTile: 16 },
  { queryTile: 16, threadRows: 8, keyTile: 16 },
  { queryTile: 16, threadRows: 8, keyTile: 8 },
  { queryTile: 8, threadRows: 8, keyTile: 8 },
];

/** TC: 4 or 8, splitting ⌈headDim/4⌉ vec4 columns with the fewest padded columns (8 on a tie from 16 columns up). */
export function skiparseTiledThreadCols(headDim: number): number {
  const d4 = Math.ceil(headDim / 4);
  const waste = (tc: number) => Math.ceil(d4 / tc) * tc - d4;
  if (waste(8) < waste(4)) return 8;
  if (waste(4) < waste(8)) return 4;
  return d4 >= 16 ? 8 : 4;
}

/** Workgroup memory of one configuration, in bytes (mirrors the WGSL's qs, kv, ps and red). */
export function skiparseTiledStorageBytes(headDim: number, g: SkiparseTiledGeometry): number {
  const tc = skiparseTiledThreadCols(headDim);
  const d4 = Math.ceil(headDim / 4);
  const rd4 = Math.ceil(d4 / tc);
  const qs4 = d4 | 1;
  const ks4 = (rd4 * tc) | 1;
  const ps4 = (g.keyTile / 4) | 1;
  return 16 * (g.queryTile * qs4 + g.keyTile * ks4 + g.queryTile * ps4) + 4 * g.queryTile * tc;
}

/** Throws unless `g` is a geometry the WGSL supports for this head dimension. */
function checkGeometry(headDim: number, g: SkiparseTiledGeometry): void {
  const tc = skiparseTiledThreadCols(headDim);
  const ok = [g.queryTile, g.keyTile, g.threadRows].every((x) => Number.isInteger(x) && x > 0) &&
    g.queryTile % g.threadRows === 0 && g.keyTile % tc === 0 && g.keyTile % 4 === 0;
  if (!ok) {
    throw new RangeError(`skiparse tiled: QT=${g.queryTile} TR=${g.threadRows} KT=${g.keyTile} is not a valid ` +
      `geometry for headDim ${headDim} (QT must be a multiple of TR, KT a multiple of ${Math.max(tc, 4)})`);
  }
}

/**
 * The tile configuration for `headDim` under a workgroup-memory budget and invocation limit: `geometry` when given
 * (benchmarks and tests), else the first candidate (fastest measured) that fits.
 */
export function skiparseTiledConfig(
  headDim: number, maxWorkgroupStorageBytes: number, maxInvocations = 256, geometry?: SkiparseTiledGeometry,
): SkiparseTiledConfig {
  const tc = skiparseTiledThreadCols(headDim);
  const make = (g: SkiparseTiledGeometry): SkiparseTiledConfig => ({
    headDim, ...g, threadCols: tc, workgroupSize: g.threadRows * tc, workgroupStorageBytes: skiparseTiledStorageBytes(headDim, g),
  });
  if (geometry) {
    checkGeometry(headDim, geometry);
    const cfg = make(geometry);
    if (cfg.workgroupStorageBytes > maxWorkgroupStorageBytes || cfg.workgroupSize > maxInvocations) {
      throw new RangeError(`skiparse tiled: QT=${geometry.queryTile} KT=${geometry.keyTile} TR=${geometry.threadRows} ` +
        `needs ${cfg.workgroupStorageBytes} bytes and ${cfg.workgroupSize} invocations; the device allows ` +
        `${maxWorkgroupStorageBytes} and ${maxInvocations}`);
    }
    return cfg;
  }
  for (const g of CANDIDATES) {
    if (g.keyTile % tc !== 0) continue;
    const cfg = make(g);
    if (cfg.workgroupStorageBytes <= maxWorkgroupStorageBytes && cfg.workgroupSize <= maxInvocations) return cfg;
  }
  const smallest = make(CANDIDATES[CANDIDATES.length - 1]);
  throw new RangeError(`skiparse tiled: headDim ${headDim} needs ${smallest.workgroupStorageBytes} bytes of ` +
    `workgroup memory, the device allows ${maxWorkgroupStorageBytes}`);
}

/** WGSL specialised for one head dimension and tile configuration. */
export function skiparseTiledShaderSource(cfg: SkiparseTiledConfig): string {
  return skiparseSource(shaderSource, {
    HEAD_DIM: cfg.headDim, QT: cfg.queryTile, KT: cfg.keyTile, TR: cfg.threadRows, TC: cfg.threadCols,
  }, 'skiparse tiled');
}
