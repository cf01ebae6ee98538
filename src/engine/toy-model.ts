// A stand-in denoiser and prompt encoder used ONLY by tests that exercise the pipeline end to end (progress,
// previews, cancel, decode, MP4) quickly and deterministically. Selected by a manifest with `dit: {kind: 'toy'}`
// (tests build such manifests; no shipped model has one). It is the toy model of training/fixtures/sampler/vectors.json:
//   cond branch (embedding ≠ 0): v = 0.25·x_in + 0.02·(c − 3.5);  uncond (embedding 0): v = 0.3·x_in + 0.01·t/1000.
import type { Denoiser, TextCondition } from './denoise';
import type { PromptEncoder } from './pipeline';

export function toyDenoiser(latentShape: readonly number[], stepDelayMs = 0): Denoiser {
  const [, C, T, H, W] = latentShape;
  const plane = T * H * W;
  return {
    latentShape,
    async step(xIn, t, texts) {
      if (stepDelayMs > 0) await new Promise((r) => setTimeout(r, stepDelayMs));
      return texts.map((txt) => {
        const v = new Float32Array(xIn.length);
        if (txt.embeddings[0] === 0) for (let i = 0; i < v.length; i++) v[i] = 0.3 * xIn[i] + (0.01 * t) / 1000;
        else for (let c = 0; c < C; c++) for (let j = 0; j < plane; j++) v[c * plane + j] = 0.25 * xIn[c * plane + j] + 0.02 * (c - 3.5);
        return v;
      });
    },
  };
}

/** Empty text → embedding 0 (unconditional), anything else → 1. */
export const toyPromptEncoder: PromptEncoder = {
  async encode(text: string): Promise<TextCondition> {
    return { embeddings: new Float32Array([text.trim() ? 1 : 0]), dims: [1, 1, 1] };
  },
};
