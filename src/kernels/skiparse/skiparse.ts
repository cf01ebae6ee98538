// Skiparse attention on WebGPU (spec §3.5): wrapper around src/kernels/skiparse/skiparse_attention.wgsl.
//
// Tensor layout (the contract with the pre/post-attention ONNX graphs): q, k, v and out are [B, N, heads·headDim]
// row-major f32 storage buffers — the natural MatMul output, RoPE already applied. The kernel applies the Skiparse
// 1D index rule by index arithmetic (Single Skip: group i mod k; Group Skip: group ⌊i/k⌋ mod k; dense: one group),
// reads Q/K/V with strides and writes the output in the same layout: no transposes, no regrouped or padded copies.
// Upstream's padding to N_pad = k²·⌈N/k²⌉ exists only as masked keys; padded queries are never computed.
//
// One pipeline per head dimension (HEAD_DIM and the tile sizes are WGSL constants, substituted here); one uniform
// buffer per distinct shape, cached and freed by destroy() — encode() allocates no GPU memory after the first call
// with a given shape, so it can be called every denoising step.
//
// Two kernels with the same contract (variant option): 'simple' (src/kernels/skiparse/skiparse_attention.wgsl, tuned on
// SwiftShader: small workgroups, scalar loads) and 'tiled' (src/kernels/skiparse/skiparse_attention_tiled.wgsl, FlashAttention-2
// style for hardware GPUs: larger register blocks, vec4 workgroup loads, parallel softmax, staged K/V loads).
// skiparseVariantFor() picks one from the adapter.

import shaderSource from './skiparse_attention.wgsl?raw';
import { skiparseSource } from './source';
import { skiparseTiledConfig, skiparseTiledShaderSource, type SkiparseTiledConfig, type SkiparseTiledGeometry } from './tiled';
import { ComputeKernel } from '../base';
import { SKIPARSE_PARAMS } from './params';
import {
  attentionScale, skiparseGroupCount, skiparsePaddedTokens as paddedTokens, skiparseSequenceLength,
  validateAttentionShape, type AttentionShape,
} from './rules';

export type { AttentionMode, AttentionShape } from './rules';

export type SkiparseVariant = 'simple' | 'tiled';
/** A variant, or 'auto': the adapter decides (skiparseVariantFor). */
export type SkiparseVariantChoice = SkiparseVariant | 'auto';

export interface SkiparseOptions {
  /** Cap on workgroup memory per workgroup (default and maximum: the device's maxComputeWorkgroupStorageSize). */
  maxWorkgroupStorageBytes?: number;
  /** Which kernel (default 'simple'). */
  variant?: SkiparseVariant;
  /** 'tiled' only: force this tile geometry instead of the first (fastest measured) that fits (benchmark sweeps, tests). */
  tiledGeometry?: SkiparseTiledGeometry;
}

/**
 * The kernel for an adapter: 'tiled' on a hardware GPU, 'simple' on a fallback (software) adapter such as SwiftShader,
 * where the simple kernel's small register blocks suit 4-wide CPU SIMD (measured faster there). `choice` forces one.
 */
export function skiparseVariantFor(isFallbackAdapter: boolean, choice: SkiparseVariantChoice = 'auto'): SkiparseVariant {
  if (choice === 'simple' || choice === 'tiled') return choice;
  if (choice !== 'auto') throw new RangeError(`skiparse: kernel must be auto, simple or tiled, got ${String(choice)}`);
  return isFallbackAdapter ? 'simple' : 'tiled';
}

/** Tile sizes of one specialised pipeline. */
export interface SkiparseTileConfig {
  headDim: number;
  /** Query positions per workgroup. */
  queryTile: number;
  /** Key positions per K/V tile. */
  keyTile: number;
  workgroupStorageBytes: number;
}

/** N_pad = k²·⌈N/k²⌉, the token count after upstream's zero padding. */
export function skiparsePaddedTokens(tokens: number, k: number): number {
  return paddedTokens(tokens, k);
}

// (QT, KT) pairs; both must be multiples of 8, the WGSL's 8×8 invocation grid (64 invocations).
// Largest first: bigger tiles mean fewer barriers and more reuse of each loaded K/V row. KT = 64 is deliberately
// absent: on SwiftShader it measured no faster than 32 on full tiles and up to ~1.3× slower on short sequences
// (the bundled model's 80-position Skiparse sequences), where a partial last key tile wastes more of the S = QKᵀ work.
const TILE_CANDIDATES: readonly (readonly [number, number])[] = [[32, 32], [32, 16], [16, 16], [16, 8], [8, 8]];

function workgroupBytes(headDim: number, qt: number, kt: number): number {
  const ds = headDim + 1;
  return 4 * (qt * ds + kt * ds + qt * (kt + 1) + qt); // qs + kv + ps + rowScale
}

/** The tile sizes used for `headDim` under a workgroup-memory budget (pure; exported for tests and docs). */
export function skiparseTileConfig(headDim: number, maxWorkgroupStorageBytes: number): SkiparseTileConfig {
  for (const [qt, kt] of TILE_CANDIDATES) {
    const bytes = workgroupBytes(headDim, qt, kt);
    if (bytes <= maxWorkgroupStorageBytes) return { headDim, queryTile: qt, keyTile: kt, workgroupStorageBytes: bytes };
  }
  throw new RangeError(
    `skiparse: headDim ${headDim} needs ${workgroupBytes(headDim, 8, 8)} bytes of workgroup memory, ` +
      `the device allows ${maxWorkgroupStorageBytes}`,
  );
}

/** WGSL specialised for one head dimension and tile config. */
export function skiparseShaderSource(cfg: SkiparseTileConfig): string {
  return skiparseSource(shaderSource, { HEAD_DIM: cfg.headDim, QT: cfg.queryTile, KT: cfg.keyTile }, 'skiparse');
}

interface Specialised {
  cfg: SkiparseTileConfig | SkiparseTiledConfig;
  pipeline: GPUComputePipeline;
}

interface ShapePlan {
  uniform: GPUBuffer;
  dispatch: [number, number];
  elements: number;
  pipeline: GPUComputePipeline;
}

export class SkiparseAttention extends ComputeKernel {
  private readonly layout: GPUBindGroupLayout;
  private readonly pipelineLayout: GPUPipelineLayout;
  private readonly pipelines = new Map<number, Specialised>();
  private readonly plans = new Map<string, ShapePlan>();
  private readonly storageBudget: number;
  private readonly tiledGeometry: SkiparseTiledGeometry | undefined;
  readonly variant: SkiparseVariant;

  constructor(device: GPUDevice, options: SkiparseOptions = {}) {
    super(device, 'skiparse');
    const limit = device.limits.maxComputeWorkgroupStorageSize;
    this.storageBudget = Math.min(limit, options.maxWorkgroupStorageBytes ?? limit);
    this.variant = options.variant ?? 'simple';
    if (this.variant !== 'simple' && this.variant !== 'tiled') {
      throw new RangeError(`skiparse: variant must be simple or tiled, got ${String(this.variant)}`);
    }
    this.tiledGeometry = options.tiledGeometry;
    const storage = (type: GPUBufferBindingType) => ({ visibility: GPUShaderStage.COMPUTE, buffer: { type } });
    this.layout = device.createBindGroupLayout({
      label: 'skiparse-attention',
      entries: [
        { binding: 0, ...storage('uniform') },
        { binding: 1, ...storage('read-only-storage') },
        { binding: 2, ...storage('read-only-storage') },
        { binding: 3, ...storage('read-only-storage') },
        { binding: 4, ...storage('storage') },
      ],
    });
    this.pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [this.layout] });
  }

  /** Tile config used for a head dimension on this device (a SkiparseTiledConfig for the tiled variant). */
  tileConfig(headDim: number): SkiparseTileConfig | SkiparseTiledConfig {
    return this.specialised(headDim).cfg;
  }

  /** Number of cached per-shape uniform buffers (one per distinct shape ever encoded). */
  get cachedShapeCount(): number {
    return this.plans.size;
  }

  /** q,k,v,out: [B, N, heads·headDim] f32 storage buffers. Records the dispatch into `enc`. */
  encode(enc: GPUCommandEncoder, shape: AttentionShape, q: GPUBuffer, k: GPUBuffer, v: GPUBuffer, out: GPUBuffer): void {
    this.assertUsable('skiparse: encode() after destroy()');
    const plan = this.plan(shape);
    const bytes = plan.elements * 4;
    const maxBinding = this.device.limits.maxStorageBufferBindingSize;
    if (bytes > maxBinding) {
      throw new RangeError(`skiparse: a [B, N, heads·headDim] tensor needs ${bytes} bytes, above this device's ` +
        `maxStorageBufferBindingSize ${maxBinding}`);
    }
    for (const [name, buf] of [['q', q], ['k', k], ['v', v], ['out', out]] as const) {
      if (buf.size < bytes) {
        throw new RangeError(`skiparse: buffer ${name} has ${buf.size} bytes, shape ` +
          `[${shape.batch}, ${shape.tokens}, ${shape.heads}·${shape.headDim}] f32 needs ${bytes}`);
      }
      if (!(buf.usage & GPUBufferUsage.STORAGE)) throw new TypeError(`skiparse: buffer ${name} lacks STORAGE usage`);
    }
    if (out === q || out === k || out === v) {
      throw new Error('skiparse: out must be a different buffer from q, k and v (WebGPU forbids a writable alias)');
    }
    const bindGroup = this.bind('skiparse-attention', this.layout, [
      plan.uniform, { buffer: q, size: bytes }, { buffer: k, size: bytes }, { buffer: v, size: bytes }, { buffer: out, size: bytes },
    ]);
    this.dispatch(enc, `skiparse-${this.variant}-${shape.mode}`, plan.pipeline, bindGroup, plan.dispatch);
  }

  override destroy(): void {
    super.destroy();
    this.plans.clear();
    this.pipelines.clear();
  }

  private specialised(headDim: number): Specialised {
    let s = this.pipelines.get(headDim);
    if (!s) {
      const tiled = this.variant === 'tiled';
      const cfg = tiled
        ? skiparseTiledConfig(headDim, this.storageBudget, this.device.limits.maxComputeInvocationsPerWorkgroup, this.tiledGeometry)
        : skiparseTileConfig(headDim, this.storageBudget);
      const name = `skiparse-attention-${this.variant}-d${headDim}`;
      const pipeline = this.createPipeline({
        label: name,
        code: tiled ? skiparseTiledShaderSource(cfg as SkiparseTiledConfig) : skiparseShaderSource(cfg),
        pipelineLabel: `${name}-q${cfg.queryTile}-k${cfg.keyTile}`,
        layout: this.pipelineLayout,
      });
      s = { cfg, pipeline };
      this.pipelines.set(headDim, s);
    }
    return s;
  }

  private plan(shape: AttentionShape): ShapePlan {
    validateAttentionShape(shape);
    const { batch, tokens, heads, headDim, mode } = shape;
    const k = mode === 'dense' ? 1 : shape.k;
    const scale = attentionScale(shape);
    const key = `${batch}|${tokens}|${heads}|${headDim}|${mode}|${k}|${scale}`;
    const cached = this.plans.get(key);
    if (cached) return cached;

    const { cfg, pipeline } = this.specialised(headDim);
    const groups = skiparseGroupCount(mode, k);
    const seqLen = skiparseSequenceLength(mode, tokens, k);
    const qTiles = Math.ceil(seqLen / cfg.queryTile);
    const total = batch * heads * groups * qTiles;
    const overflow = (max: number) => `skiparse: ${total} workgroups exceed the dispatch limits (${max}² per dispatch)`;
    const [x, y] = this.fold(total, overflow);
    if (total >= 2 ** 32) throw new RangeError(overflow(this.maxGroups));
    const uniform = this.uniform(key, () => SKIPARSE_PARAMS.pack({
      batch, tokens, heads, mode: mode === 'dense' ? 0 : mode === 'single' ? 1 : 2, kLog2: Math.log2(k), groups, qTiles,
      totalWg: total, wgPerRow: x, rowStride: heads * headDim, scale,
    }), `skiparse-params-${key}`);
    const plan: ShapePlan = { uniform, dispatch: [x, y], elements: batch * tokens * heads * headDim, pipeline };
    this.plans.set(key, plan);
    return plan;
  }
}
