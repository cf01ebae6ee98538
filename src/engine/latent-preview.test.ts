import { describe, expect, it } from 'vitest';
import { defaultPreviewMap, fitLatentPreview, latentPreview } from './latent-preview';
import { fitPreviewFromFixtures } from '../models/dev-manifest';
import { checkPreview } from '../models/manifest';
import { gaussianNoise } from './prng';

describe('fitLatentPreview', () => {
  it('recovers a known linear map exactly from blockwise-constant videos', () => {
    const C = 8;
    const M = [0, 1, 2].map((k) => Array.from({ length: C }, (_, c) => Math.sin(k * 3 + c) * 0.3));
    const b = [0.1, -0.2, 0.05];
    const [T, h, w] = [3, 2, 3];
    const F = 1 + 4 * (T - 1);
    const latent = gaussianNoise(99, 0, C * T * h * w); // (a cos(i·k) pattern would span only 2 dimensions)
    const video = new Float32Array(3 * F * h * 8 * w * 8);
    for (let f = 0; f < F; f++) {
      const t = f === 0 ? 0 : Math.floor((f + 3) / 4);
      for (let Y = 0; Y < h * 8; Y++) for (let X = 0; X < w * 8; X++) {
        const y = Y >> 3;
        const x = X >> 3;
        for (let ch = 0; ch < 3; ch++) {
          let v = b[ch];
          for (let c = 0; c < C; c++) v += M[ch][c] * latent[((c * T + t) * h + y) * w + x];
          video[((ch * F + f) * h * 8 + Y) * w * 8 + X] = v;
        }
      }
    }
    // 18 samples for 9 unknowns per channel; two pairs to exercise accumulation.
    const fit = fitLatentPreview([{ latent, latentDims: [1, C, T, h, w], video, videoDims: [1, 3, F, h * 8, w * 8] }, { latent, latentDims: [1, C, T, h, w], video, videoDims: [1, 3, F, h * 8, w * 8] }], { ridge: 0 });
    expect(fit.samples).toBe(36);
    expect(fit.rmse).toBeLessThan(1e-5);
    for (let k = 0; k < 3; k++) {
      expect(fit.bias[k]).toBeCloseTo(b[k], 4);
      for (let c = 0; c < C; c++) expect(fit.matrix[k][c]).toBeCloseTo(M[k][c], 4);
    }
    expect(() => fitLatentPreview([{ latent, latentDims: [1, C, T, h, w], video, videoDims: [1, 3, F + 1, h * 8, w * 8] }])).toThrow(RangeError);
  });

  it('fits the VAE fixture pairs (latent ↔ video) with a low RMSE', () => {
    const fit = fitPreviewFromFixtures('training/fixtures/vae');
    checkPreview({ matrix: fit.matrix, bias: fit.bias }, 8);
    const dflt = defaultPreviewMap(8);
    console.log(`preview fit: ${fit.samples} cells, RMSE ${fit.rmse.toFixed(3)} (video range [-1, 1])`);
    expect(fit.samples).toBeGreaterThanOrEqual(48);
    expect(fit.rmse).toBeLessThan(0.35);
    const p = latentPreview(new Float32Array(8 * 4), [1, 8, 1, 2, 2], { matrix: fit.matrix, bias: fit.bias });
    expect(p.data.length).toBe(2 * 2 * 4);
    expect(dflt.matrix.length).toBe(3);
  });
});
