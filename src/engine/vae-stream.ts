// Streaming causal-cache VAE decode: the chunk-step graph (vae_decoder_chunk.onnx, schedule in
// vae_decoder_chunk.json) is run over latent chunks [0,1), [1,1+n), [1+n,1+2n), …, carrying its state tensors, and
// each chunk's pixel frames are handed out as soon as it finishes (async iterator), so memory stays bounded and
// frames reach the MP4 writer immediately. Backend-agnostic: the ORT specifics sit behind `VaeChunkRunner`
// (onnxruntime-web in the worker, onnxruntime-node in unit tests).
import { throwIfCancelled, type CancelFlag } from '../core/cancel';

/** A float32 tensor on the CPU. */
export interface TensorF32 {
  data: Float32Array;
  dims: readonly number[];
}

export interface ChunkStateSpec {
  input: string;
  output: string;
  module?: string;
  channels?: number;
  frames?: number;
  spatial_scale?: number;
  shape: (string | number)[];
}

export interface ChunkSchedule {
  inputs: string[];
  outputs: string[];
  states: ChunkStateSpec[];
}

/** Validates vae_decoder_chunk.json (the parts we rely on). */
export function parseChunkSchedule(json: unknown): ChunkSchedule {
  const j = json as Partial<ChunkSchedule>;
  if (!j || !Array.isArray(j.inputs) || !Array.isArray(j.outputs) || !Array.isArray(j.states)) {
    throw new Error('vae_decoder_chunk.json must have inputs, outputs and states');
  }
  for (const name of ['latent', 'is_first', 'is_last']) if (!j.inputs.includes(name)) throw new Error(`chunk graph lacks input ${name}`);
  if (!j.outputs.includes('video')) throw new Error('chunk graph lacks output video');
  for (const s of j.states) {
    if (!j.inputs.includes(s.input) || !j.outputs.includes(s.output)) throw new Error(`state ${s.input}/${s.output} is not a graph input/output`);
    if (s.channels === undefined && !(s.shape.length === 1 && s.shape[0] === 1)) throw new Error(`state ${s.input}: unknown shape ${JSON.stringify(s.shape)}`);
  }
  return j as ChunkSchedule;
}

/** Zero-state dims for a latent of h × w (B = 1). */
export function stateDims(s: ChunkStateSpec, h: number, w: number): number[] {
  if (s.channels === undefined) return [1];
  const k = s.spatial_scale ?? 1;
  return [1, s.channels, s.frames ?? 1, h * k, w * k];
}

/** Chunk bounds over T latent frames: [0,1), then chunks of `n` latent frames (the last may be shorter). */
export function chunkBounds(latentFrames: number, n = 2): [number, number][] {
  if (!Number.isInteger(latentFrames) || latentFrames < 1) throw new RangeError(`latent frames must be ≥ 1, got ${latentFrames}`);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`chunk size must be ≥ 1, got ${n}`);
  const out: [number, number][] = [[0, 1]];
  for (let a = 1; a < latentFrames; a += n) out.push([a, Math.min(latentFrames, a + n)]);
  return out;
}

/** Pixel frames emitted by chunk `i` of `count` holding `n` latent frames (vae_decoder_chunk.json schedule). */
export function chunkPixelFrames(i: number, count: number, n: number): number {
  if (i === 0) return 1;
  const base = i === 1 ? 4 * n - 2 : 4 * n;
  return base + (i === count - 1 ? 2 : 0);
}

/** Runs one chunk step. `S` is the backend's opaque state (kept on its side, e.g. ORT tensors, maybe on the GPU). */
export interface VaeChunkRunner<S = unknown> {
  initialState(h: number, w: number): S;
  step(latent: TensorF32, isFirst: boolean, isLast: boolean, state: S): Promise<{ video: TensorF32; state: S }>;
  /** Frees a state that is no longer needed (optional). */
  release?(state: S): void;
}

// ---------------------------------------------------------------------------------------------- ORT-backed runner
/** The few parts of an onnxruntime Tensor/InferenceSession we use (satisfied by onnxruntime-web and -node). */
export interface OrtTensorLike {
  readonly dims: readonly number[];
  readonly data: unknown;
  getData?(): Promise<unknown>;
  dispose?(): void;
}
export interface OrtSessionLike<T extends OrtTensorLike> {
  run(feeds: Record<string, T>): Promise<Record<string, T>>;
}
export type OrtTensorFactory<T extends OrtTensorLike> = (data: Float32Array, dims: readonly number[]) => T;

async function toCpu(t: OrtTensorLike): Promise<Float32Array> {
  const d = t.getData ? await t.getData() : t.data;
  if (!(d instanceof Float32Array)) throw new Error('expected a float32 tensor');
  return d;
}

/** A `VaeChunkRunner` over an ORT session of vae_decoder_chunk.onnx; state = the ORT tensors by input name. */
export function ortChunkRunner<T extends OrtTensorLike>(session: OrtSessionLike<T>, tensor: OrtTensorFactory<T>, schedule: ChunkSchedule): VaeChunkRunner<Record<string, T>> {
  return {
    initialState(h, w) {
      const st: Record<string, T> = {};
      for (const s of schedule.states) {
        const dims = stateDims(s, h, w);
        st[s.input] = tensor(new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
      }
      return st;
    },
    async step(latent, isFirst, isLast, state) {
      const feeds: Record<string, T> = {
        ...state,
        latent: tensor(latent.data, latent.dims),
        is_first: tensor(new Float32Array([isFirst ? 1 : 0]), [1]),
        is_last: tensor(new Float32Array([isLast ? 1 : 0]), [1]),
      };
      const out = await session.run(feeds);
      const next: Record<string, T> = {};
      for (const s of schedule.states) {
        const t = out[s.output];
        if (!t) throw new Error(`chunk graph returned no ${s.output}`);
        next[s.input] = t;
      }
      const v = out.video;
      if (!v) throw new Error('chunk graph returned no video');
      const video = { data: await toCpu(v), dims: [...v.dims] };
      return { video, state: next };
    },
    release(state) {
      for (const t of Object.values(state)) t.dispose?.();
    },
  };
}

// ---------------------------------------------------------------------------------------------------- streaming
export interface DecodedChunk {
  /** Chunk index and its latent frames [a, b). */
  index: number;
  latentRange: [number, number];
  /** Index of this chunk's first pixel frame in the whole video. */
  firstFrame: number;
  width: number;
  height: number;
  /** RGBA frames, width·height·4 bytes each. */
  frames: Uint8Array[];
  /** The raw decoder output [1, 3, F, H, W] in [−1, 1] (only with keepRaw). */
  raw?: TensorF32;
}

export interface StreamDecodeOptions {
  /** Latent frames per chunk after the first (default 2). */
  chunkFrames?: number;
  cancel?: CancelFlag;
  keepRaw?: boolean;
}

/** [1, 3, F, H, W] float in [−1, 1] → F RGBA frames: clamp((x/2 + 0.5)·255), rounded, alpha 255. */
export function videoToRgba(video: TensorF32): Uint8Array[] {
  const [b, c, f, h, w] = video.dims;
  if (b !== 1 || c !== 3 || video.dims.length !== 5) throw new Error(`expected video [1,3,F,H,W], got ${JSON.stringify(video.dims)}`);
  const plane = h * w;
  const d = video.data;
  const frames: Uint8Array[] = [];
  for (let t = 0; t < f; t++) {
    const rgba = new Uint8ClampedArray(plane * 4); // assignment clamps to [0, 255] and rounds
    for (let ch = 0; ch < 3; ch++) {
      const src = (ch * f + t) * plane;
      for (let p = 0; p < plane; p++) rgba[p * 4 + ch] = (d[src + p] * 0.5 + 0.5) * 255;
    }
    for (let p = 0; p < plane; p++) rgba[p * 4 + 3] = 255;
    frames.push(new Uint8Array(rgba.buffer));
  }
  return frames;
}

/** Latent frames [a, b) of a [1, C, T, h, w] tensor. */
export function sliceLatentFrames(latent: TensorF32, a: number, b: number): TensorF32 {
  const [, c, t, h, w] = latent.dims;
  const plane = h * w;
  const n = b - a;
  const out = new Float32Array(c * n * plane);
  for (let ch = 0; ch < c; ch++) out.set(latent.data.subarray((ch * t + a) * plane, (ch * t + b) * plane), ch * n * plane);
  return { data: out, dims: [1, c, n, h, w] };
}

/**
 * Decodes a scaled latent [1, C, T, h, w] chunk by chunk, yielding each chunk's frames as soon as it is decoded.
 * The total is 1 + 4(T − 1) frames. Cancellation is checked between chunks.
 */
export async function* streamDecode<S>(runner: VaeChunkRunner<S>, latent: TensorF32, o: StreamDecodeOptions = {}): AsyncGenerator<DecodedChunk> {
  const dims = latent.dims;
  if (dims.length !== 5 || dims[0] !== 1) throw new RangeError(`latent must be [1, C, T, h, w], got ${JSON.stringify(dims)}`);
  const [, c, t, h, w] = dims;
  if (latent.data.length !== c * t * h * w) throw new RangeError(`latent has ${latent.data.length} values, ${JSON.stringify(dims)} needs ${c * t * h * w}`);
  const n = o.chunkFrames ?? 2;
  const bounds = chunkBounds(t, n);
  let state = runner.initialState(h, w);
  let firstFrame = 0;
  try {
    for (let i = 0; i < bounds.length; i++) {
      throwIfCancelled(o.cancel);
      const [a, b] = bounds[i];
      const { video, state: next } = await runner.step(sliceLatentFrames(latent, a, b), i === 0, i === bounds.length - 1, state);
      runner.release?.(state);
      state = next;
      const expected = chunkPixelFrames(i, bounds.length, b - a);
      if (video.dims[2] !== expected) throw new Error(`chunk ${i} [${a},${b}) gave ${video.dims[2]} frames, expected ${expected}`);
      const frames = videoToRgba(video);
      yield { index: i, latentRange: [a, b], firstFrame, width: video.dims[4], height: video.dims[3], frames, ...(o.keepRaw ? { raw: video } : {}) };
      firstFrame += frames.length;
    }
  } finally {
    runner.release?.(state);
  }
}
