// The engine's DiT path on onnxruntime-node (same code as the worker's wasm backend): tokenizer → text_encoder.onnx →
// sampler loop (denoise.ts) around the one-graph dit.onnx, against training/sample.py on the same dev weights
// (training/fixtures/engine, written by training/make_engine_fixtures.py).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { WordTokenizer, type VocabJson } from '../text/tokenizer';
import { denoise } from './denoise';
import { OnnxPromptEncoder, WasmDenoiser, parseDitGraphs, ditGraphNames, type TensorCtor } from './dit';

const DIT = 'training/fixtures/dit/dev';
const FIX = 'training/fixtures/engine';
const info = parseDitGraphs(JSON.parse(readFileSync(join(DIT, 'dit_graphs.json'), 'utf8')));
const index = JSON.parse(readFileSync(join(FIX, 'index.json'), 'utf8')) as {
  samples: Record<string, { request: { prompt: string; negativePrompt: string; seed: number; steps: number; cfgScale: number }; latent_shape: number[]; files: Record<string, string>; text_states_shape: number[] }>;
};
const readF32 = (p: string) => {
  const b = readFileSync(join(FIX, p));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const Tensor = ort.Tensor as unknown as TensorCtor;
const sessions: ort.InferenceSession[] = [];
const open = async (name: string) => {
  const s = await ort.InferenceSession.create(join(DIT, `${name}.onnx`));
  sessions.push(s);
  return s as unknown as import('onnxruntime-web').InferenceSession;
};
afterAll(async () => {
  for (const s of sessions) await s.release();
});

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d;
  }
  return m;
}

describe('engine DiT (one-graph, ORT-node) vs training/sample.py', () => {
  it('dit_graphs.json parses; graph sets per backend', () => {
    expect(info.modes).toEqual(['dense', 'dense', 'single', 'group', 'single', 'group', 'dense', 'dense']);
    expect(ditGraphNames(info, 'wasm').required).toEqual(['text_encoder', 'dit']);
    expect(ditGraphNames(info, 'webgpu').required).toHaveLength(2 + 2 * info.numLayers + 1);
  });

  for (const [name, s] of Object.entries(index.samples)) {
    it(`${name}: final latents ≡ PyTorch reference`, async () => {
      const tok = new WordTokenizer(JSON.parse(readFileSync(join(DIT, info.tokenizer), 'utf8')) as VocabJson);
      const enc = new OnnxPromptEncoder(tok, await open('text_encoder'), Tensor);
      const r = s.request;
      const cond = await enc.encode(r.prompt);
      const uncond = await enc.encode(r.negativePrompt);
      const refTs = readF32(s.files.text_states);
      const L = cond.embeddings.length;
      const errText = Math.max(maxAbs(uncond.embeddings, refTs.subarray(0, L)), maxAbs(cond.embeddings, refTs.subarray(L)));
      const denoiser = new WasmDenoiser(s.latent_shape, info, await open('dit'), Tensor);
      const perStep: number[] = [];
      const refSteps = readF32(s.files.steps);
      const n = s.latent_shape.reduce((a, b) => a * b, 1);
      const x = await denoise({
        denoiser, seed: r.seed, steps: r.steps, cfgScale: r.cfgScale, cond, uncond,
        onStep: (i, xi) => {
          perStep.push(maxAbs(xi, refSteps.subarray(i * n, (i + 1) * n)));
        },
      });
      const err = maxAbs(x, readF32(s.files.latents));
      console.log(`${name}: text_states ${errText.toExponential(2)}; x after each step ${perStep.map((e) => e.toExponential(2)).join(', ')}; final latents max abs ${err.toExponential(2)}`);
      expect(errText).toBeLessThanOrEqual(1e-4);
      expect(err).toBeLessThanOrEqual(1e-3);
    });
  }
});
