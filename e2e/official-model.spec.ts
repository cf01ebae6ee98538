import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { parseNpy } from '../src/models/npy';
import { pipeConsole, runInHarness } from './util';
import type { GenerateResult, GraphCase } from './harness/official';

// The converted upstream-v13 fixture model (training/convert_official.py → training/fixtures/official/upstream-v13)
// in Chromium on WASM: graphs vs upstream's own outputs (≤ 2e-3, the browser tolerance of the parity chain),
// SentencePiece ids in the page = the fixture's, and T2V / I2V generation through the engine worker.
const H = '/e2e/harness/official.ts';
const FIX = resolve('../shared/fixtures/upstream-v13');
const MODEL = 'training/fixtures/official/upstream-v13/manifest.json';
const BROWSER_TOL = 2e-3;
test.describe.configure({ retries: 1 });
test.skip(!existsSync(FIX) || !existsSync(MODEL), 'upstream fixtures or converted model missing');

type Arr = GraphCase['feeds'][string];
const arr = (...p: string[]): Arr => {
  const a = parseNpy(new Uint8Array(readFileSync(join(FIX, ...p))));
  return { shape: a.shape, dtype: a.dtype === 'int64' ? 'int64' : 'float32', data: Array.from(a.data as Float32Array, Number) };
};
const asFloat = (a: Arr): Arr => ({ ...a, dtype: 'float32' });
const drop1 = (a: Arr): Arr => ({ ...a, shape: [a.shape[0], ...a.shape.slice(2)] });
const scale = (a: Arr, k: number): Arr => ({ ...a, data: a.data.map((v) => v * k) });
function channels(a: Arr, c0: number, c1: number): Arr {
  const [B, C, ...rest] = a.shape;
  const cell = rest.reduce((x, y) => x * y, 1);
  const data: number[] = [];
  for (let b = 0; b < B; b++) data.push(...a.data.slice((b * C + c0) * cell, (b * C + c1) * cell));
  return { shape: [B, c1 - c0, ...rest], dtype: 'float32', data };
}

function ditCase(name: 't2v' | 'inpaint', c: string): GraphCase {
  const hs = arr('dit', name, c, 'hidden_states.npy');
  const feeds: Record<string, Arr> = {
    latent: name === 'inpaint' ? channels(hs, 0, 8) : hs,
    timestep: arr('dit', name, c, 'timestep.npy'),
    text_states: drop1(arr('dit', name, c, 'encoder_hidden_states.npy')),
    text_mask: asFloat(drop1(arr('dit', name, c, 'encoder_attention_mask.npy'))),
  };
  if (name === 'inpaint') Object.assign(feeds, { cond_latent: channels(hs, 8, 16), cond_mask: channels(hs, 16, 20) });
  return { graph: name === 't2v' ? 'dit.onnx' : 'dit_inpaint.onnx', feeds, output: 'v', expected: arr('dit', name, c, 'out.npy').data };
}

test('converted upstream fixture model: graphs on onnxruntime-web WASM = upstream outputs (≤ 2e-3)', async ({ page }) => {
  test.setTimeout(300_000);
  pipeConsole(page);
  const cases: GraphCase[] = [
    { graph: 'vae_encoder.onnx', feeds: { video: arr('wfvae', 'x.npy') }, output: 'latent', expected: scale(arr('wfvae', 'enc_mean.npy'), 0.18215).data },
    { graph: 'vae_decoder.onnx', feeds: { latent: scale(arr('wfvae', 'z.npy'), 0.18215) }, output: 'video', expected: arr('wfvae', 'dec.npy').data },
    { graph: 'text_encoder.onnx', feeds: { input_ids: arr('mt5', 'input_ids.npy'), text_mask: asFloat(arr('mt5', 'attention_mask.npy')) }, output: 'text_states', expected: arr('mt5', 'last_hidden_state.npy').data },
    ditCase('t2v', 'main'), ditCase('t2v', 'odd'), ditCase('inpaint', 'main'), ditCase('inpaint', 'odd'),
  ];
  const errs = await runInHarness<Record<string, number>>(page, H, 'graphParity', cases);
  console.log(JSON.stringify(errs));
  expect(Object.keys(errs)).toHaveLength(cases.length);
  for (const [k, v] of Object.entries(errs)) expect(v, k).toBeLessThanOrEqual(BROWSER_TOL);
});

test('converted upstream fixture model: SentencePiece (tokenizer.json) in the page gives the fixture ids (20 cases)', async ({ page }) => {
  const cases = (JSON.parse(readFileSync(join(FIX, 'mt5/tokenizer_cases.json'), 'utf8')) as { cases: { text: string; ids: number[] }[] }).cases;
  const ids = await runInHarness<number[][]>(page, H, 'tokenize', cases.map((c) => c.text));
  expect(ids).toEqual(cases.map((c) => c.ids));
});

// Through the real engine worker under the app's CSP (script-src 'self' 'wasm-unsafe-eval', no 'unsafe-eval'): the
// tokenizer is @huggingface/tokenizers on the converter's tokenizer.json (pure JS, no eval).
test('converted upstream fixture model: text-to-video and image-to-video through the engine worker (wasm)', async ({ page }) => {
  test.setTimeout(300_000);
  pipeConsole(page);
  const r = await runInHarness<GenerateResult>(page, H, 'generate', { steps: 2 });
  console.log(JSON.stringify(r));
  expect(r.backend).toBe('wasm');
  expect(r.capabilities).toMatchObject({ generate: true, imageToVideo: true });
  expect(r.t2v).toMatchObject({ shape: [1, 8, 5, 8, 8], finite: true, frames: 17, width: 64, height: 64 });
  expect(r.t2v.absMax).toBeGreaterThan(0.1);
  expect(r.i2v).toMatchObject({ shape: [1, 8, 5, 8, 8], finite: true, frames: 17 });
  expect(r.i2v.differsFromT2v).toBeGreaterThan(1e-3); // the image reaches the inpaint DiT
  expect(r.deterministic).toBe(true);
  expect(r.analyze.unknownWords).toEqual(['🚀']);
  expect(r.analyze.maxWords).toBe(511);
});
