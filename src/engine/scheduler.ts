// The sampler of docs/sampler.md (≡ training/diffusion.py): zero-terminal-SNR linear schedule in float64, trailing
// timesteps, Euler-ancestral steps for v-prediction, classifier-free guidance. Pure functions; the denoising loop
// that drives a model lives in ./denoise.ts.
import { gaussianNoise } from './prng';

export const NUM_TRAIN_TIMESTEPS = 1000;
export const BETA_START = 1e-4;
export const BETA_END = 0.02;
/** ᾱ[999] of the sampler table (diffusers' Euler schedulers under zero SNR), so σ stays finite. */
export const ZERO_SNR_EPS = 2 ** -24;

/** numpy.linspace(start, stop, num) in float64, element for element (step = Δ/(num−1); last element = stop). */
function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  out[num - 1] = stop;
  return out;
}

function cumprod(x: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  let p = 1;
  for (let i = 0; i < x.length; i++) out[i] = p *= x[i];
  return out;
}

/** ᾱ of the linear schedule rescaled to zero terminal SNR (Lin et al.), float64; ᾱ[999] = 0 (the training table). */
export function zeroSnrAlphasCumprod(num = NUM_TRAIN_TIMESTEPS, betaStart = BETA_START, betaEnd = BETA_END): Float64Array {
  const betas = linspace(betaStart, betaEnd, num);
  const a = cumprod(betas.map((b) => 1 - b)).map(Math.sqrt);
  const a0 = a[0];
  const aT = a[num - 1];
  const abar = a.map((v) => {
    const r = ((v - aT) * a0) / (a0 - aT);
    return r * r;
  });
  const oneMinusBetas = new Float64Array(num);
  for (let t = 0; t < num; t++) {
    const alpha = t === 0 ? abar[0] : abar[t] / abar[t - 1];
    oneMinusBetas[t] = 1 - (1 - alpha); // betas = 1 − alphas; ᾱ = cumprod(1 − betas) (kept literally, like numpy)
  }
  return cumprod(oneMinusBetas);
}

let samplerAlphas: Float64Array | undefined;
let sigmaTableCache: Float64Array | undefined;

/** The sampler's ᾱ table: the zero-SNR table with ᾱ[999] = 2^−24. */
export function samplerAlphasCumprod(): Float64Array {
  if (!samplerAlphas) {
    samplerAlphas = zeroSnrAlphasCumprod();
    samplerAlphas[NUM_TRAIN_TIMESTEPS - 1] = ZERO_SNR_EPS;
  }
  return samplerAlphas;
}

/** σ_table[t] = sqrt((1 − ᾱ[t]) / ᾱ[t]) over the sampler table. */
export function sigmaTable(): Float64Array {
  sigmaTableCache ??= samplerAlphasCumprod().map((a) => Math.sqrt((1 - a) / a));
  return sigmaTableCache;
}

/** numpy.round: round half to even. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Trailing timesteps: round(arange(1000, 0, −1000/S)) − 1, descending integers, reproducing numpy's float64
 * `arange` (value i = start + i·δ with δ = (start + step) − start) and its half-to-even `round` exactly
 * (S = 16 → …, 812.5 → 812 → timestep 811). For some S (61, 103, 121, …) numpy's arange yields S + 1 values; the
 * Python reference rejects those, and so do we.
 */
export function trailingTimesteps(steps: number, numTrain = NUM_TRAIN_TIMESTEPS): Int32Array {
  if (!Number.isInteger(steps) || steps < 1 || steps > numTrain) {
    throw new RangeError(`steps must be an integer in [1, ${numTrain}], got ${steps}`);
  }
  const start = numTrain;
  const step = -numTrain / steps;
  const length = Math.ceil((0 - start) / step);
  if (length !== steps) {
    throw new RangeError(`steps = ${steps} is not supported by the trailing schedule (numpy's arange gives ${length} timesteps); use ${steps - 1} or ${steps + 1}`);
  }
  const second = start + step;
  const delta = second - start;
  const out = new Int32Array(steps);
  for (let i = 0; i < steps; i++) {
    const v = i === 0 ? start : i === 1 ? second : start + i * delta;
    out[i] = roundHalfEven(v) - 1;
  }
  return out;
}

export interface Schedule {
  steps: number;
  /** Model timesteps (descending integers in [0, 999]), length S. */
  timesteps: Int32Array;
  /** σ_i = σ_table[timesteps[i]], plus σ_S = 0: length S + 1. */
  sigmas: Float64Array;
  /** σ_0 (trailing spacing uses max σ, not sqrt(σ² + 1)). */
  initNoiseSigma: number;
}

export function samplerSchedule(steps: number): Schedule {
  const timesteps = trailingTimesteps(steps);
  const table = sigmaTable();
  const sigmas = new Float64Array(steps + 1);
  for (let i = 0; i < steps; i++) sigmas[i] = table[timesteps[i]];
  sigmas[steps] = 0;
  return { steps, timesteps, sigmas, initNoiseSigma: sigmas[0] };
}

/** Number of elements of a shape. */
export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** x_T = gaussian_noise(seed, stream 0, n) · init_noise_sigma (float64 state, row-major [1, C, T, H, W]). */
export function initialLatent(seed: number, shape: readonly number[], schedule: Schedule): Float64Array {
  const noise = gaussianNoise(seed, 0, numel(shape));
  const x = new Float64Array(noise.length);
  for (let i = 0; i < x.length; i++) x[i] = noise[i] * schedule.initNoiseSigma;
  return x;
}

/** Ancestral noise of step i (0-based): stream 1 + i. */
export function stepNoise(seed: number, i: number, count: number): Float32Array {
  return gaussianNoise(seed, 1 + i, count);
}

/** Model input x / sqrt(σ² + 1), as float32 (what the DiT consumes). */
export function scaleModelInput(x: ArrayLike<number>, sigma: number): Float32Array {
  const s = Math.sqrt(sigma * sigma + 1);
  const out = new Float32Array(x.length);
  for (let i = 0; i < out.length; i++) out[i] = x[i] / s;
  return out;
}

/** CFG: v = v_uncond + w·(v_cond − v_uncond) (float64 arithmetic, float32 result). */
export function cfgCombine(vUncond: ArrayLike<number>, vCond: ArrayLike<number>, w: number): Float32Array {
  if (vUncond.length !== vCond.length) throw new RangeError(`CFG branches differ in length: ${vUncond.length} vs ${vCond.length}`);
  const out = new Float32Array(vCond.length);
  for (let i = 0; i < out.length; i++) out[i] = vUncond[i] + w * (vCond[i] - vUncond[i]);
  return out;
}

/** σ_up and σ_down of the ancestral split (σ_up = σ_down = 0 when σ_next = 0). */
export function ancestralSigmas(sigma: number, sigmaNext: number): { up: number; down: number } {
  const up = Math.sqrt((sigmaNext ** 2 * (sigma ** 2 - sigmaNext ** 2)) / sigma ** 2);
  const down = Math.sqrt(sigmaNext ** 2 - up ** 2);
  return { up, down };
}

/**
 * One Euler-ancestral step for v-prediction (docs/sampler.md steps 3–5), in float64. `noise` is only read when
 * σ_up > 0 (it may be null at the last step). Returns the new state (a new array).
 */
export function eulerAncestralStep(
  x: ArrayLike<number>,
  v: ArrayLike<number>,
  sigma: number,
  sigmaNext: number,
  noise: ArrayLike<number> | null,
): Float64Array {
  if (v.length !== x.length) throw new RangeError(`model output has ${v.length} values, latent has ${x.length}`);
  const s2 = sigma * sigma + 1;
  const cv = -sigma / Math.sqrt(s2);
  const { up, down } = ancestralSigmas(sigma, sigmaNext);
  if (up > 0 && (!noise || noise.length !== x.length)) throw new RangeError('ancestral noise missing or of the wrong length');
  const dt = down - sigma;
  const out = new Float64Array(x.length);
  for (let i = 0; i < out.length; i++) {
    const x0 = v[i] * cv + x[i] / s2;
    const d = (x[i] - x0) / sigma;
    let y = x[i] + d * dt;
    if (up > 0) y = y + noise![i] * up;
    out[i] = y;
  }
  return out;
}
