// The generation pipeline, independent of where it runs: text → denoise (sampler + Denoiser) → streaming VAE decode
// → video sink (MP4). Everything backend-specific is injected (`PipelineDeps`), so the same code runs in the worker
// (onnxruntime-web, WebCodecs) and in Node unit tests (onnxruntime-node, a fake sink).
import type { ModelManifest } from '../models/manifest';
import { throwIfCancelled, type CancelFlag } from '../core/cancel';
import { denoise, type Denoiser, type ImageCondition, type TextCondition } from './denoise';
import { defaultPreviewMap, latentPreview } from './latent-preview';
import { latentsToDit, latentsToVae } from './latent-norm';
import { scaleModelInput } from './scheduler';
import { chunkBounds, streamDecode, type VaeChunkRunner } from './vae-stream';
import { frameThumbnails } from './frame-thumbnails';
import { NotSupportedError, type GenerateProgress, type GenerateResult, type GenerationMode, type KeptFrame, type ResolvedRequest } from './types';

const MODE_NAMES: Record<GenerationMode, string> = { t2v: 'text-to-video', i2v: 'image-to-video', transition: 'transitions (first + last frame)', continuation: 'video continuation' };

export interface VideoSink {
  readonly codec: string;
  addFrame(rgba: Uint8Array, index: number): Promise<void>;
  finalize(): Promise<Blob>;
  abort(): Promise<void>;
}
export type VideoSinkFactory = (o: { width: number; height: number; fps: number }) => Promise<VideoSink>;

/** Turns a prompt into the denoiser's text conditioning (the text-encoder integration implements it). */
export interface PromptEncoder {
  encode(text: string): Promise<TextCondition>;
}

export interface PipelineDeps {
  manifest: ModelManifest;
  backend: 'wasm' | 'webgpu';
  vae: VaeChunkRunner<unknown>;
  sink: VideoSinkFactory;
  /** Builds the denoiser for a latent shape; absent when the model has no DiT (a VAE-only manifest). */
  denoiser?: (latentShape: readonly number[]) => Promise<Denoiser>;
  promptEncoder?: PromptEncoder;
  /** The inpainting condition (VAE encoder + inpaint graph): i2v, transition, continuation; absent = unsupported. */
  supportsImage?: boolean;
  /** Builds the inpainting condition (VAE-encoded kept frames + compressed mask); no kept frames = all masked. */
  encodeCondition?: (kept: readonly KeptFrame[], req: ResolvedRequest) => Promise<ImageCondition>;
  /**
   * The DiT's main graphs are an inpaint model (dit_config.inpaint): every job needs a condition, text-to-video the
   * all-masked one (training/sample.py generate for an inpaint model).
   */
  alwaysConditioned?: boolean;
  /** Measured speeds, updated by each job, used for ETAs of the next ones. */
  stats?: { decodeMsPerFrame?: number };
}

export type ProgressFn = (p: GenerateProgress) => void;

export interface DecodeOutcome {
  mp4: Blob;
  codec: string;
  frames: number;
  width: number;
  height: number;
  decodeMs: number;
}

/** Streams latents [1, C, T, h, w] through the chunked VAE into the sink; frames are encoded as each chunk lands. */
export async function decodeToVideo(
  deps: PipelineDeps,
  latents: Float32Array,
  shape: readonly number[],
  fps: number,
  o: { chunkFrames?: number; cancel?: CancelFlag; onProgress?: ProgressFn; t0?: number } = {},
): Promise<DecodeOutcome> {
  const t0 = o.t0 ?? performance.now();
  const start = performance.now();
  const [, , T, h, w] = shape;
  const cell = deps.manifest.vae.spatialCompression;
  const totalFrames = 1 + deps.manifest.vae.temporalCompression * (T - 1);
  const count = chunkBounds(T, o.chunkFrames ?? 2).length;
  const sink = await deps.sink({ width: w * cell, height: h * cell, fps });
  let written = 0;
  try {
    for await (const c of streamDecode(deps.vae, { data: latents, dims: shape }, { chunkFrames: o.chunkFrames, cancel: o.cancel })) {
      if (c.width !== w * cell || c.height !== h * cell) throw new Error(`decoder produced ${c.width}×${c.height}, expected ${w * cell}×${h * cell}`);
      for (const f of c.frames) await sink.addFrame(f, written++);
      const elapsed = performance.now() - start;
      o.onProgress?.({
        stage: 'decode',
        elapsedMs: performance.now() - t0,
        etaMs: (elapsed / written) * (totalFrames - written),
        chunk: { index: c.index, count, frames: c.frames.length, firstFrame: c.firstFrame, totalFrames },
        thumbnails: frameThumbnails(c.frames, c.width, c.height),
      });
    }
    throwIfCancelled(o.cancel);
    if (written !== totalFrames) throw new Error(`decoded ${written} frames, expected ${totalFrames}`);
    o.onProgress?.({ stage: 'mux', elapsedMs: performance.now() - t0 });
    const mp4 = await sink.finalize();
    const decodeMs = performance.now() - start;
    if (deps.stats) deps.stats.decodeMsPerFrame = decodeMs / written;
    return { mp4, codec: sink.codec, frames: written, width: w * cell, height: h * cell, decodeMs };
  } catch (e) {
    await sink.abort().catch(() => undefined);
    throw e;
  }
}

/** The whole text-to-video job for a validated request. */
export async function generateVideo(deps: PipelineDeps, req: ResolvedRequest, o: { cancel?: CancelFlag; onProgress?: ProgressFn } = {}): Promise<GenerateResult> {
  const m = deps.manifest;
  if (!deps.denoiser || !deps.promptEncoder) {
    throw new NotSupportedError(`model "${m.id}" has no denoiser/text encoder yet (the DiT is not exported): only decodeLatents is available`);
  }
  if (req.kept.length && !(deps.supportsImage && deps.encodeCondition)) throw new NotSupportedError(`model "${m.id}" does not support ${MODE_NAMES[req.mode]}`);
  if (deps.alwaysConditioned && !deps.encodeCondition) throw new NotSupportedError(`model "${m.id}" is an inpaint model but has no VAE encoder for its condition`);
  const t0 = performance.now();
  const progress = (p: Omit<GenerateProgress, 'elapsedMs'>) => o.onProgress?.({ ...p, elapsedMs: performance.now() - t0 });

  progress({ stage: 'text' });
  const template = m.defaults.promptTemplate;
  const fullPrompt = template && req.prompt ? template.replace('{prompt}', req.prompt) : req.prompt;
  const cond = await deps.promptEncoder.encode(fullPrompt);
  const uncond = req.cfgScale > 1 ? await deps.promptEncoder.encode(req.negativePrompt) : undefined;
  // Inpainting condition: the kept frames through the VAE encoder (counted in the text/conditioning time).
  const norm = m.vae.latentNorm;
  const C = m.vae.latentChannels;
  const encoded = req.kept.length || deps.alwaysConditioned ? await deps.encodeCondition!(req.kept, req) : undefined;
  const image = encoded && norm ? { ...encoded, latent: latentsToDit(encoded.latent, C, norm) } : encoded;
  const textMs = performance.now() - t0;
  throwIfCancelled(o.cancel);

  const denoiser = await deps.denoiser(req.latentShape);
  const previewMap = m.latentPreview ?? defaultPreviewMap(m.vae.latentChannels);
  const tDen = performance.now();
  // Decode time estimate for the ETA: measured on an earlier job, else unknown (0).
  const decodeEstimate = (deps.stats?.decodeMsPerFrame ?? 0) * req.frames;
  let latents: Float32Array;
  try {
    latents = await denoise({
      denoiser,
      seed: req.seed,
      steps: req.steps,
      cfgScale: req.cfgScale,
      cond,
      uncond,
      image,
      cancel: o.cancel,
      onStep: (i, x, schedule) => {
        const done = i + 1;
        const perStep = (performance.now() - tDen) / done;
        const wantPreview = req.previewEvery > 0 && (done % req.previewEvery === 0 || done === req.steps);
        progress({
          stage: 'denoise',
          step: done,
          totalSteps: req.steps,
          etaMs: perStep * (req.steps - done) + decodeEstimate,
          ...(wantPreview ? { preview: latentPreview(latentsToVae(scaleModelInput(x, schedule.sigmas[i + 1]), C, norm), req.latentShape, previewMap) } : {}),
        });
      },
    });
  } finally {
    await denoiser.dispose?.();
  }
  const denoiseMs = performance.now() - tDen;

  // `latents` stays in the sampler's space (what training/sample.py saves); the VAE gets z · 0.18215.
  const out = await decodeToVideo(deps, latentsToVae(latents, C, norm), req.latentShape, req.fps, { cancel: o.cancel, onProgress: o.onProgress, t0 });
  const totalMs = performance.now() - t0;
  progress({ stage: 'done' });
  return {
    mp4: out.mp4,
    latents,
    latentShape: [...req.latentShape],
    meta: {
      modelId: m.id,
      mode: req.mode,
      keptFrames: req.kept.length,
      prompt: req.prompt,
      negativePrompt: req.negativePrompt,
      seed: req.seed,
      steps: req.steps,
      cfgScale: req.cfgScale,
      frames: out.frames,
      width: out.width,
      height: out.height,
      fps: req.fps,
      codec: out.codec,
      backend: deps.backend,
      bytes: out.mp4.size,
      timings: { textMs, denoiseMs, decodeMs: out.decodeMs, totalMs },
    },
  };
}
