// Request validation at the worker boundary: untrusted input in, a fully resolved request (or a ValidationError
// with a clear message) out. Never throws anything else.
import { defaultCfgScale, type ModelManifest } from '../models/manifest';
import { trailingTimesteps } from './scheduler';
import { ValidationError, type DecodeLatentsOptions, type GenerateRequest, type GenerationMode, type KeptFrame, type ResolvedRequest, type RgbaImage } from './types';

export const MAX_PROMPT_CHARS = 2000;
export const DEFAULT_MAX_STEPS = 200;
export const DEFAULT_MAX_FRAMES = 129;
export const MAX_CFG = 50;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function intField(r: Record<string, unknown>, key: string, fallback: number, min: number, max: number): number {
  const v = r[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValidationError(`${key} must be a number, got ${describe(v)}`);
  if (!Number.isInteger(v)) throw new ValidationError(`${key} must be an integer, got ${v}`);
  if (v < min || v > max) throw new ValidationError(`${key} must be in [${min}, ${max}], got ${v}`);
  return v;
}

function describe(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

function randomSeed(): number {
  const a = new Uint32Array(2);
  crypto.getRandomValues(a);
  return a[0] * 2 ** 21 + (a[1] >>> 11); // < 2^53
}

export function validateImage(v: unknown, width: number, height: number, label = 'image'): RgbaImage {
  if (!isObj(v)) throw new ValidationError(`${label} must be {width, height, data: RGBA bytes}`);
  const { width: w, height: h, data } = v;
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) throw new ValidationError(`${label}.data must be a Uint8Array or Uint8ClampedArray of RGBA bytes`);
  if (w !== width || h !== height) throw new ValidationError(`${label} is ${describe(w)}×${describe(h)}, the video is ${width}×${height}: crop/resize it first`);
  if (data.byteLength !== width * height * 4) throw new ValidationError(`${label}.data has ${data.byteLength} bytes, ${width}×${height} RGBA needs ${width * height * 4}`);
  return { width, height, data };
}

const given = (v: unknown) => v !== undefined && v !== null;

/**
 * The inpainting condition of a request (spec §5.1, masks.kept_frames): image → i2v (frame 0 kept); image + endImage
 * → transition (frames 0 and F−1); video → continuation (its n frames kept as frames 0..n−1, 1 ≤ n ≤ F−1).
 */
export function resolveCondition(r: Record<string, unknown>, frames: number, width: number, height: number): { mode: GenerationMode; image: RgbaImage | null; kept: KeptFrame[] } {
  if (given(r.video)) {
    if (given(r.image) || given(r.endImage)) throw new ValidationError('video (continuation) cannot be combined with image or endImage: give either the start of a clip or first/last frames');
    const v = r.video;
    if (!isObj(v) || !Array.isArray(v.frames)) throw new ValidationError('video must be {frames: [RGBA images]}');
    const n = v.frames.length;
    if (frames < 2) throw new ValidationError(`a continuation needs more than 1 output frame (it keeps the given frames and generates the rest), got frames = ${frames}`);
    if (n < 1 || n > frames - 1) throw new ValidationError(`video has ${n} frame${n === 1 ? '' : 's'}: a continuation of ${frames} frames keeps 1 to ${frames - 1} of them (the rest is generated)`);
    const kept = v.frames.map((f, i) => ({ index: i, image: validateImage(f, width, height, `video.frames[${i}]`) }));
    return { mode: 'continuation', image: null, kept };
  }
  if (given(r.endImage)) {
    if (!given(r.image)) throw new ValidationError('endImage (transition) needs image: a transition goes from the first frame to the last');
    if (frames < 2) throw new ValidationError(`a transition needs more than 1 frame (first and last are given), got frames = ${frames}`);
    const image = validateImage(r.image, width, height, 'image');
    const end = validateImage(r.endImage, width, height, 'endImage');
    return { mode: 'transition', image, kept: [{ index: 0, image }, { index: frames - 1, image: end }] };
  }
  if (given(r.image)) {
    const image = validateImage(r.image, width, height);
    return { mode: 'i2v', image, kept: [{ index: 0, image }] };
  }
  return { mode: 't2v', image: null, kept: [] };
}

/** Validates a generate request against the loaded model; fills defaults from the manifest. */
export function validateGenerateRequest(req: unknown, m: ModelManifest): ResolvedRequest {
  if (!isObj(req)) throw new ValidationError(`request must be an object, got ${describe(req)}`);
  if (req.modelId !== undefined && req.modelId !== m.id) throw new ValidationError(`unknown model ${describe(req.modelId)}: the loaded model is "${m.id}"`);
  const d = m.defaults;
  const r = req as Partial<GenerateRequest> & Record<string, unknown>;
  const prompt = r.prompt ?? '';
  if (typeof prompt !== 'string') throw new ValidationError(`prompt must be a string, got ${describe(prompt)}`);
  if (prompt.length > MAX_PROMPT_CHARS) throw new ValidationError(`prompt is ${prompt.length} characters, at most ${MAX_PROMPT_CHARS}`);
  const negativePrompt = r.negativePrompt ?? d.negativePrompt;
  if (typeof negativePrompt !== 'string') throw new ValidationError(`negativePrompt must be a string, got ${describe(negativePrompt)}`);
  if (negativePrompt.length > MAX_PROMPT_CHARS) throw new ValidationError(`negativePrompt is too long (${negativePrompt.length} characters)`);

  let seed: number;
  if (r.seed === undefined || r.seed === null) seed = randomSeed();
  else if (typeof r.seed !== 'number' || !Number.isSafeInteger(r.seed) || r.seed < 0) throw new ValidationError(`seed must be an integer in [0, 2^53), got ${describe(r.seed)}`);
  else seed = r.seed;

  const maxSteps = Math.min(1000, m.limits?.maxSteps ?? DEFAULT_MAX_STEPS);
  const steps = intField(r, 'steps', d.steps, 1, maxSteps);
  try {
    trailingTimesteps(steps);
  } catch (e) {
    throw new ValidationError((e as Error).message);
  }

  const tc = m.vae.temporalCompression;
  const maxFrames = m.limits?.maxFrames ?? DEFAULT_MAX_FRAMES;
  const frames = intField(r, 'frames', d.frames, 1, maxFrames);
  if ((frames - 1) % tc !== 0) throw new ValidationError(`frames must be 1 + ${tc}k (1, ${1 + tc}, ${1 + 2 * tc}, …), got ${frames}`);

  const cell = m.vae.spatialCompression;
  const width = intField(r, 'width', d.width, cell, 4096);
  const height = intField(r, 'height', d.height, cell, 4096);
  if (width % cell !== 0 || height % cell !== 0) throw new ValidationError(`width and height must be multiples of ${cell}, got ${width}×${height}`);
  const sizes = m.limits?.sizes ?? [];
  if (sizes.length && !sizes.some((s) => s.width === width && s.height === height)) {
    throw new ValidationError(`size ${width}×${height} is not supported by ${m.id} (${sizes.map((s) => `${s.width}×${s.height}`).join(', ')})`);
  }

  const fps = r.fps ?? d.fps;
  if (typeof fps !== 'number' || !Number.isFinite(fps) || fps <= 0 || fps > 120) throw new ValidationError(`fps must be in (0, 120], got ${describe(fps)}`);

  const condition = resolveCondition(r, frames, width, height);
  const cfg = r.cfgScale ?? defaultCfgScale(d, condition.mode);
  if (typeof cfg !== 'number' || !Number.isFinite(cfg)) throw new ValidationError(`cfgScale must be a finite number, got ${describe(cfg)}`);
  if (cfg < 0 || cfg > MAX_CFG) throw new ValidationError(`cfgScale must be in [0, ${MAX_CFG}], got ${cfg}`);
  const previewEvery = intField(r, 'previewEvery', 1, 0, 1000);

  return {
    prompt,
    negativePrompt,
    seed,
    steps,
    cfgScale: cfg,
    frames,
    width,
    height,
    fps,
    image: condition.image,
    mode: condition.mode,
    kept: condition.kept,
    previewEvery,
    latentShape: [1, m.vae.latentChannels, 1 + (frames - 1) / tc, height / cell, width / cell],
  };
}

export interface ResolvedDecode {
  latents: Float32Array;
  shape: [number, number, number, number, number];
  fps: number;
  chunkFrames: number;
}

/** Validates decodeLatents(latents, shape, options): [1, C, T, h, w] with the model's C, finite values. */
export function validateDecodeRequest(latents: unknown, shape: unknown, options: unknown, m: ModelManifest): ResolvedDecode {
  if (!(latents instanceof Float32Array)) throw new ValidationError(`latents must be a Float32Array, got ${describe(latents)}`);
  if (!Array.isArray(shape) || shape.length !== 5 || !shape.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new ValidationError(`shape must be [1, C, T, h, w] of positive integers, got ${JSON.stringify(shape)}`);
  }
  const [b, c, t, h, w] = shape as number[];
  if (b !== 1) throw new ValidationError(`batch must be 1, got ${b}`);
  if (c !== m.vae.latentChannels) throw new ValidationError(`latent channels must be ${m.vae.latentChannels} for ${m.id}, got ${c}`);
  const maxLatentFrames = 1 + ((m.limits?.maxFrames ?? DEFAULT_MAX_FRAMES) - 1) / m.vae.temporalCompression;
  if (t > maxLatentFrames) throw new ValidationError(`at most ${Math.floor(maxLatentFrames)} latent frames, got ${t}`);
  if (h * m.vae.spatialCompression > 4096 || w * m.vae.spatialCompression > 4096) throw new ValidationError(`latent ${h}×${w} is too large`);
  if (latents.length !== c * t * h * w) throw new ValidationError(`latents has ${latents.length} values, shape ${JSON.stringify(shape)} needs ${c * t * h * w}`);
  for (let i = 0; i < latents.length; i++) if (!Number.isFinite(latents[i])) throw new ValidationError(`latents[${i}] is not finite (${latents[i]})`);
  const o = (options ?? {}) as DecodeLatentsOptions;
  if (!isObj(o)) throw new ValidationError('options must be an object');
  const fps = o.fps ?? m.defaults.fps;
  if (typeof fps !== 'number' || !Number.isFinite(fps) || fps <= 0 || fps > 120) throw new ValidationError(`fps must be in (0, 120], got ${describe(fps)}`);
  const chunkFrames = intField(o as Record<string, unknown>, 'chunkFrames', 2, 1, 64);
  return { latents, shape: [1, c, t, h, w], fps, chunkFrames };
}
