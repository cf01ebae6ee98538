// Sampler schedule and step, from the formulas of docs/sampler.md (the shared Python vectors are tested in
// scheduler-vectors.test.ts).
import { describe, expect, it } from 'vitest';
import {
  ancestralSigmas,
  cfgCombine,
  eulerAncestralStep,
  initialLatent,
  samplerAlphasCumprod,
  samplerSchedule,
  scaleModelInput,
  sigmaTable,
  trailingTimesteps,
  zeroSnrAlphasCumprod,
  ZERO_SNR_EPS,
} from './scheduler';
import { denoise, type Denoiser } from './denoise';
import { CancelToken, CancelledError } from '../core/cancel';
import { gaussianNoise } from './prng';

describe('zero-terminal-SNR schedule', () => {
  it('rescales the linear betas: ᾱ[0] unchanged, ᾱ[999] = 0, strictly decreasing', () => {
    const abar = zeroSnrAlphasCumprod();
    expect(abar.length).toBe(1000);
    expect(abar[0]).toBeCloseTo(1 - 1e-4, 14); // a0 is a fixed point of the rescale
    expect(Math.abs(abar[999])).toBeLessThan(1e-30);
    for (let t = 1; t < 1000; t++) expect(abar[t]).toBeLessThan(abar[t - 1]);
    // The un-rescaled linear schedule has ᾱ[999] ≈ 4.0e-5; the rescale must differ from it.
    let plain = 1;
    for (let t = 0; t < 1000; t++) plain *= 1 - (1e-4 + (t * (0.02 - 1e-4)) / 999);
    expect(plain).toBeGreaterThan(3e-5);
  });

  it('sampler table: ᾱ[999] = 2^-24, σ finite, increasing up to t = 998', () => {
    const abar = samplerAlphasCumprod();
    expect(abar[999]).toBe(ZERO_SNR_EPS);
    const sig = sigmaTable();
    expect(sig[999]).toBeCloseTo(Math.sqrt((1 - 2 ** -24) / 2 ** -24), 6); // ≈ 4096
    expect(sig[999]).toBeGreaterThan(4095.9);
    expect(sig[0]).toBeCloseTo(Math.sqrt(1e-4 / (1 - 1e-4)), 12);
    for (let t = 1; t < 999; t++) expect(sig[t]).toBeGreaterThan(sig[t - 1]);
    // The rescaled ᾱ[998] (≈ 4.2e-9) is below 2^-24, so σ[998] ≈ 15406 > σ[999] ≈ 4096 (as in diffusers).
    expect(sig[998]).toBeGreaterThan(sig[999]);
  });
});

describe('trailing timesteps', () => {
  it('S = 50 → 999, 979, …, 19', () => {
    const ts = [...trailingTimesteps(50)];
    expect(ts).toEqual(Array.from({ length: 50 }, (_, i) => 999 - 20 * i));
  });
  it('S = 1 → [999]; S = 1000 → 999 … 0', () => {
    expect([...trailingTimesteps(1)]).toEqual([999]);
    const all = trailingTimesteps(1000);
    expect(all[0]).toBe(999);
    expect(all[999]).toBe(0);
  });
  it('rounds half to even like numpy (S = 16)', () => {
    // numpy: np.round(np.arange(1000, 0, -62.5)) - 1
    expect([...trailingTimesteps(16)]).toEqual([999, 937, 874, 811, 749, 687, 624, 561, 499, 437, 374, 311, 249, 187, 124, 61]);
  });
  it('reproduces numpy arange float error (S = 48: value 3 is 937.4999… in numpy, not 937.5 → 936)', () => {
    expect(trailingTimesteps(48)[3]).toBe(936);
  });
  it('rejects invalid step counts, and the S where numpy arange yields S + 1 values', () => {
    for (const bad of [0, -1, 1001, 1e6, 2.5, Number.NaN]) expect(() => trailingTimesteps(bad)).toThrow(RangeError);
    expect(() => trailingTimesteps(61)).toThrow(/not supported/);
  });
});

describe('schedule', () => {
  it('σ_S = 0, σ_i = σ_table[t_i], init_noise_sigma = σ_0 (max σ)', () => {
    const s = samplerSchedule(50);
    expect(s.sigmas.length).toBe(51);
    expect(s.sigmas[50]).toBe(0);
    expect(s.sigmas[0]).toBe(sigmaTable()[999]);
    expect(s.sigmas[49]).toBe(sigmaTable()[19]);
    expect(s.initNoiseSigma).toBe(s.sigmas[0]);
    expect(Math.max(...s.sigmas)).toBe(s.initNoiseSigma);
  });
});

describe('Euler-ancestral v-prediction step', () => {
  it('matches the formulas of docs/sampler.md element-wise', () => {
    const x = [0.5, -1.25, 3];
    const v = [0.1, 0.2, -0.7];
    const noise = [1, -2, 0.5];
    const sigma = 2.5;
    const sigmaNext = 1.5;
    const got = eulerAncestralStep(x, v, sigma, sigmaNext, noise);
    const up = Math.sqrt((sigmaNext ** 2 * (sigma ** 2 - sigmaNext ** 2)) / sigma ** 2);
    const down = Math.sqrt(sigmaNext ** 2 - up ** 2);
    for (let i = 0; i < 3; i++) {
      const x0 = v[i] * (-sigma / Math.sqrt(sigma ** 2 + 1)) + x[i] / (sigma ** 2 + 1);
      const want = x[i] + ((x[i] - x0) / sigma) * (down - sigma) + noise[i] * up;
      expect(got[i]).toBeCloseTo(want, 12);
    }
    expect(ancestralSigmas(sigma, sigmaNext).up).toBeCloseTo(1.2, 12); // 1.5·sqrt(6.25−2.25)/2.5
    expect(ancestralSigmas(sigma, sigmaNext).down).toBeCloseTo(0.9, 12);
  });

  it('the last step (σ_next = 0) adds no noise and returns x̂0', () => {
    const x = [0.3, -0.8];
    const v = [0.4, 0.1];
    const sigma = 0.7;
    const a = eulerAncestralStep(x, v, sigma, 0, null);
    const b = eulerAncestralStep(x, v, sigma, 0, [100, 100]);
    expect([...a]).toEqual([...b]);
    for (let i = 0; i < 2; i++) expect(a[i]).toBeCloseTo(v[i] * (-sigma / Math.sqrt(sigma ** 2 + 1)) + x[i] / (sigma ** 2 + 1), 12);
  });

  it('needs noise when σ_up > 0', () => {
    expect(() => eulerAncestralStep([1], [0], 2, 1, null)).toThrow(RangeError);
  });

  it('scaleModelInput and CFG combine', () => {
    expect([...scaleModelInput([3, -6], Math.sqrt(8))]).toEqual([1, -2]);
    const v = cfgCombine([1, 2], [3, 0], 7.5);
    expect([...v]).toEqual([16, -13]);
    expect(() => cfgCombine([1], [1, 2], 2)).toThrow(RangeError);
  });
});

describe('denoise loop', () => {
  const shape = [1, 2, 1, 2, 2];
  const cond = { embeddings: new Float32Array([1]), dims: [1, 1, 1] };
  const uncond = { embeddings: new Float32Array([0]), dims: [1, 1, 1] };

  it('initial latent = stream-0 noise × init_noise_sigma; a v = 0 model walks x toward 0 deterministically', async () => {
    const s = samplerSchedule(4);
    const x0 = initialLatent(7, shape, s);
    const g = gaussianNoise(7, 0, 8);
    for (let i = 0; i < 8; i++) expect(x0[i]).toBeCloseTo(g[i] * s.initNoiseSigma, 9);
    const calls: { t: number; batch: number }[] = [];
    const model: Denoiser = {
      latentShape: shape,
      async step(xIn, t, texts) {
        calls.push({ t, batch: texts.length });
        return texts.map(() => new Float32Array(xIn.length));
      },
    };
    const out = await denoise({ denoiser: model, seed: 7, steps: 4, cfgScale: 1, cond });
    expect(calls.map((c) => c.t)).toEqual([999, 749, 499, 249]);
    expect(calls.every((c) => c.batch === 1)).toBe(true);
    // Reference loop written out from the formulas.
    let x = Array.from(x0);
    for (let i = 0; i < 4; i++) {
      const n = i < 3 ? Array.from(gaussianNoise(7, 1 + i, 8)) : null;
      x = Array.from(eulerAncestralStep(x, new Array(8).fill(0), s.sigmas[i], s.sigmas[i + 1], n));
    }
    for (let i = 0; i < 8; i++) expect(out[i]).toBeCloseTo(x[i], 5);
  });

  it('CFG runs a batch [uncond, cond] and combines it', async () => {
    const seen: number[][] = [];
    const model: Denoiser = {
      latentShape: shape,
      async step(xIn, _t, texts) {
        seen.push(texts.map((t) => t.embeddings[0]));
        return texts.map((t) => xIn.map((v) => v * (t.embeddings[0] + 0.5)));
      },
    };
    const withCfg = await denoise({ denoiser: model, seed: 3, steps: 3, cfgScale: 4, cond, uncond });
    expect(seen).toEqual([[0, 1], [0, 1], [0, 1]]);
    // Equivalent single-branch model: v = x_in·(0.5 + 4·(1.5 − 0.5)) = 4.5·x_in.
    const single: Denoiser = { latentShape: shape, async step(xIn) { return [xIn.map((v) => v * 4.5)]; } };
    const ref = await denoise({ denoiser: single, seed: 3, steps: 3, cfgScale: 1, cond });
    for (let i = 0; i < 8; i++) expect(withCfg[i]).toBeCloseTo(ref[i], 4);
    await expect(denoise({ denoiser: model, seed: 3, steps: 3, cfgScale: 4, cond })).rejects.toThrow(/unconditional/);
  });

  it('stops between steps when cancelled', async () => {
    const token = new CancelToken();
    let calls = 0;
    const model: Denoiser = {
      latentShape: shape,
      async step(xIn) {
        if (++calls === 2) token.cancel();
        return [new Float32Array(xIn.length)];
      },
    };
    await expect(denoise({ denoiser: model, seed: 1, steps: 10, cfgScale: 1, cond, cancel: token })).rejects.toBeInstanceOf(CancelledError);
    expect(calls).toBe(2);
  });
});
