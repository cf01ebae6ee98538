// The memory plan, made before any model file is downloaded (issue #32): from the manifest (component configs and file
// sizes) and the backend's limits, what each component needs — weights + its largest activations at the requested
// size — and whether the whole fits, so a model that cannot run is refused with the numbers instead of failing
// mid-way (an ORT allocation error deep in the denoise, or a lost device).
//
// What is charged, and why:
// - Weights: fp32 parameter counts from the configs (param-count.ts; exact for the exported files) × bytes per
//   parameter; file sizes where a component has no config.
// - Activations per stage: the few largest tensors that are alive together. The stages run one after another, so the
//   peak is all resident weights + the largest stage's activations.
//   · DiT (CFG batch 2, N tokens): WASM runs the one-graph export, in which ORT materialises the attention scores
//     (batch·heads·N²/k per Skiparse layer, N² for dense) and their softmax; WebGPU runs our WGSL flash-style kernel
//     (no N² buffer), so the FFN's batch·N·mult·D intermediate is the largest tensor.
//   · VAE decode, one causal chunk of n latent frames (vae-stream.ts): the widest level's tensor ×4 (a ResNet block's
//     input, norm, padded conv input and output), the mid block's per-frame attention scores, the chunk states (in and
//     out), the largest conv's im2col buffer and the output frames.
//   · Text encoder: prompt + negative, its attention scores and FFN intermediate.
// - Budget: WASM — ORT web's wasm32 heap, 4 GiB, holds everything. WebGPU — every buffer ≤ maxBufferSize and, being
//   bound as storage, ≤ maxStorageBufferBindingSize; the total against a caller-given GPU memory estimate (WebGPU
//   exposes none); and each component's weights still pass through the 4 GiB wasm heap at load (ORT web creates
//   initializers there before uploading them; GPU-resident weight streaming is issue #32 part 2).
import { fileByRole, graphFiles, type FileRole, type ModelManifest } from './manifest';
import { tileSpans } from '../core/tile-grid';
import { ditParams, textEncoderParams, vaeBaseFromWeightBytes, type DitDims, type TextEncoderDims } from './param-count';

export const WASM_HEAP_BYTES = 4 * 2 ** 30;
/**
 * What the runtime holds besides tensors (ORT's code, arenas' slack, thread pools): scripts/measure-memory.mjs
 * measured 30–70 MiB after-load overhead and 20–70 MiB of activation slack on native ORT at the bundled sizes.
 */
export const RUNTIME_OVERHEAD_BYTES = 96 * 2 ** 20;
const F32 = 4;
/** Bytes per weight of a component config's `dtype` (absent: fp32, what our exports write). */
const weightBytesPer = (c: { dtype?: unknown }): number => (c.dtype === 'float16' || c.dtype === 'bfloat16' ? 2 : 4);

export interface PlanTarget {
  width: number;
  height: number;
  frames: number;
  /** Classifier-free guidance doubles the DiT batch (default true). */
  cfg?: boolean;
  /** VAE decode: latent frames per chunk after the first (vae-stream.ts default 2). */
  chunkFrames?: number;
  /** VAE decode in spatial tiles of `size` latent cells overlapping by `overlap` (engine/tile-grid.ts) instead of the whole frame. */
  vaeTile?: { size: number; overlap: number };
}

export interface PlanLimits {
  backend: 'wasm' | 'webgpu';
  maxBufferSize?: number;
  maxStorageBufferBindingSize?: number;
  /** Total memory the backend may use, when known (WebGPU: none exposed; the CLI/page may pass an estimate). */
  memoryBytes?: number;
  /** Where memoryBytes came from, for the printout. */
  memorySource?: string;
  wasmHeapBytes?: number;
}

export interface ComponentPlan {
  name: 'text encoder' | 'DiT' | 'VAE decode';
  weightBytes: number;
  activationBytes: number;
  /** The largest single tensor (a GPU buffer on WebGPU). */
  largestBufferBytes: number;
  /** How weights / activations were found (one short clause each). */
  note: string;
}

export interface MemoryPlan {
  backend: 'wasm' | 'webgpu';
  target: { width: number; height: number; frames: number; tokens: number; latent: number[] };
  components: ComponentPlan[];
  /** All weights + the largest stage's activations (stages run in turn) + RUNTIME_OVERHEAD_BYTES. */
  peakBytes: number;
  /** The same without the text encoder's weights (freed once the prompt is encoded, as upstream does). */
  peakWithoutTextEncoderBytes: number;
  budgetBytes: number;
  budgetSource: string;
  fits: boolean;
  /** Fits only when the text encoder is freed before denoising. */
  freeTextEncoder: boolean;
  /** The first limit broken, as a sentence with the numbers (empty when it fits). */
  refusal: string;
  /** The plan as printable lines (page panel, CLI). */
  lines: string[];
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  return `${(n / 2 ** 10).toFixed(1)} KiB`;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const bytesOf = (m: ModelManifest, role: FileRole): number => {
  try {
    return graphFiles(m, role).reduce((a, f) => a + f.bytes, 0);
  } catch {
    return 0;
  }
};

function checkTarget(t: PlanTarget, m: ModelManifest): number[] {
  const s = m.vae.spatialCompression;
  for (const [k, v] of [['width', t.width], ['height', t.height], ['frames', t.frames]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`memory plan: ${k} must be a positive integer, got ${v}`);
  }
  if (t.width % s || t.height % s) throw new RangeError(`memory plan: ${t.width}×${t.height} is not a multiple of the ${s}-pixel latent cell`);
  if ((t.frames - 1) % m.vae.temporalCompression) throw new RangeError(`memory plan: ${t.frames} frames is not 1 + ${m.vae.temporalCompression}k`);
  return [1, m.vae.latentChannels, 1 + (t.frames - 1) / m.vae.temporalCompression, t.height / s, t.width / s];
}

function textEncoderPlan(m: ModelManifest, batch: number): ComponentPlan | null {
  const te = m.textEncoder as TextEncoderDims | undefined;
  const hasGraph = !!fileByRole(m, 'text-encoder');
  if (!te && !hasGraph) return null;
  if (!te || !isObj(te) || typeof te.vocab_size !== 'number') {
    const w = bytesOf(m, 'text-encoder');
    return { name: 'text encoder', weightBytes: w, activationBytes: 0, largestBufferBytes: w, note: 'weights: file sizes; activations: unknown (no config)' };
  }
  const mt5 = te.kind === 'mt5';
  const width = (mt5 ? te.d_model : te.width) ?? 0;
  const heads = (mt5 ? te.num_heads : te.heads) ?? 1;
  const ffn = mt5 ? te.d_ff ?? 0 : (te.ffn_mult ?? 4) * width;
  const len = m.tokenizer?.maxLength ?? te.max_length ?? 512;
  const scores = batch * heads * len * len * F32;
  const ffnT = batch * len * ffn * F32 * (mt5 ? 2 : 1); // gated: gate and linear branches alive together
  const weightBytes = textEncoderParams(te) * weightBytesPer(te);
  return {
    name: 'text encoder',
    weightBytes,
    activationBytes: 2 * Math.max(scores, ffnT) + 4 * batch * len * width * F32,
    largestBufferBytes: Math.max(mt5 ? te.vocab_size * width * weightBytesPer(te) : 0, scores, ffnT),
    note: `${weightBytesPer(te) === 2 ? 'fp16' : 'fp32'} params from config (${mt5 ? 'mT5' : 'ours'}), ${batch}×${len} tokens`,
  };
}

function ditPlan(m: ModelManifest, latent: number[], batch: number, backend: 'wasm' | 'webgpu'): { plan: ComponentPlan; tokens: number } | null {
  const d = m.dit as DitDims | undefined;
  if (!d || !isObj(d) || typeof d.hidden !== 'number' || typeof d.num_layers !== 'number') return null;
  const [, , t, h, w] = latent;
  const p = d.patch_size;
  const pt = d.patch_size_t ?? 1;
  const tokens = Math.ceil(t / pt) * Math.ceil(h / p) * Math.ceil(w / p);
  const k = d.sparse_n ?? 1;
  const modes = d.layer_modes ?? [];
  const dense = modes.length ? modes.includes('dense') : k <= 1;
  const hidden = batch * tokens * d.hidden * F32;
  const ffn = batch * tokens * d.ffn_mult * d.hidden * F32;
  const scores = backend === 'wasm' ? batch * d.num_heads * tokens * tokens * F32 / (dense ? 1 : k) : 0;
  const caption = batch * (m.tokenizer?.maxLength ?? 512) * Math.max(d.caption_channels, d.hidden) * F32;
  const weightBytes = ditParams(d) * weightBytesPer(d);
  return {
    tokens,
    plan: {
      name: 'DiT',
      weightBytes,
      activationBytes: 2 * Math.max(scores, ffn) + 6 * hidden + caption,
      largestBufferBytes: Math.max(scores, ffn),
      note: `${weightBytesPer(d) === 2 ? 'fp16' : 'fp32'} params from config; ${batch}×${tokens} tokens, ${scores ? `${dense ? 'dense' : `Skiparse k=${k}`} scores materialised (wasm graph)` : 'flash attention (no N² buffer)'}`,
    },
  };
}

function vaePlan(m: ModelManifest, latent: number[], t: PlanTarget, backend: 'wasm' | 'webgpu'): ComponentPlan {
  const weightBytes = bytesOf(m, 'vae-decoder-weights') || (fileByRole(m, 'vae-decoder-weights')?.bytes ?? 0);
  const base = vaeBaseFromWeightBytes(weightBytes, m.vae.latentChannels);
  const [, , tl, hl, wl] = latent;
  const n = Math.min(t.chunkFrames ?? 2, Math.max(1, tl - 1));
  const tile = t.vaeTile;
  const h = tile ? Math.min(hl, tile.size) : hl;
  const w = tile ? Math.min(wl, tile.size) : wl;
  if (base === null) {
    return { name: 'VAE decode', weightBytes, activationBytes: 0, largestBufferBytes: weightBytes, note: 'activations unknown (decoder width not recognised from its weight size)' };
  }
  const e = base;
  // Widest tensor per level (channels × frames incl. the causal pad of 2 × cells).
  const level1 = (4 * base + e) * (n + 2) * h * w;
  const level2 = (4 * base + e) * (2 * n + 2) * 4 * h * w;
  const level3 = 2 * base * (2 * n + 2) * 16 * h * w;
  const widest = Math.max(level1, level2, level3) * F32;
  // ORT's CPU Conv (native and wasm) lowers a 3×3×3 conv to im2col + GEMM: a [C_in·27, T_out·H·W] buffer, 27× its
  // input — the largest single allocation of the decoder (scripts/measure-memory.mjs found it; without it the plan
  // missed the measured growth with size by 2.5×). Widest: the 2B-channel convs at 4× (up1.3, layer.0).
  const im2col = Math.max(2 * base * 27 * 2 * n * 16 * h * w, (4 * base + e) * 27 * 2 * n * 4 * h * w) * F32;
  const attn = 2 * n * (h * w) ** 2 * F32; // mid block: per-frame scores + softmax
  const states = 2 * vaeChunkStateBytes(base, e, m.vae.latentChannels, h, w); // in and out both alive
  const frames = 3 * 4 * n * 64 * h * w * F32 * 2; // video output + its Haar input
  const tiles = tile ? tileSpans(hl, tile.size, tile.overlap).length * tileSpans(wl, tile.size, tile.overlap).length : 1;
  // Tiled: one tile runs at a time; the other tiles' causal states wait between chunks — CPU tensors outside the
  // wasm heap on WASM (ORT copies inputs in and outputs out), GPU buffers on WebGPU — plus the chunk's blended frames.
  const waiting = tile ? (tiles - 1) * states / 2 : 0;
  const blend = tile ? 3 * 4 * n * 64 * hl * wl * F32 * 2 : 0;
  return {
    name: 'VAE decode',
    weightBytes,
    activationBytes: 4 * widest + im2col + attn + states + frames + blend + (backend === 'webgpu' ? waiting : 0),
    largestBufferBytes: Math.max(widest, im2col, attn / 2),
    note: `weights: file size (B=${base}); chunk of ${n} latent frames${tile ? `, tiles of ${tile.size} cells overlapping by ${tile.overlap} (${tiles} tiles${backend === 'wasm' ? `; ${formatBytes(waiting)} of waiting tile states in JS memory` : ''})` : ''}`,
  };
}

/**
 * Bytes of the decoder's causal chunk state at a latent of h × w (the states of vae_decoder_chunk.json: every
 * 3-frame causal conv keeps 2 frames of its input, the time upsample 1 latent frame, the W3 delay 1 frame of 3
 * channels at 2×).
 */
export function vaeChunkStateBytes(base: number, energy: number, latent: number, h: number, w: number): number {
  const b4 = 4 * base;
  const s1 = 2 * (latent + 4 * b4 + (b4 + energy) + 4 * energy + 3 * b4) + b4;
  const s2 = 2 * (b4 + b4 + (b4 + energy) + 4 * energy + b4 + 2 * base + 4 * base) + 3;
  const s4 = 2 * (4 * base + 2 * base + base + 2 * base);
  return (s1 + 4 * s2 + 16 * s4) * h * w * F32 + F32;
}

/** The plan for `target` on `limits` (pure; throws RangeError on a bad target). */
export function planMemory(m: ModelManifest, target: PlanTarget, limits: PlanLimits): MemoryPlan {
  const latent = checkTarget(target, m);
  const batch = target.cfg === false ? 1 : 2;
  const te = textEncoderPlan(m, batch);
  const dit = ditPlan(m, latent, batch, limits.backend);
  const vae = vaePlan(m, latent, target, limits.backend);
  const components = [te, dit?.plan ?? null, vae].filter((c): c is ComponentPlan => c !== null);
  const weights = components.reduce((a, c) => a + c.weightBytes, 0);
  const act = Math.max(...components.map((c) => c.activationBytes));
  const actNoTe = Math.max(0, ...components.filter((c) => c !== te).map((c) => c.activationBytes));
  const peakBytes = weights + act + RUNTIME_OVERHEAD_BYTES;
  // Freed after the prompt: the text encoder's weights and activations are gone before the DiT and VAE run.
  const peakWithoutTextEncoderBytes = RUNTIME_OVERHEAD_BYTES + Math.max(weights + (te?.activationBytes ?? 0), weights - (te?.weightBytes ?? 0) + actNoTe);
  const heap = limits.wasmHeapBytes ?? WASM_HEAP_BYTES;
  let budgetBytes: number;
  let budgetSource: string;
  if (limits.backend === 'wasm') {
    budgetBytes = Math.min(heap, limits.memoryBytes ?? Infinity);
    budgetSource = limits.memoryBytes !== undefined && limits.memoryBytes < heap ? limits.memorySource ?? 'given memory budget' : 'the 4 GiB wasm heap';
  } else {
    budgetBytes = limits.memoryBytes ?? Infinity;
    budgetSource = limits.memoryBytes !== undefined ? limits.memorySource ?? 'given GPU memory budget' : 'unknown (WebGPU exposes no memory size; per-buffer limits only)';
  }
  const refusals: string[] = [];
  const kind = limits.backend === 'webgpu' ? 'GPU buffers' : 'wasm memory';
  if (peakWithoutTextEncoderBytes > budgetBytes) {
    refusals.push(`needs ${formatBytes(peakWithoutTextEncoderBytes)} of ${kind} at ${target.width}×${target.height}×${target.frames}, this ${limits.backend === 'webgpu' ? 'adapter' : 'browser'} allows ${formatBytes(budgetBytes)} (${budgetSource})`);
  }
  if (limits.backend === 'webgpu') {
    const bufLimit = Math.min(limits.maxBufferSize ?? Infinity, limits.maxStorageBufferBindingSize ?? Infinity);
    for (const c of components) {
      if (c.largestBufferBytes > bufLimit) refusals.push(`${c.name} needs a ${formatBytes(c.largestBufferBytes)} GPU buffer, this adapter allows ${formatBytes(bufLimit)} per buffer`);
      if (c.weightBytes > heap) refusals.push(`${c.name} weights (${formatBytes(c.weightBytes)}) pass through the ${formatBytes(heap)} wasm heap at load`);
    }
  }
  const fits = refusals.length === 0;
  const freeTextEncoder = fits && peakBytes > budgetBytes;
  const lines = [
    `Memory plan (${limits.backend}, ${target.width}×${target.height}, ${target.frames} frames, latent ${latent.slice(1).join('×')}${dit ? `, ${dit.tokens} tokens` : ''}):`,
    ...components.map((c) => `  ${c.name.padEnd(12)} weights ${formatBytes(c.weightBytes).padStart(10)}  activations ${formatBytes(c.activationBytes).padStart(10)}  largest buffer ${formatBytes(c.largestBufferBytes).padStart(10)}  (${c.note})`),
    `  peak ${formatBytes(peakBytes)} incl. ${formatBytes(RUNTIME_OVERHEAD_BYTES)} runtime overhead${te ? ` (${formatBytes(peakWithoutTextEncoderBytes)} with the text encoder freed before denoising)` : ''}; budget ${Number.isFinite(budgetBytes) ? formatBytes(budgetBytes) : 'unknown'} — ${budgetSource}`,
    fits ? `  fits${freeTextEncoder ? ' only if the text encoder is freed before denoising' : ''}` : `  does not fit: ${refusals.join('; ')}`,
  ];
  return { backend: limits.backend, target: { width: target.width, height: target.height, frames: target.frames, tokens: dit?.tokens ?? 0, latent }, components, peakBytes, peakWithoutTextEncoderBytes, budgetBytes, budgetSource, fits, freeTextEncoder, refusal: fits ? '' : `This model does not fit: ${refusals.join('; ')}.`, lines };
}
