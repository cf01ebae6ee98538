// The exported Skiparse DiT (training/export_dit.py, described by dit_graphs.json) behind the engine's hooks:
// - `OnnxPromptEncoder`: word tokenizer (src/text) → text_encoder.onnx → text_states [1, L, D] + mask [1, L];
// - `WasmDenoiser`: the one-graph dit.onnx (or dit_inpaint.onnx with an image condition) on a batch of
//   texts.length (CFG: [uncond, cond]); CPU tensors in and out. An inpaint main model (dit_config.inpaint) takes the
//   condition in dit.onnx / dit_embed.onnx themselves, on every step;
// - `WebGpuDenoiser`: dit_embed → for each block: dit_block{i}_pre (ORT WebGPU EP, GPU-buffer outputs) → our WGSL
//   Skiparse attention (src/kernels/skiparse/skiparse.ts, mode/k of dit_graphs.json) on the same GPUDevice → dit_block{i}_post
//   (GPU-buffer inputs and output) → dit_final. Everything between the graphs stays on the GPU; the only read-back
//   of a step is dit_final's v (the sampler runs on the CPU in float64), plus the uploads of x_in (and text states
//   / mask once per prompt pair).
// The ORT module is injected (onnxruntime-web in the worker, onnxruntime-node in unit tests) so the same code runs
// in both; sessions are created by the caller.
import type * as ortTypes from 'onnxruntime-web';
import { alignedBytes, tensorUsage, VEC4_ALIGN } from '../gpu/buffers';
import type { AttentionMode } from '../kernels/skiparse/skiparse';
import type { ImageCondition, Denoiser, TextCondition } from './denoise';
import type { PromptEncoder } from './pipeline';
import { WordTokenizer, type PromptTokenizer } from '../text/tokenizer';

type Session = ortTypes.InferenceSession;
type Tensor = ortTypes.Tensor;
export type TensorCtor = typeof ortTypes.Tensor;

/** The parts of dit_graphs.json the engine uses (validated by `parseDitGraphs`). */
export interface DitGraphsInfo {
  numLayers: number;
  inChannels: number;
  hidden: number;
  patch: [number, number, number];
  captionChannels: number;
  maskChannels: number;
  textMaxLength: number;
  heads: number;
  headDim: number;
  k: number;
  scale: number;
  modes: AttentionMode[];
  /** Graph names present (dit, dit_embed, dit_block0_pre, …, dit_inpaint, dit_embed_inpaint). */
  graphs: string[];
  /** Path of the vocabulary (vocab.json) or SentencePiece tokenizer.json (converted from spiece.model) relative to dit_graphs.json's folder. */
  tokenizer: string;
  /** 'word-level' (bundled text encoder, vocab.json) or 'sentencepiece' (converted mT5, tokenizer.json). */
  tokenizerType: 'word-level' | 'sentencepiece';
  /** SentencePiece ids of the text encoder (from text_config; word-level vocabularies carry their own). */
  textPadId: number;
  textEosId: number;
  /** Name of the external-data file every graph references. */
  weights: string;
  /**
   * Inpaint (image-condition) graphs sharing this export's blocks/final/text encoder (dit_graphs.json models.inpaint;
   * an inpaint model with its own weights is exported as a separate folder with its own dit_graphs.json).
   */
  inpaint: { oneGraph: string; embed: string; sharesBlocks: boolean } | null;
  /**
   * The main graphs (dit / dit_embed) ARE an inpaint model (dit_config.inpaint: one inpaint checkpoint exported as
   * the model): they take cond_latent/cond_mask on every call; text-to-video passes the all-masked condition.
   */
  mainInpaint: boolean;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseDitGraphs(json: unknown): DitGraphsInfo {
  const fail = (m: string): never => {
    throw new Error(`dit_graphs.json: ${m}`);
  };
  if (!isObj(json)) fail('not an object');
  const j = json as Record<string, unknown>;
  const dc = isObj(j.dit_config) ? j.dit_config : fail('dit_config missing');
  const tc = isObj(j.text_config) ? j.text_config : fail('text_config missing');
  const sa = isObj(j.self_attention) ? j.self_attention : fail('self_attention missing');
  const graphs = isObj(j.graphs) ? Object.keys(j.graphs) : fail('graphs missing');
  const n = (o: Record<string, unknown>, k: string): number => (typeof o[k] === 'number' && Number.isFinite(o[k]) ? (o[k] as number) : fail(`${k} must be a number`));
  const modes = Array.isArray(sa.modes) ? (sa.modes as unknown[]) : fail('self_attention.modes missing');
  for (const m of modes) if (m !== 'dense' && m !== 'single' && m !== 'group') fail(`unknown attention mode ${String(m)}`);
  const numLayers = n(dc, 'num_layers');
  if (modes.length !== numLayers) fail(`${modes.length} layer modes for ${numLayers} layers`);
  const ps = n(dc, 'patch_size');
  const weights = isObj(j.weights) && typeof j.weights.file === 'string' ? j.weights.file : fail('weights.file missing');
  const inp = isObj(j.models) && isObj(j.models.inpaint) ? j.models.inpaint : null;
  const stem = (v: unknown) => (typeof v === 'string' ? v.replace(/\.onnx$/, '') : fail('models.inpaint graphs must be file names'));
  // shares_blocks false: separately trained inpaint weights (official i2v DiT) — only its one-graph is self-contained
  const inpaint = inp ? { oneGraph: stem(inp.one_graph), embed: stem(inp.embed), sharesBlocks: inp.shares_blocks !== false } : null;
  const tokenizerType = j.tokenizer_type === undefined ? 'word-level' : j.tokenizer_type;
  if (tokenizerType !== 'word-level' && tokenizerType !== 'sentencepiece') fail(`unsupported tokenizer_type ${JSON.stringify(j.tokenizer_type)}`);
  const tokType = tokenizerType as DitGraphsInfo['tokenizerType'];
  if (dc.inpaint !== undefined && typeof dc.inpaint !== 'boolean') fail('dit_config.inpaint must be a boolean');
  const mainInpaint = dc.inpaint === true;
  if (mainInpaint && inpaint) fail('an inpaint main model cannot also list models.inpaint');
  return {
    numLayers,
    inChannels: n(dc, 'in_channels'),
    hidden: n(dc, 'hidden'),
    patch: [n(dc, 'patch_size_t'), ps, ps],
    captionChannels: n(dc, 'caption_channels'),
    maskChannels: n(dc, 'mask_channels'),
    textMaxLength: n(tc, 'max_length'),
    heads: n(sa, 'heads'),
    headDim: n(sa, 'head_dim'),
    k: n(sa, 'k'),
    scale: n(sa, 'scale'),
    modes: modes as AttentionMode[],
    graphs,
    tokenizer: typeof j.tokenizer === 'string' ? j.tokenizer : fail('tokenizer missing'),
    tokenizerType: tokType,
    textPadId: typeof tc.pad_id === 'number' ? tc.pad_id : 0,
    textEosId: typeof tc.eos_id === 'number' ? tc.eos_id : 1,
    weights,
    inpaint,
    mainInpaint,
  };
}

/** Why a step cannot run with/without this condition (null = fine). */
function conditionProblem(info: DitGraphsInfo, hasInpaintSession: boolean, image: ImageCondition | undefined): string | null {
  if (info.mainInpaint) return image ? null : 'this DiT is an inpaint model: every step needs a condition (all-masked for text-to-video)';
  if (image && !hasInpaintSession) return 'this model has no inpaint graph (dit_inpaint.onnx / dit_embed_inpaint.onnx)';
  return null;
}

/** Graph names the given backend needs (inpaint graphs are optional). */
export function ditGraphNames(info: DitGraphsInfo, backend: 'wasm' | 'webgpu'): { required: string[]; optional: string[] } {
  if (backend === 'wasm') return { required: ['text_encoder', 'dit'], optional: info.inpaint ? [info.inpaint.oneGraph] : [] };
  const blocks: string[] = [];
  for (let i = 0; i < info.numLayers; i++) blocks.push(`dit_block${i}_pre`, `dit_block${i}_post`);
  return { required: ['text_encoder', 'dit_embed', ...blocks, 'dit_final'], optional: info.inpaint?.sharesBlocks ? [info.inpaint.embed] : [] };
}

/** Checks a latent shape against the DiT (patch divisibility, channels) with a clear message. */
export function checkDitLatentShape(info: DitGraphsInfo, shape: readonly number[]): void {
  const [b, c, t, h, w] = shape;
  if (shape.length !== 5 || b !== 1) throw new RangeError(`DiT latent must be [1, C, T, H, W], got ${JSON.stringify(shape)}`);
  if (c !== info.inChannels) throw new RangeError(`DiT expects ${info.inChannels} latent channels, got ${c}`);
  const [pt, ph, pw] = info.patch;
  if (t % pt || h % ph || w % pw) throw new RangeError(`latent ${t}×${h}×${w} is not divisible by the DiT patch ${pt}×${ph}×${pw}`);
}

function repeat(x: Float32Array, times: number): Float32Array {
  const out = new Float32Array(x.length * times);
  for (let i = 0; i < times; i++) out.set(x, i * x.length);
  return out;
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function split(v: Float32Array, parts: number): Float32Array[] {
  const n = v.length / parts;
  return Array.from({ length: parts }, (_, i) => v.slice(i * n, (i + 1) * n));
}

/** Batched text inputs for CFG: text_states [B, L, D], text_mask [B, L]. */
function textBatch(texts: readonly TextCondition[]): { states: Float32Array; statesDims: number[]; mask: Float32Array; maskDims: number[] } {
  const [, L, D] = texts[0].dims;
  for (const t of texts) {
    if (t.dims.length !== 3 || t.dims[1] !== L || t.dims[2] !== D || t.embeddings.length !== L * D) {
      throw new Error(`text conditions must all be [1, ${L}, ${D}], got ${JSON.stringify(t.dims)}`);
    }
  }
  const masks = texts.map((t) => t.mask ?? new Float32Array(L).fill(1));
  return { states: concat(texts.map((t) => t.embeddings)), statesDims: [texts.length, L, D], mask: concat(masks), maskDims: [texts.length, L] };
}

/** The text encoder as the pipeline's PromptEncoder (runs on the CPU tensors of whatever backend `session` uses). */
export class OnnxPromptEncoder implements PromptEncoder {
  constructor(
    readonly tokenizer: PromptTokenizer,
    private readonly session: Session,
    private readonly Tensor: TensorCtor,
  ) {}

  async encode(text: string): Promise<TextCondition> {
    const e = this.tokenizer.encode(text);
    const L = this.tokenizer.maxLength;
    const out = await this.session.run({
      input_ids: new this.Tensor('int64', WordTokenizer.int64(e.ids), [1, L]),
      text_mask: new this.Tensor('float32', e.mask, [1, L]),
    });
    const ts = out.text_states;
    const embeddings = (await ts.getData()) as Float32Array;
    ts.dispose();
    return { embeddings, dims: [...ts.dims], mask: e.mask };
  }
}

/** One-graph denoiser (wasm EP, or any CPU-tensor backend). */
export class WasmDenoiser implements Denoiser {
  constructor(
    readonly latentShape: readonly number[],
    private readonly info: DitGraphsInfo,
    private readonly dit: Session,
    private readonly Tensor: TensorCtor,
    private readonly inpaint?: Session,
  ) {
    checkDitLatentShape(info, latentShape);
  }

  async step(xIn: Float32Array, t: number, texts: readonly TextCondition[], image?: ImageCondition): Promise<Float32Array[]> {
    const B = texts.length;
    const [, C, T, H, W] = this.latentShape;
    const tx = textBatch(texts);
    const feeds: Record<string, Tensor> = {
      latent: new this.Tensor('float32', repeat(xIn, B), [B, C, T, H, W]),
      timestep: new this.Tensor('float32', new Float32Array(B).fill(t), [B]),
      text_states: new this.Tensor('float32', tx.states, tx.statesDims),
      text_mask: new this.Tensor('float32', tx.mask, tx.maskDims),
    };
    const problem = conditionProblem(this.info, Boolean(this.inpaint), image);
    if (problem) throw new Error(problem);
    // An inpaint main model takes the condition in dit.onnx itself; a T2V model has a separate inpaint graph.
    const session = image && !this.info.mainInpaint ? this.inpaint! : this.dit;
    if (image) {
      feeds.cond_latent = new this.Tensor('float32', repeat(image.latent, B), [B, C, T, H, W]);
      feeds.cond_mask = new this.Tensor('float32', repeat(image.mask, B), [B, ...image.maskDims.slice(1)]);
    }
    const out = await session.run(feeds);
    const v = (await out.v.getData()) as Float32Array;
    out.v.dispose();
    if (v.length !== B * xIn.length) throw new Error(`dit returned ${v.length} values, expected ${B * xIn.length}`);
    return split(v, B);
  }
}

/** The attention kernel as the WebGPU denoiser sees it (src/kernels/skiparse/skiparse.ts SkiparseAttention). */
export interface AttentionKernel {
  encode(
    enc: GPUCommandEncoder,
    shape: { batch: number; tokens: number; heads: number; headDim: number; mode: AttentionMode; k: number; scale?: number },
    q: GPUBuffer, k: GPUBuffer, v: GPUBuffer, out: GPUBuffer,
  ): void;
  destroy(): void;
}

export interface SplitSessions {
  embed: Session;
  embedInpaint?: Session;
  pre: Session[];
  post: Session[];
  /** Created WITHOUT GPU-buffer outputs: its v comes back to the CPU (the one read-back of a step). */
  final: Session;
}


/**
 * Split-graph denoiser on ORT's WebGPU EP sharing `device` with the WGSL Skiparse kernel. Sessions pre/post/embed
 * must be created with `preferredOutputLocation: 'gpu-buffer'` on this device.
 */
export class WebGpuDenoiser implements Denoiser {
  private attnBuf: GPUBuffer | null = null;
  private attnBatch = 0;
  private textCache: { key: readonly TextCondition[]; states: GPUBuffer; mask: GPUBuffer; statesT: Tensor; maskT: Tensor } | null = null;
  readonly tokens: number;

  constructor(
    readonly latentShape: readonly number[],
    private readonly info: DitGraphsInfo,
    private readonly s: SplitSessions,
    private readonly device: GPUDevice,
    private readonly attention: AttentionKernel,
    private readonly Tensor: TensorCtor,
  ) {
    checkDitLatentShape(info, latentShape);
    const [, , T, H, W] = latentShape;
    this.tokens = (T / info.patch[0]) * (H / info.patch[1]) * (W / info.patch[2]);
    if (s.pre.length !== info.numLayers || s.post.length !== info.numLayers) throw new Error(`need ${info.numLayers} pre and post sessions`);
  }

  private upload(data: Float32Array, dims: number[]): { buf: GPUBuffer; t: Tensor } {
    const buf = this.device.createBuffer({ size: alignedBytes(data.byteLength, VEC4_ALIGN), usage: tensorUsage(), mappedAtCreation: true });
    new Float32Array(buf.getMappedRange(0, data.byteLength)).set(data);
    buf.unmap();
    return { buf, t: this.Tensor.fromGpuBuffer(buf, { dataType: 'float32', dims }) };
  }

  /** Text states and mask live on the GPU for as long as the same text conditions are passed (one upload per job). */
  private texts(texts: readonly TextCondition[]): { states: Tensor; mask: Tensor } {
    const c = this.textCache;
    if (c && c.key.length === texts.length && c.key.every((t, i) => t === texts[i])) return { states: c.statesT, mask: c.maskT };
    this.dropTexts();
    const tx = textBatch(texts);
    const s = this.upload(tx.states, tx.statesDims);
    const m = this.upload(tx.mask, tx.maskDims);
    this.textCache = { key: [...texts], states: s.buf, mask: m.buf, statesT: s.t, maskT: m.t };
    return { states: s.t, mask: m.t };
  }

  private dropTexts(): void {
    if (!this.textCache) return;
    this.textCache.states.destroy();
    this.textCache.mask.destroy();
    this.textCache = null;
  }

  private attnBuffer(batch: number): GPUBuffer {
    if (!this.attnBuf || this.attnBatch !== batch) {
      this.attnBuf?.destroy();
      this.attnBuf = this.device.createBuffer({ label: 'dit-attn', size: batch * this.tokens * this.info.heads * this.info.headDim * 4, usage: tensorUsage() });
      this.attnBatch = batch;
    }
    return this.attnBuf;
  }

  async step(xIn: Float32Array, t: number, texts: readonly TextCondition[], image?: ImageCondition): Promise<Float32Array[]> {
    const B = texts.length;
    const [, C, T, H, W] = this.latentShape;
    const N = this.tokens;
    const { heads, headDim } = this.info;
    const text = this.texts(texts);
    // Upload of x_in (the sampler state lives on the CPU); ORT copies CPU-tensor inputs to the GPU itself.
    const latent = new this.Tensor('float32', repeat(xIn, B), [B, C, T, H, W]);
    const feeds: Record<string, Tensor> = { latent, timestep: new this.Tensor('float32', new Float32Array(B).fill(t), [B]), text_states: text.states };
    const problem = conditionProblem(this.info, Boolean(this.s.embedInpaint), image);
    if (problem) throw new Error(problem);
    const embed = image && !this.info.mainInpaint ? this.s.embedInpaint! : this.s.embed;
    if (image) {
      feeds.cond_latent = new this.Tensor('float32', repeat(image.latent, B), [B, C, T, H, W]);
      feeds.cond_mask = new this.Tensor('float32', repeat(image.mask, B), [B, ...image.maskDims.slice(1)]);
    }
    const e = await embed.run(feeds);
    const live: Tensor[] = Object.values(e);
    try {
      let hidden = e.hidden;
      const attnBuf = this.attnBuffer(B);
      const attn = this.Tensor.fromGpuBuffer(attnBuf, { dataType: 'float32', dims: [B, N, heads * headDim] });
      for (let i = 0; i < this.info.numLayers; i++) {
        const qkv = await this.s.pre[i].run({ hidden, t6: e.t6, rope_cos: e.rope_cos, rope_sin: e.rope_sin });
        live.push(qkv.q, qkv.k, qkv.v);
        // ORT has submitted the pre graph's work to the shared queue when run() resolves; our dispatch follows it.
        const enc = this.device.createCommandEncoder({ label: `dit-attn-${i}` });
        this.attention.encode(
          enc,
          { batch: B, tokens: N, heads, headDim, mode: this.info.modes[i], k: this.info.k, scale: this.info.scale },
          qkv.q.gpuBuffer as GPUBuffer, qkv.k.gpuBuffer as GPUBuffer, qkv.v.gpuBuffer as GPUBuffer, attnBuf,
        );
        this.device.queue.submit([enc.finish()]);
        const post = await this.s.post[i].run({ hidden, attn, t6: e.t6, text: e.text, text_mask: text.mask });
        for (const x of [qkv.q, qkv.k, qkv.v]) x.dispose();
        if (hidden !== e.hidden) hidden.dispose();
        hidden = post.hidden_out;
        live.push(hidden);
      }
      // The one read-back of the step: v (CPU output of dit_final) for the float64 sampler on the CPU.
      const out = await this.s.final.run({ hidden, embedded_timestep: e.embedded_timestep, latent });
      const v = (await out.v.getData()) as Float32Array;
      out.v.dispose();
      if (v.length !== B * xIn.length) throw new Error(`dit_final returned ${v.length} values, expected ${B * xIn.length}`);
      return split(v, B);
    } finally {
      for (const x of live) x.dispose();
    }
  }

  dispose(): void {
    this.dropTexts();
    this.attnBuf?.destroy();
    this.attnBuf = null;
  }
}
