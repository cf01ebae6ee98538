// Browser side of e2e/official-model.spec.ts: the converted upstream-v13 fixture model (training/convert_official.py,
// training/fixtures/official/upstream-v13) in Chromium — its graphs on onnxruntime-web WASM vs upstream's outputs,
// SentencePiece in the page vs the fixture's ids, and text-to-video / image-to-video through the engine worker.
import { createEngine } from '../../src/engine/api';
import type { GenerateRequest } from '../../src/engine/types';
import { createSession, ort } from '../../src/models/ort-session';
import { parseManifest } from '../../src/models/manifest';
import { SentencePieceTokenizer } from '../../src/text/sentencepiece';
import { readMp4 } from '../../src/video/mp4-reader';
import { maxAbs } from './compare';

const DIR = '/training/fixtures/official/upstream-v13/';
const bytes = async (p: string) => new Uint8Array(await (await fetch(DIR + p)).arrayBuffer());

interface Arr { shape: number[]; data: number[]; dtype: 'float32' | 'int64' }
const t = (a: Arr) => (a.dtype === 'int64' ? new ort.Tensor('int64', BigInt64Array.from(a.data, (v) => BigInt(v)), a.shape) : new ort.Tensor('float32', Float32Array.from(a.data), a.shape));

export interface GraphCase { graph: string; feeds: Record<string, Arr>; output: string; expected: number[] }

/** Runs each graph on the wasm EP with the given inputs; max abs error vs the expected (upstream) outputs. */
export async function graphParity(cases: GraphCase[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const sessions = new Map<string, ort.InferenceSession>();
  const weights = new Map<string, Uint8Array>();
  for (const c of cases) {
    let s = sessions.get(c.graph);
    if (!s) {
      const m = parseManifest(await (await fetch(DIR + 'manifest.json')).json());
      const f = m.files.find((x) => x.path === c.graph)!;
      const ext = [];
      for (const p of f.externalData ?? []) {
        if (!weights.has(p)) weights.set(p, await bytes(p));
        ext.push({ path: p, data: weights.get(p)! });
      }
      s = await createSession(await bytes(c.graph), { backend: 'wasm', externalData: ext });
      sessions.set(c.graph, s);
    }
    const feeds: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(c.feeds)) feeds[k] = t(v);
    const r = await s.run(feeds);
    out[`${c.graph}:${Object.keys(out).length}`] = maxAbs(r[c.output].data as Float32Array, Float32Array.from(c.expected));
  }
  for (const s of sessions.values()) await s.release();
  return out;
}

/** SentencePiece (Unigram, @huggingface/tokenizers) in the page on the model's tokenizer.json: ids of every case. */
export async function tokenize(texts: string[]): Promise<number[][]> {
  const tok = SentencePieceTokenizer.fromTokenizerJson(await bytes('tokenizer.json'), { maxLength: 512, padId: 0, eosId: 1 });
  return texts.map((x) => {
    const e = tok.encode(x);
    return e.ids.slice(0, e.length);
  });
}

export interface GenerateResult {
  backend: string;
  capabilities: Record<string, boolean>;
  t2v: { shape: number[]; finite: boolean; absMax: number; frames: number; width: number; height: number };
  i2v: { shape: number[]; finite: boolean; frames: number; differsFromT2v: number };
  deterministic: boolean;
  analyze: { unknownWords: string[]; truncatedWords: number; maxWords: number };
}

/** Text-to-video and image-to-video with the converted model through the engine worker (wasm). */
export async function generate(o: { steps: number }): Promise<GenerateResult> {
  const engine = createEngine();
  try {
    const manifest = parseManifest(await (await fetch(DIR + 'manifest.json')).json());
    const loaded = await engine.load({ manifest, baseUrl: DIR }, () => undefined, { backend: 'wasm' });
    const req: GenerateRequest = { prompt: 'A panda eating noodles in a bamboo forest.', seed: 7, steps: o.steps, cfgScale: 7.5, frames: 17, width: 64, height: 64, fps: 8 };
    const a = await engine.generate(req);
    const b = await engine.generate(req);
    const da = await readMp4(a.mp4);
    const rgba = new Uint8Array(64 * 64 * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 37) % 251));
    const c = await engine.generate({ ...req, image: { width: 64, height: 64, data: rgba } });
    const dc = await readMp4(c.mp4);
    const analyze = await engine.analyzePrompt('emoji 🚀 test');
    const fin = (x: Float32Array) => x.every((v) => Number.isFinite(v));
    return {
      backend: loaded.backend,
      capabilities: loaded.capabilities as unknown as Record<string, boolean>,
      t2v: { shape: a.latentShape, finite: fin(a.latents), absMax: maxAbs(a.latents, new Float32Array(a.latents.length)), frames: da.frameCount, width: da.width, height: da.height },
      i2v: { shape: c.latentShape, finite: fin(c.latents), frames: dc.frameCount, differsFromT2v: maxAbs(a.latents, c.latents) },
      deterministic: a.latents.every((v, i) => Object.is(v, b.latents[i])),
      analyze,
    };
  } finally {
    await engine.dispose().catch(() => undefined);
    engine.terminate();
  }
}
