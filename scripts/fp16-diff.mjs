#!/usr/bin/env node
// fp16-storage vs fp32 model folder on onnxruntime-node: the same deterministic inputs through both, max abs / max
// relative difference per graph (docs: README "Run the official Open-Sora Plan v1.3 weights", --dtype).
//   node scripts/fp16-diff.mjs FP32_DIR FP16_DIR
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

const [a, b] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: node scripts/fp16-diff.mjs FP32_DIR FP16_DIR');
  process.exit(2);
}
let seed = 12345;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
const graphs = JSON.parse(readFileSync(join(a, 'dit_graphs.json'), 'utf8'));
const dims = { B: 2, T: 3, H: 16, W: 16, t: 3, h: 8, w: 8, L: 16, N: 3 * 4 * 4 };
const dit = graphs.dit_config;
function feedsFor(name) {
  if (name === 'vae_encoder') return { video: ['float32', [1, 3, 9, 64, 64]] };
  if (name === 'vae_decoder') return { latent: ['float32', [1, 8, 3, 8, 8]] };
  const io = graphs.graphs[name];
  const out = {};
  for (const i of io.inputs) out[i.name] = [i.dtype, i.shape.map((d) => (typeof d === 'number' ? d : d === 'T' ? 3 : d === 'H' || d === 'W' ? 8 : dims[d] ?? 2))];
  return out;
}
function make(name, spec) {
  const feeds = {};
  for (const [k, [dtype, shape]] of Object.entries(spec)) {
    const n = shape.reduce((x, y) => x * y, 1);
    if (dtype === 'int64') feeds[k] = new ort.Tensor('int64', BigInt64Array.from({ length: n }, (_, i) => BigInt(3 + ((i * 7) % 50))), shape);
    else if (k === 'timestep') feeds[k] = new ort.Tensor('float32', Float32Array.from({ length: n }, (_, i) => [999, 321][i % 2]), shape);
    else if (k === 'text_mask') feeds[k] = new ort.Tensor('float32', Float32Array.from({ length: n }, (_, i) => (i % shape[1] < shape[1] - 4 ? 1 : 0)), shape);
    else if (k === 'cond_mask') feeds[k] = new ort.Tensor('float32', Float32Array.from({ length: n }, () => (rnd() > 0 ? 1 : 0)), shape);
    else if (k === 'text_states') feeds[k] = new ort.Tensor('float32', Float32Array.from({ length: n }, () => rnd() * 0.3), shape);
    else feeds[k] = new ort.Tensor('float32', Float32Array.from({ length: n }, rnd), shape);
  }
  return feeds;
}
const names = ['vae_encoder', 'vae_decoder', 'text_encoder', 'dit', ...(graphs.models?.inpaint ? ['dit_inpaint'] : [])];
const result = {};
for (const name of names) {
  const feeds = make(name, feedsFor(name));
  const outs = [];
  for (const dir of [a, b]) {
    const s = await ort.InferenceSession.create(join(dir, `${name}.onnx`));
    const r = await s.run(feeds);
    outs.push(r[s.outputNames[0]].data);
    await s.release();
  }
  let maxAbs = 0;
  let ref = 0;
  for (let i = 0; i < outs[0].length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(outs[0][i] - outs[1][i]));
    ref = Math.max(ref, Math.abs(outs[0][i]));
  }
  result[name] = { maxAbs: Number(maxAbs.toExponential(2)), outAbsMax: Number(ref.toPrecision(3)) };
}
console.log(JSON.stringify({ fp32: a, fp16: b, dit: { layers: dit.num_layers, hidden: dit.hidden }, result }, null, 1));
