#!/usr/bin/env node
// `npm run bench:dit-ops [-- --threads 1,2 --runs 10]`
// Where one DiT forward goes on onnxruntime-web's wasm EP: the bundled dit.onnx at the model's default request
// (CFG batch of 2), run in Node through onnxruntime-web's own wasm build (the same MLAS wasm-SIMD kernels the
// browser worker runs, without the browser around it). Per thread count it measures, side by side in one run:
//   - the forward with the graph's symbolic dims free (what the engine does) vs pinned with freeDimensionOverrides
//     (lets ORT constant-fold the ~2900 Shape/Gather/Unsqueeze/Concat nodes of the dynamic-shape export);
//   - ORT's own per-node profile of one forward: time per op type and the achieved GFLOP/s of the MatMuls.
// Saves docs/benchmarks/dit-ops.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createServer } from 'vite';

const { values: v } = parseArgs({ options: {
  model: { type: 'string', default: 'public/models/osp-v13-tiny' },
  threads: { type: 'string', default: '1,2' },
  runs: { type: 'string', default: '10' },
  out: { type: 'string', default: 'docs/benchmarks/dit-ops.json' },
  child: { type: 'string' },
} });
const ort = await import('onnxruntime-web') // Node resolves its "node" export: the wasm build;
const manifest = JSON.parse(readFileSync(`${v.model}/manifest.json`, 'utf8'));
const d = manifest.defaults;
const { latentChannels, temporalCompression: ct, spatialCompression: cs } = manifest.vae;
const latentShape = [1, latentChannels, 1 + (d.frames - 1) / ct, d.height / cs, d.width / cs];
const textWidth = manifest.textEncoder.width;
const textLen = manifest.tokenizer.maxLength;
const graph = readFileSync(`${v.model}/dit.onnx`);
const weights = readFileSync(`${v.model}/dit.weights`);
const vite = await createServer({ server: { middlewareMode: true }, appType: 'custom', logLevel: 'error' });
const { ditFeeds } = await vite.ssrLoadModule('/bench/dit-feeds.ts');
await vite.close();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function session(extra) {
  return ort.InferenceSession.create(graph, { externalData: [{ path: 'dit.weights', data: weights }], graphOptimizationLevel: 'all', ...extra });
}
function feedsFor(s) {
  return Object.fromEntries(ditFeeds(s.inputNames, latentShape, textWidth, textLen).map(([k, data, dims]) => [k, new ort.Tensor('float32', data, dims)]));
}
async function timeForwards(s, n) {
  const feeds = feedsFor(s);
  for (let i = 0; i < 3; i++) await s.run(feeds);
  const ms = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await s.run(feeds);
    ms.push(performance.now() - t0);
  }
  return ms;
}

// ORT fixes the wasm thread pool when the module first initialises, and the wasm build prints its profile (chrome-trace
// JSON) straight to fd 1 — so every measurement runs in a child process (this script with --child) whose stdout the
// parent reads: `--child time:N` prints one RESULT line, `--child profile` prints the trace of the last of 4 forwards
// (1 thread: with a thread pool the profiler's own overhead swamps the small kernels).
async function child(mode) {
  if (mode === 'profile') {
    ort.env.wasm.numThreads = 1;
    const s = await session({ enableProfiling: true });
    const feeds = feedsFor(s);
    for (let i = 0; i < 4; i++) await s.run(feeds);
    s.endProfiling();
    return;
  }
  ort.env.wasm.numThreads = Number(mode.split(':')[1]);
  const pinned = { B: 2, T: latentShape[2], H: latentShape[3], W: latentShape[4], L: textLen };
  const free = await session({});
  const fixed = await session({ freeDimensionOverrides: pinned });
  const a = [], b = [];
  for (let r = 0; r < 3; r++) { // interleaved rounds so both see the same machine state
    a.push(...await timeForwards(free, Number(v.runs)));
    b.push(...await timeForwards(fixed, Number(v.runs)));
  }
  console.log(`RESULT ${JSON.stringify({ freeDimsMedianMs: median(a), pinnedDimsMedianMs: median(b), pinnedOverFree: median(b) / median(a), pinned })}`);
}
const runChild = (mode) => execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--model', v.model, '--runs', v.runs, '--child', mode], { encoding: 'utf8', maxBuffer: 1 << 30 });

function profile() {
  const out = runChild('profile');
  const events = JSON.parse(out.slice(out.indexOf('['), out.lastIndexOf(']') + 1));
  const run = events.filter((e) => e.name === 'model_run').at(-1);
  const nodes = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.ts >= run.ts && e.ts <= run.ts + run.dur);
  const byOp = {};
  for (const e of nodes) {
    const o = (byOp[e.args.op_name] ??= { us: 0, nodes: 0 });
    o.us += e.dur;
    o.nodes += 1;
  }
  // FLOPs of each MatMul-like node from its shapes: [.., M, K] × [K, N], N read from the output.
  let mmFlops = 0, mmUs = 0;
  for (const e of nodes) {
    if (!/MatMul|Gemm/.test(e.args.op_name)) continue;
    const a = Object.values(e.args.input_type_shape[0])[0];
    const out = Object.values(e.args.output_type_shape[0])[0];
    mmFlops += 2 * a.slice(0, -1).reduce((x, y) => x * y, 1) * a.at(-1) * out.at(-1);
    mmUs += e.dur;
  }
  const total = nodes.reduce((x, e) => x + e.dur, 0);
  return { threads: 1, profiledRunMs: run.dur / 1000, kernelSumMs: total / 1000, nodesExecuted: nodes.length,
    matmul: { ms: mmUs / 1000, share: mmUs / total, gflop: mmFlops / 1e9, gflopPerS: mmFlops / 1e9 / (mmUs / 1e6) },
    byOp: Object.fromEntries(Object.entries(byOp).sort((x, y) => y[1].us - x[1].us).map(([k, o]) => [k, { ms: o.us / 1000, nodes: o.nodes, share: o.us / total }])) };
}

if (v.child) {
  await child(v.child);
  await new Promise((done) => process.stdout.write('', done)); // a pipe flushes asynchronously: drain, then exit
  process.exit(0); // ORT's wasm thread pool would keep the process alive
}
const load0 = loadavg();
const result = { what: 'one DiT forward (dit.onnx, CFG batch of 2) on onnxruntime-web wasm in Node: free vs pinned dims, per-op profile',
  command: `npm run bench:dit-ops${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  date: new Date().toISOString(), ortWeb: ort.env.versions?.web ?? null, node: process.version, cpus: cpus().length,
  cpuModel: cpus()[0]?.model, model: v.model, latentShape, textLen, byThreads: {} };
for (const threads of v.threads.split(',').map(Number)) {
  const out = runChild(`time:${threads}`);
  const r = JSON.parse(out.slice(out.lastIndexOf('RESULT ') + 7));
  result.byThreads[threads] = r;
  console.log(`${threads} thread(s): forward ${r.freeDimsMedianMs.toFixed(1)} ms (free dims, as the engine runs it) vs ${r.pinnedDimsMedianMs.toFixed(1)} ms (all dims pinned: ${r.pinnedOverFree.toFixed(2)}×)`);
}
const prof = (result.profile = profile());
console.log(`profile (1 thread): forward ${prof.profiledRunMs.toFixed(1)} ms under the profiler, ${prof.nodesExecuted} nodes; MatMul ${(prof.matmul.share * 100).toFixed(0)} % of kernel time at ${prof.matmul.gflopPerS.toFixed(1)} GFLOP/s (${prof.matmul.gflop.toFixed(2)} GFLOP)`);
for (const [op, o] of Object.entries(prof.byOp).slice(0, 10)) console.log(`  ${op.padEnd(22)} ${o.ms.toFixed(2).padStart(7)} ms  ${String(o.nodes).padStart(4)} nodes  ${(o.share * 100).toFixed(1)} %`);
result.loadavgBefore = load0;
result.loadavgAfter = loadavg();
mkdirSync('docs/benchmarks', { recursive: true });
writeFileSync(v.out, `${JSON.stringify(result, null, 1)}\n`);
console.log(`\nsaved ${v.out}`);
