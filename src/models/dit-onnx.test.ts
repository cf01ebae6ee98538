// Parity of the exported DiT + text encoder ONNX graphs (training/fixtures/dit/dev, export_dit.py) with their PyTorch
// fixtures (training/fixtures/dit/index.json), on onnxruntime-node CPU; and the split chain
// text_encoder → dit_embed → block{i}_pre → reference Skiparse attention (src/kernels/*/reference.ts) → block{i}_post →
// dit_final, which must reproduce the one-graph dit.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { skiparseAttentionReference } from '../kernels/skiparse/reference';
import { parseDitGraphs } from '../engine/dit';

const FIX_DIR = 'training/fixtures/dit';

interface TensorRef { file: string; shape: number[]; dtype: 'float32' | 'int64' }
interface Fixture { graph: string; inputs: Record<string, TensorRef>; outputs: Record<string, TensorRef>; atol?: number; note: string }
interface FixtureIndex { graphs_dir: string; modes: string[]; fixtures: Record<string, Fixture> }

const index = JSON.parse(readFileSync(join(FIX_DIR, 'index.json'), 'utf8')) as FixtureIndex;
const GRAPH_DIR = join(FIX_DIR, index.graphs_dir);
const info = parseDitGraphs(JSON.parse(readFileSync(join(GRAPH_DIR, 'dit_graphs.json'), 'utf8')));

function load(ref: TensorRef): ort.Tensor {
  const buf = readFileSync(join(FIX_DIR, ref.file));
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const data = ref.dtype === 'int64' ? new BigInt64Array(ab) : new Float32Array(ab);
  expect(data.length).toBe(ref.shape.reduce((a, b) => a * b, 1));
  return new ort.Tensor(ref.dtype, data, ref.shape);
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d; // NaN fails
  }
  return m;
}

const sessions = new Map<string, ort.InferenceSession>();
async function session(graph: string): Promise<ort.InferenceSession> {
  let s = sessions.get(graph);
  if (!s) {
    s = await ort.InferenceSession.create(join(GRAPH_DIR, graph), { graphOptimizationLevel: 'all' });
    sessions.set(graph, s);
  }
  return s;
}
afterAll(async () => {
  for (const s of sessions.values()) await s.release();
});

const f32 = (t: ort.Tensor) => t.data as Float32Array;

describe('DiT ONNX graphs vs PyTorch fixtures (onnxruntime-node)', () => {
  it('covers every graph of the dev export that has a fixture family', () => {
    const graphs = new Set(Object.values(index.fixtures).map((f) => f.graph.replace(/\.onnx$/, '')));
    for (const g of ['text_encoder', 'dit', 'dit_embed', 'dit_final', 'dit_inpaint']) expect(graphs.has(g), g).toBe(true);
    for (let i = 0; i < info.numLayers; i++) {
      expect(graphs.has(`dit_block${i}_pre`)).toBe(true);
      expect(graphs.has(`dit_block${i}_post`)).toBe(true);
    }
    expect(index.modes).toEqual(info.modes);
  });

  for (const [key, fx] of Object.entries(index.fixtures)) {
    it(`${key} (${fx.graph})`, async () => {
      const s = await session(fx.graph);
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, ref] of Object.entries(fx.inputs)) feeds[name] = load(ref);
      const out = await s.run(feeds);
      const tol = fx.atol ?? 1e-4;
      const errs: Record<string, number> = {};
      for (const [name, ref] of Object.entries(fx.outputs)) {
        const want = load(ref);
        expect(out[name].dims, `${key}.${name} dims`).toEqual(want.dims);
        errs[name] = maxAbs(f32(out[name]), f32(want));
      }
      console.log(`${key}: max abs error ${JSON.stringify(errs)} (tol ${tol})`);
      for (const [name, e] of Object.entries(errs)) expect(e, `${key}.${name}`).toBeLessThanOrEqual(tol);
    });
  }

  it('chain text_encoder → embed → (pre → reference Skiparse → post)×L → final ≡ one-graph dit ≡ PyTorch', async () => {
    const te = index.fixtures.text_encoder;
    const d = index.fixtures.dit;
    const ids = load(te.inputs.input_ids);
    const mask = load(te.inputs.text_mask);
    const ts = (await (await session('text_encoder.onnx')).run({ input_ids: ids, text_mask: mask })).text_states;
    // The dit fixture was made from the same prompts: its text_states are the encoder's.
    const errTs = maxAbs(f32(ts), f32(load(d.inputs.text_states)));
    const latent = load(d.inputs.latent);
    const timestep = load(d.inputs.timestep);
    const e = await (await session('dit_embed.onnx')).run({ latent, timestep, text_states: ts });
    let hidden = e.hidden;
    const [B, N] = hidden.dims;
    for (let i = 0; i < info.numLayers; i++) {
      const qkv = await (await session(`dit_block${i}_pre.onnx`)).run({ hidden, t6: e.t6, rope_cos: e.rope_cos, rope_sin: e.rope_sin });
      const shape = { batch: B, tokens: N, heads: info.heads, headDim: info.headDim, mode: info.modes[i], k: info.k, scale: info.scale };
      const attn = Float32Array.from(skiparseAttentionReference(shape, f32(qkv.q), f32(qkv.k), f32(qkv.v)));
      const post = await (await session(`dit_block${i}_post.onnx`)).run({
        hidden, attn: new ort.Tensor('float32', attn, qkv.q.dims), t6: e.t6, text: e.text, text_mask: mask,
      });
      hidden = post.hidden_out;
    }
    const vChain = (await (await session('dit_final.onnx')).run({ hidden, embedded_timestep: e.embedded_timestep, latent })).v;
    const vOne = (await (await session('dit.onnx')).run({ latent, timestep, text_states: ts, text_mask: mask })).v;
    const errChain = maxAbs(f32(vChain), f32(vOne));
    const errTorch = maxAbs(f32(vChain), f32(load(d.outputs.v)));
    console.log(`chain: text_states vs fixture ${errTs.toExponential(2)}, chain vs one-graph dit ${errChain.toExponential(2)}, chain vs PyTorch ${errTorch.toExponential(2)} (N = ${N}, modes ${info.modes.join(' ')})`);
    expect(errTs).toBeLessThanOrEqual(1e-4);
    expect(errChain).toBeLessThanOrEqual(1e-4);
    expect(errTorch).toBeLessThanOrEqual(1e-4);
  });
});
