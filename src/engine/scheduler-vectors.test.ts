// The browser sampler against the Python reference (training/diffusion.py) through the shared vectors
// training/fixtures/sampler/vectors.json (schedule tables, step scalars, toy-model trajectories with seed 1234).
// The file is required: a missing file fails here (no silent skip).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ancestralSigmas, samplerAlphasCumprod, samplerSchedule, sigmaTable, initialLatent, numel } from './scheduler';
import { denoise, type Denoiser, type TextCondition } from './denoise';
import { gaussianNoise } from './prng';

interface Trajectory {
  model: string;
  cfg_scale: number;
  seed: number;
  steps: number;
  shape: number[];
  initial_x: number[];
  x_after_step: number[][];
  final_x: number[];
}
interface Vectors {
  alphas_cumprod_sampler: number[];
  sigma_table: number[];
  zero_snr_alphas_cumprod_last_sampler: number;
  half_even_step_counts: number[];
  schedules: Record<string, { timesteps: number[]; sigmas: number[]; init_noise_sigma: number }>;
  noise_check: { seed: number; stream0_first8: number[]; stream1_first8: number[] };
  step_scalars: { i: number; t: number; sigma: number; sigma_next: number; sigma_up: number; c_in: number }[];
  trajectories: Record<'linear' | 'cfg', Trajectory>;
}

const vectors = JSON.parse(readFileSync('training/fixtures/sampler/vectors.json', 'utf8')) as Vectors;

const relClose = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.max(Math.abs(b), 1e-300);
/** The vectors' trajectory tolerance: |a − b| ≤ 1e−3·(1 + |b|). */
const trajWorst = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return worst;
};

describe('sampler vs Python reference vectors', () => {
  it('ᾱ and σ tables (float64, ~1e-12 relative)', () => {
    const abar = samplerAlphasCumprod();
    const sig = sigmaTable();
    expect(vectors.alphas_cumprod_sampler.length).toBe(1000);
    let worstA = 0;
    let worstS = 0;
    for (let t = 0; t < 1000; t++) {
      worstA = Math.max(worstA, Math.abs(abar[t] - vectors.alphas_cumprod_sampler[t]) / vectors.alphas_cumprod_sampler[t]);
      worstS = Math.max(worstS, Math.abs(sig[t] - vectors.sigma_table[t]) / vectors.sigma_table[t]);
    }
    console.log(`ᾱ max rel err ${worstA.toExponential(2)}, σ max rel err ${worstS.toExponential(2)}`);
    expect(worstA).toBeLessThanOrEqual(1e-12);
    expect(worstS).toBeLessThanOrEqual(1e-12);
    expect(abar[999]).toBe(vectors.zero_snr_alphas_cumprod_last_sampler);
  });

  it('schedules for every S in the vectors (timesteps exact, σ to 1e-12)', () => {
    const counts = Object.keys(vectors.schedules);
    expect(counts.length).toBeGreaterThanOrEqual(5);
    for (const k of counts) {
      const ref = vectors.schedules[k];
      const s = samplerSchedule(Number(k));
      expect([...s.timesteps], `S=${k}`).toEqual(ref.timesteps);
      expect(s.sigmas.length).toBe(ref.sigmas.length);
      for (let i = 0; i < ref.sigmas.length; i++) {
        if (ref.sigmas[i] === 0) expect(s.sigmas[i]).toBe(0);
        else expect(relClose(s.sigmas[i], ref.sigmas[i], 1e-12), `S=${k} σ[${i}]`).toBe(true);
      }
      expect(relClose(s.initNoiseSigma, ref.init_noise_sigma, 1e-12)).toBe(true);
    }
    // The round-half-even step counts are all valid and produce some x.5 → even timestep.
    for (const S of vectors.half_even_step_counts) expect(samplerSchedule(S).timesteps.length).toBe(S);
  });

  it('noise streams and per-step scalars', () => {
    const n = vectors.noise_check;
    const s0 = gaussianNoise(n.seed, 0, 8);
    const s1 = gaussianNoise(n.seed, 1, 8);
    for (let i = 0; i < 8; i++) {
      expect(Math.abs(s0[i] - n.stream0_first8[i])).toBeLessThanOrEqual(1e-6);
      expect(Math.abs(s1[i] - n.stream1_first8[i])).toBeLessThanOrEqual(1e-6);
    }
    expect(vectors.step_scalars.length).toBeGreaterThan(0);
    const steps = vectors.trajectories.linear.steps;
    const s = samplerSchedule(steps);
    for (const sc of vectors.step_scalars) {
      expect(s.timesteps[sc.i]).toBe(sc.t);
      expect(relClose(s.sigmas[sc.i], sc.sigma, 1e-12)).toBe(true);
      if (sc.sigma_next === 0) expect(s.sigmas[sc.i + 1]).toBe(0);
      else expect(relClose(s.sigmas[sc.i + 1], sc.sigma_next, 1e-12)).toBe(true);
      const { up } = ancestralSigmas(s.sigmas[sc.i], s.sigmas[sc.i + 1]);
      expect(Math.abs(up - sc.sigma_up)).toBeLessThanOrEqual(1e-9 * (1 + sc.sigma_up));
      expect(relClose(1 / Math.sqrt(s.sigmas[sc.i] ** 2 + 1), sc.c_in, 1e-12)).toBe(true);
    }
    expect(vectors.step_scalars.at(-1)!.sigma_up).toBe(0); // last step adds no noise
  });

  // The toy models of the vectors: uncond/linear v = 0.3·x_in + 0.01·t/1000; cond v = 0.25·x_in + 0.02·(c − 3.5).
  function toyDenoiser(shape: number[]): Denoiser {
    const [, C, T, H, W] = shape;
    const plane = T * H * W;
    return {
      latentShape: shape,
      async step(xIn, t, texts) {
        return texts.map((txt) => {
          const v = new Float32Array(xIn.length);
          if (txt.embeddings[0] === 0) for (let i = 0; i < v.length; i++) v[i] = 0.3 * xIn[i] + (0.01 * t) / 1000;
          else for (let c = 0; c < C; c++) for (let j = 0; j < plane; j++) v[c * plane + j] = 0.25 * xIn[c * plane + j] + 0.02 * (c - 3.5);
          return v;
        });
      },
    };
  }
  const uncondText: TextCondition = { embeddings: new Float32Array([0]), dims: [1] };
  const condText: TextCondition = { embeddings: new Float32Array([1]), dims: [1] };

  for (const name of ['linear', 'cfg'] as const) {
    it(`trajectory "${name}" (seed 1234) step by step within |a−b| ≤ 1e−5·(1+|b|)`, async () => {
      const tr = vectors.trajectories[name];
      expect(tr.x_after_step.length).toBe(tr.steps);
      const sched = samplerSchedule(tr.steps);
      const x0 = initialLatent(tr.seed, tr.shape, sched);
      expect(numel(tr.shape)).toBe(tr.initial_x.length);
      const initErr = trajWorst(x0, tr.initial_x);
      const perStep: number[] = [];
      const final = await denoise({
        denoiser: toyDenoiser(tr.shape),
        seed: tr.seed,
        steps: tr.steps,
        cfgScale: tr.cfg_scale,
        // The linear trajectory's single branch is the "uncond" formula.
        cond: name === 'linear' ? uncondText : condText,
        uncond: uncondText,
        onStep: (i, x) => void perStep.push(trajWorst(x, tr.x_after_step[i])),
      });
      const finalErr = trajWorst(final, tr.final_x);
      console.log(`${name}: init ${initErr.toExponential(2)}, steps [${perStep.map((e) => e.toExponential(1)).join(' ')}], final ${finalErr.toExponential(2)}`);
      expect(initErr).toBeLessThanOrEqual(1e-6);
      // The contract allows 1e-3 (a float32 state); ours is float64 like the reference (only the model input is
      // float32), so it must agree far more closely.
      for (const e of perStep) expect(e).toBeLessThanOrEqual(1e-5);
      expect(finalErr).toBeLessThanOrEqual(1e-5);
    });
  }
});
