// Parity of the exported WF-VAE ONNX graphs (public/models/osp-v13-tiny/vae_*.onnx) with the PyTorch reference
// fixtures written by training/export_vae.py (training/fixtures/vae/*.bin + index.json), on onnxruntime-node CPU.
// Includes the causal-cache chunk loop: vae_decoder_chunk.onnx run over [0,1), [1,3), [3,5) must reproduce the
// one-graph decoder output.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';

const MODEL_DIR = 'public/models/osp-v13-tiny';
const FIX_DIR = 'training/fixtures/vae';

interface TensorRef { file: string; shape: number[]; dtype: 'float32' }
interface Fixture {
  graph: string;
  kind: 'single' | 'chunk_loop';
  inputs: Record<string, TensorRef>;
  outputs: Record<string, TensorRef>;
  atol: number;
  note: string;
}
interface FixtureIndex { fixtures: Record<string, Fixture>; chunks: [number, number][] }

const index = JSON.parse(readFileSync(join(FIX_DIR, 'index.json'), 'utf8')) as FixtureIndex;

function load(ref: TensorRef): ort.Tensor {
  const buf = readFileSync(join(FIX_DIR, ref.file));
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  expect(data.length).toBe(ref.shape.reduce((a, b) => a * b, 1));
  return new ort.Tensor('float32', data, ref.shape);
}

function maxAbsDiff(a: ort.Tensor, b: ort.Tensor): number {
  expect(a.dims).toEqual(b.dims);
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i] - y[i]);
    if (!(d <= m)) m = d; // also catches NaN
  }
  return m;
}

/** Concatenate [1, C, T_i, H, W] tensors along T. */
function concatT(parts: ort.Tensor[]): ort.Tensor {
  const [b, c, , h, w] = parts[0].dims;
  const tTotal = parts.reduce((s, p) => s + p.dims[2], 0);
  const out = new Float32Array(b * c * tTotal * h * w);
  const frame = h * w;
  for (let ci = 0; ci < b * c; ci++) {
    let t0 = 0;
    for (const p of parts) {
      const t = p.dims[2];
      const src = (p.data as Float32Array).subarray(ci * t * frame, (ci + 1) * t * frame);
      out.set(src, (ci * tTotal + t0) * frame);
      t0 += t;
    }
  }
  return new ort.Tensor('float32', out, [b, c, tTotal, h, w]);
}

const sessions = new Map<string, ort.InferenceSession>();
async function session(graph: string): Promise<ort.InferenceSession> {
  let s = sessions.get(graph);
  if (!s) {
    s = await ort.InferenceSession.create(join(MODEL_DIR, graph), { graphOptimizationLevel: 'all' });
    sessions.set(graph, s);
  }
  return s;
}

afterAll(async () => {
  for (const s of sessions.values()) await s.release();
});

describe('WF-VAE ONNX graphs vs PyTorch fixtures', () => {
  const graphFixtures = Object.entries(index.fixtures).filter(([, f]) => f.graph.endsWith('.onnx') && f.kind === 'single');
  it('has fixtures for every graph', () => {
    const graphs = new Set(Object.values(index.fixtures).map((f) => f.graph));
    for (const g of ['vae_encoder.onnx', 'vae_encoder_core.onnx', 'vae_decoder.onnx', 'vae_decoder_core.onnx',
      'vae_decoder_chunk.onnx']) expect(graphs.has(g)).toBe(true);
  });

  for (const [key, fx] of graphFixtures) {
    it(`${key} (${fx.graph})`, async () => {
      const s = await session(fx.graph);
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, ref] of Object.entries(fx.inputs)) feeds[name] = load(ref);
      const out = await s.run(feeds);
      for (const [name, ref] of Object.entries(fx.outputs)) {
        const err = maxAbsDiff(out[name], load(ref));
        console.log(`${key}.${name} ${JSON.stringify(ref.shape)} max abs err ${err.toExponential(2)}`);
        expect(err).toBeLessThanOrEqual(fx.atol);
      }
    }, 60_000);
  }
});

describe('WF-VAE causal-cache chunk loop (ONNX)', () => {
  it('decoder_chunk over the chunks equals the one-graph decoder and the PyTorch chunks', async () => {
    const one = index.fixtures['decoder_17'];
    const loop = index.fixtures['decoder_chunks'];
    const latent = load(one.inputs.latent);
    const dec = await session('vae_decoder.onnx');
    const ref = (await dec.run({ latent })).video;

    const chunkDoc = JSON.parse(readFileSync(join(MODEL_DIR, 'vae_decoder_chunk.json'), 'utf8')) as {
      states: { input: string; output: string; channels?: number; frames?: number; spatial_scale?: number; shape: unknown[] }[];
    };
    const [, , t, h, w] = latent.dims;
    // initial state: zeros of the documented shapes
    let state: Record<string, ort.Tensor> = {};
    for (const s of chunkDoc.states) {
      const dims = s.channels !== undefined ? [1, s.channels, s.frames!, h * s.spatial_scale!, w * s.spatial_scale!] : [1];
      state[s.input] = new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
    }
    const sess = await session('vae_decoder_chunk.onnx');
    const lat = latent.data as Float32Array;
    const c = latent.dims[1];
    const sliceT = (a: number, b: number): ort.Tensor => {
      const n = b - a;
      const out = new Float32Array(c * n * h * w);
      for (let ci = 0; ci < c; ci++) out.set(lat.subarray((ci * t + a) * h * w, (ci * t + b) * h * w), ci * n * h * w);
      return new ort.Tensor('float32', out, [1, c, n, h, w]);
    };
    const bounds = index.chunks;
    expect(bounds[bounds.length - 1][1]).toBe(t);
    const parts: ort.Tensor[] = [];
    for (let i = 0; i < bounds.length; i++) {
      const feeds: Record<string, ort.Tensor> = {
        latent: sliceT(bounds[i][0], bounds[i][1]),
        is_first: new ort.Tensor('float32', new Float32Array([i === 0 ? 1 : 0]), [1]),
        is_last: new ort.Tensor('float32', new Float32Array([i === bounds.length - 1 ? 1 : 0]), [1]),
        ...state,
      };
      const out = await sess.run(feeds);
      const errChunk = maxAbsDiff(out.video, load(loop.outputs[`video_chunk_${i}`]));
      console.log(`chunk ${i} [${bounds[i]}) -> ${out.video.dims[2]} frames, max abs err vs PyTorch ${errChunk.toExponential(2)}`);
      expect(errChunk).toBeLessThanOrEqual(loop.atol);
      parts.push(out.video);
      const next: Record<string, ort.Tensor> = {};
      for (const s of chunkDoc.states) next[s.input] = out[s.output];
      state = next;
    }
    expect(parts.map((p) => p.dims[2])).toEqual(bounds.map(([a, b], i) =>
      (i === 0 ? 1 : 4 * (b - a) - (i === 1 ? 2 : 0)) + (i === bounds.length - 1 && i > 0 ? 2 : 0)));
    const full = concatT(parts);
    const err = maxAbsDiff(full, ref);
    const errFixture = maxAbsDiff(full, load(one.outputs.video));
    console.log(`chunk loop (${bounds.length} chunks) vs one-graph decoder: max abs err ${err.toExponential(2)}, ` +
      `vs PyTorch ${errFixture.toExponential(2)}`);
    expect(err).toBeLessThanOrEqual(1e-4);
    expect(errFixture).toBeLessThanOrEqual(1e-4);
  }, 60_000);
});

describe('WF-VAE ONNX on onnxruntime-web (wasm) with shared external weights', () => {
  it('vae_decoder.onnx + vae_decoder.weights load via externalData and match PyTorch', async () => {
    const ortWeb = await import('onnxruntime-web');
    ortWeb.env.wasm.numThreads = 1;
    const weights = readFileSync(join(MODEL_DIR, 'vae_decoder.weights'));
    const s = await ortWeb.InferenceSession.create(readFileSync(join(MODEL_DIR, 'vae_decoder.onnx')), {
      executionProviders: ['wasm'],
      externalData: [{ path: 'vae_decoder.weights', data: new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength) }],
    });
    const fx = index.fixtures['decoder_17'];
    const lat = load(fx.inputs.latent);
    const out = await s.run({ latent: new ortWeb.Tensor('float32', lat.data as Float32Array, lat.dims as number[]) });
    const ref = load(fx.outputs.video);
    const got = new ort.Tensor('float32', out.video.data as Float32Array, out.video.dims as number[]);
    const err = maxAbsDiff(got, ref);
    console.log(`ort-web wasm decoder_17 max abs err ${err.toExponential(2)}`);
    expect(err).toBeLessThanOrEqual(fx.atol);
    await s.release();
  }, 120_000);
});
