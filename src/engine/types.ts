// Plain-data (structured-clone safe) types crossing the worker boundary: requests, results, progress events, errors.
import type { GenerationDefaults, ModelManifest } from '../models/manifest';
import type { DownloadProgress } from '../models/fetch';
import type { MemoryPlan } from '../models/memory-plan';
import type { KeptFrame, PreviewImage, RgbaImage, VideoCondition } from '../core/image';
import type { GenerationMode } from '../core/modes';
import type { GenerationParams } from '../core/params';

export type { GenerationMode, GenerationParams, KeptFrame, PreviewImage, RgbaImage, VideoCondition };

export type BackendChoice = 'auto' | 'wasm' | 'webgpu';

/** A model id (→ `${modelsBaseUrl}<id>/manifest.json`), a manifest URL (ends in .json), or an inline manifest. */
export type ModelSource = string | { manifest: ModelManifest; baseUrl: string };

export interface LoadOptions {
  backend?: BackendChoice;
  /**
   * WebGPU DiT only: which WGSL Skiparse attention kernel (src/kernels/skiparse/skiparse.ts). 'auto' (default): 'tiled' on a
   * hardware adapter, 'simple' on a fallback (software) adapter such as SwiftShader.
   */
  attentionKernel?: 'auto' | 'simple' | 'tiled';
  /**
   * ORT wasm threads (default: src/models/wasm-threads.ts). ORT reads it once, at the worker's first session, so it
   * applies to the first load of a worker only. 1 keeps performance.measureUserAgentSpecificMemory() usable: it does
   * not settle while ORT's wasm thread pool is running (the soak measures memory after every job).
   */
  wasmThreads?: number;
  /** Memory the model may use, in bytes (the memory plan's budget; WebGPU exposes none, wasm caps it at 4 GiB). */
  memoryBudgetBytes?: number;
  /** Spatially tiled VAE decode (vae-tiles.ts): 'auto' (default: when the memory plan's VAE estimate is over 1 GiB and the model has the graphs), 'off', or a tile edge in latent cells. */
  vaeTiles?: 'auto' | 'off' | number;
  /** Where model folders live (default: `<origin>/models/`). */
  modelsBaseUrl?: string;
}

export interface LoadProgress {
  stage: 'manifest' | 'download' | 'session' | 'ready';
  message: string;
  /** Present during 'download'. */
  download?: DownloadProgress;
  /** The memory plan, reported once before any model file is downloaded (src/models/memory-plan.ts). */
  memoryPlan?: MemoryPlan;
}

export interface LoadResult {
  modelId: string;
  name: string;
  backend: 'wasm' | 'webgpu';
  /** Why 'auto' chose what it did, or why WebGPU was not used. */
  backendReason: string;
  wasmThreads: number;
  crossOriginIsolated: boolean;
  /**
   * What this model can do with the files it ships. `imageToVideo`: the inpainting condition (inpaint graph + VAE
   * encoder), i.e. image-to-video, transition and continuation.
   */
  capabilities: { decodeLatents: boolean; generate: boolean; imageToVideo: boolean };
  defaults: GenerationDefaults;
  latentChannels: number;
  bytesLoaded: number;
  /** The browser's model cache (IndexedDB) during this load; see ModelCacheReport. */
  cache: ModelCacheReport;
  /** Backend of the DiT (differs from `backend` only after a WebGPU-session fallback); present with a DiT. */
  ditBackend?: 'wasm' | 'webgpu';
}

/**
 * Model files in the browser's cache (IndexedDB, keyed by sha256) during a load: `hits` files came from it,
 * `stored` were written after a verified download, `discarded` entries failed verification (re-fetched), `evicted`
 * entries no longer referenced by the manifest were removed. `problem`: why the model is not (fully) cached — no
 * IndexedDB, storage full… — the model still loads, it just downloads again next time.
 */
export interface ModelCacheReport {
  hits: number;
  stored: number;
  discarded: number;
  evicted: number;
  problem: string | null;
}

/** GenerationParams with all but the prompt optional: omitted = the model's defaults; seed omitted = random (reported in the result's meta). */
export interface GenerateRequest extends Pick<GenerationParams, 'prompt'>, Partial<Omit<GenerationParams, 'prompt'>> {
  /** If given, must be the loaded model's id. */
  modelId?: string;
  /** Image-to-video conditioning: the first frame, same size as the output (with `endImage`: a transition). */
  image?: RgbaImage | null;
  /** Transition: the last frame, same size as the output; needs `image` and at least 5 frames. */
  endImage?: RgbaImage | null;
  /** Continuation: the start of a video, kept as the first frames (not together with `image`/`endImage`). */
  video?: VideoCondition | null;
  /** Send a latent preview every this many steps (default 1; 0 = never). */
  previewEvery?: number;
}

/** A request after validation and defaults: every field present. */
export interface ResolvedRequest extends GenerationParams {
  image: RgbaImage | null;
  /** The condition mode and its kept frames (empty for t2v), in frame order. */
  mode: GenerationMode;
  kept: KeptFrame[];
  previewEvery: number;
  latentShape: [number, number, number, number, number];
}

export type GenerateStage = 'validate' | 'text' | 'denoise' | 'decode' | 'mux' | 'done';

export interface GenerateProgress {
  stage: GenerateStage;
  /** Denoising step just finished (1-based) and the total. */
  step?: number;
  totalSteps?: number;
  elapsedMs: number;
  /** Estimated time left for the whole job (ms), when known. */
  etaMs?: number;
  /** Latent → RGB preview of the current state (denoise stage). */
  preview?: PreviewImage;
  /** With stage 'text': a part of the model opened on first use (the VAE encoder), e.g. "creating vae_encoder.onnx session (wasm)". */
  message?: string;
  /** A decoded VAE chunk was handed to the encoder. */
  chunk?: { index: number; count: number; frames: number; firstFrame: number; totalFrames: number };
  /** With `chunk`: small copies (longer side ≤ 48 px) of that chunk's decoded frames, stacked vertically. */
  thumbnails?: PreviewImage;
}

export interface GenerationMeta extends GenerationParams {
  modelId: string;
  /** The condition mode; `keptFrames` = how many frames were given (0 for t2v). */
  mode: GenerationMode;
  keptFrames: number;
  codec: string;
  backend: 'wasm' | 'webgpu';
  bytes: number;
  timings: { textMs: number; denoiseMs: number; decodeMs: number; totalMs: number };
}

export interface GenerateResult {
  mp4: Blob;
  meta: GenerationMeta;
  /** The final scaled latents (what the VAE decoded; training/sample.py's .npy), and their shape [1, C, T, h, w]. */
  latents: Float32Array;
  latentShape: number[];
}

export interface DecodeMeta {
  modelId: string;
  frames: number;
  width: number;
  height: number;
  fps: number;
  codec: string;
  backend: 'wasm' | 'webgpu';
  bytes: number;
  timings: { decodeMs: number; totalMs: number };
}

export interface DecodeResult {
  mp4: Blob;
  meta: DecodeMeta;
}

export interface EngineInfo {
  loaded: LoadResult | null;
  busy: boolean;
}

export interface DecodeLatentsOptions {
  fps?: number;
  /** Latent frames per VAE chunk after the first (default 2). */
  chunkFrames?: number;
}

export { BusyError, NotLoadedError, NotSupportedError, ValidationError, type EngineErrorName } from '../core/errors';
