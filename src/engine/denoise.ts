// The denoising loop of docs/sampler.md around an abstract `Denoiser` (the DiT integration implements it: ONNX
// graphs + WGSL Skiparse attention). Cancellable between steps.
import {
  cfgCombine,
  eulerAncestralStep,
  initialLatent,
  numel,
  samplerSchedule,
  scaleModelInput,
  stepNoise,
  type Schedule,
} from './scheduler';
import { throwIfCancelled, yieldToEventLoop, type CancelFlag } from '../core/cancel';

/** One text-conditioning branch, already encoded by the text encoder (opaque to the loop). */
export interface TextCondition {
  /** Encoder hidden states, e.g. [1, L, D] float32. */
  embeddings: Float32Array;
  dims: number[];
  /** Attention mask over the L tokens (1 = keep), when the model uses one. */
  mask?: Float32Array;
}

/**
 * Image-to-video conditioning (upstream inpainting: masked VAE latent of the given frames + a mask), passed
 * unchanged to every step; the DiT's inpaint graphs (dit_inpaint / dit_embed_inpaint) consume it.
 */
export interface ImageCondition {
  /** Scaled VAE latent of the conditioning frames, zero where masked out: [1, C, T, h, w]. */
  latent: Float32Array;
  /** 1 where a latent frame is given, 0 where it must be generated: [1, maskChannels, T, h, w]. */
  mask: Float32Array;
  maskDims: number[];
}

/**
 * The model the sampler drives. `step` runs one DiT evaluation on a batch that shares `xIn`
 * ([1, C, T, H, W] = `latentShape`, already scaled by 1/sqrt(σ²+1)) with one text branch per batch entry, and
 * returns one v-prediction per branch (same length as xIn). `t` is the integer timestep given as a float.
 * With CFG the loop passes `[uncond, cond]` (batch 2, in that order); without, `[cond]`.
 * For the exported graphs (dit_graphs.json): latent ← xIn repeated per branch, timestep ← t, text_states ←
 * texts[b].embeddings, text_mask ← texts[b].mask; output v [B, C, T, H, W] split per branch.
 */
export interface Denoiser {
  readonly latentShape: readonly number[];
  step(xIn: Float32Array, t: number, texts: readonly TextCondition[], image?: ImageCondition): Promise<Float32Array[]>;
  dispose?(): Promise<void> | void;
}

export interface DenoiseOptions {
  denoiser: Denoiser;
  seed: number;
  steps: number;
  /** Guidance scale w; CFG (batch of 2) only when w > 1. */
  cfgScale: number;
  cond: TextCondition;
  /** Needed when cfgScale > 1. */
  uncond?: TextCondition;
  /** Image-to-video conditioning handed to every step. */
  image?: ImageCondition;
  /** Starting state instead of seeded noise (float64 or float32, already × init_noise_sigma). */
  xInit?: ArrayLike<number>;
  cancel?: CancelFlag;
  /** After each step with the new (float64) state. */
  onStep?: (i: number, x: Float64Array, schedule: Schedule) => void | Promise<void>;
}

/** Runs the sampler; returns the final scaled latent (VAE space × 0.18215) as float32. */
export async function denoise(o: DenoiseOptions): Promise<Float32Array> {
  const shape = o.denoiser.latentShape;
  const n = numel(shape);
  const schedule = samplerSchedule(o.steps);
  const useCfg = o.cfgScale > 1;
  if (useCfg && !o.uncond) throw new Error('CFG needs an unconditional text branch');
  let x: Float64Array = o.xInit ? Float64Array.from(o.xInit) : initialLatent(o.seed, shape, schedule);
  if (x.length !== n) throw new RangeError(`initial latent has ${x.length} values, shape ${JSON.stringify(shape)} needs ${n}`);
  for (let i = 0; i < schedule.steps; i++) {
    // A step's ORT calls can settle without ever returning to the event loop: yield so a cancel message is seen.
    if (o.cancel) await yieldToEventLoop();
    throwIfCancelled(o.cancel);
    const sigma = schedule.sigmas[i];
    const sigmaNext = schedule.sigmas[i + 1];
    const xIn = scaleModelInput(x, sigma);
    const t = schedule.timesteps[i];
    const texts = useCfg ? [o.uncond!, o.cond] : [o.cond];
    const vs = await o.denoiser.step(xIn, t, texts, o.image);
    if (vs.length !== texts.length) throw new Error(`denoiser returned ${vs.length} predictions for a batch of ${texts.length}`);
    const v = useCfg ? cfgCombine(vs[0], vs[1], o.cfgScale) : vs[0];
    const noise = sigmaNext > 0 ? stepNoise(o.seed, i, n) : null;
    x = eulerAncestralStep(x, v, sigma, sigmaNext, noise);
    await o.onStep?.(i, x, schedule);
  }
  return Float32Array.from(x);
}
