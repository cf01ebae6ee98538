// Renders the real-GPU kernel results (docs/benchmarks/gpu-*.json: ours = bench/node-gpu-bench.ts, torch =
// bench/gpu_baseline.py, from one device run) as the tables of docs/BENCHMARKS.md and rewrites the section between
// <!-- gpu:NAME:begin --> and <!-- gpu:NAME:end --> (inserted before <!-- gpu:insert --> the first time).
//   node bench/report-gpu.mjs docs/benchmarks/gpu-h200-2026-11-26.json
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

const file = process.argv[2];
if (!file) throw new Error('usage: node bench/report-gpu.mjs docs/benchmarks/gpu-NAME.json');
const { machine, ours, torch } = JSON.parse(readFileSync(file, 'utf8'));
const name = basename(file, '.json');
const f = (x, d = 3) => (x == null ? '—' : x >= 100 ? x.toFixed(1) : x.toFixed(d));
const ratio = (a, b) => `**${a / b < 0.1 ? (a / b).toPrecision(2) : (a / b).toFixed(2)}×**`;
const oursMs = (r) => r.gpuMs ?? r.wallMsPerIter;

const lines = [];
const a = ours.adapter;
lines.push(`#### ${torch.device}: Dawn ${a.backend} (\`${a.description}\`) vs PyTorch ${torch.torch} — ${ours.date.slice(0, 10)}; raw: \`docs/benchmarks/${name}.json\``);
lines.push('');
lines.push(`Machine: ${machine}. Ours: Node ${ours.node}, npm \`webgpu\` (Dawn), flags \`${ours.flags.join(' ')}\`, ` +
  `device features ${a.features.join(', ')} (shader-f16, subgroups and timestamp-query are requested where the adapter has them); ${ours.timestamps ? 'GPU timestamp queries around each compute pass (median)' : 'wall clock'}. ` +
  'PyTorch: CUDA events around each call (median), after warm-up; fp32 with TF32 off.');
lines.push('');
lines.push(`Correctness before timing: ${ours.checks.length} small-shape checks vs the CPU references, worst max|diff| ` +
  `${Math.max(...ours.checks.map((c) => c.maxAbs)).toExponential(1)}; ours vs PyTorch (fp64, upstream regroup) at the ` +
  `timed shape ${torch.checks.filter((c) => c.what.startsWith('ours')).map((c) => c.maxAbs.toExponential(1)).join(' / ')} ` +
  '(single / group / dense).');
lines.push('');
lines.push('Skiparse attention (batch 1, k = 4). PyTorch = upstream `_sparse_1d` (pad → regroup → SDPA with the padding ' +
  'bias → inverse regroup → crop; dense: SDPA on [B, heads, N, D]). Ratio = PyTorch fp32 ms / ours ms (< 1: ours slower):');
lines.push('');
lines.push('| tokens | heads×dim | mode | ours fp32 ms | ours TFLOP/s | PyTorch fp32 ms | PyTorch bf16 ms | fp32 PyTorch/ours | bf16 PyTorch/ours |');
lines.push('|---|---|---|---|---|---|---|---|---|');
const t = (r, dtype) => torch.attention.find((x) => x.tokens === r.tokens && x.heads === r.heads && x.headDim === r.headDim && x.mode === r.mode && x.dtype === dtype);
for (const r of ours.attention) {
  if (r.skipped) { lines.push(`| ${r.tokens} | ${r.heads}×${r.headDim} | — | skipped: ${r.skipped} | | | | | |`); continue; }
  const p32 = t(r, 'float32');
  const p16 = t(r, 'bfloat16');
  const m = oursMs(r);
  lines.push(`| ${r.tokens} | ${r.heads}×${r.headDim} | ${r.mode}${r.kernel ? ` (${r.kernel})` : ''} | ${f(m)} | ${r.tflops.toFixed(2)} | ${f(p32?.ms)}${p32?.masked ? ' (mask)' : ''} | ` +
    `${f(p16?.ms)} | ${p32 ? ratio(p32.ms, m) : '—'} | ${p16 ? ratio(p16.ms, m) : '—'} |`);
}
lines.push('');
lines.push('Skiparse speed-up over dense (same implementation; ideal k = 4):');
lines.push('');
lines.push('| tokens | heads×dim | ours dense/single | ours dense/group | PyTorch fp32 dense/single | dense/group | PyTorch bf16 dense/single | dense/group |');
lines.push('|---|---|---|---|---|---|---|---|');
const keyOf = (r) => `${r.tokens}|${r.heads}|${r.headDim}|${r.kernel ?? ''}`; // one line per kernel (node-gpu-bench times both)
for (const key of [...new Set(ours.attention.filter((r) => !r.skipped).map(keyOf))]) {
  const rows = ours.attention.filter((r) => keyOf(r) === key);
  const o = Object.fromEntries(rows.map((r) => [r.mode, oursMs(r)]));
  const p = (dtype) => Object.fromEntries(rows.map((r) => [r.mode, t(r, dtype)?.ms]));
  const p32 = p('float32');
  const p16 = p('bfloat16');
  const s = (d, x) => (d && x ? `${(d / x).toFixed(2)}×` : '—');
  lines.push(`| ${rows[0].tokens} | ${rows[0].heads}×${rows[0].headDim}${rows[0].kernel ? ` (${rows[0].kernel})` : ''} | ${s(o.dense, o.single)} | ${s(o.dense, o.group)} | ` +
    `${s(p32.dense, p32.single)} | ${s(p32.dense, p32.group)} | ${s(p16.dense, p16.single)} | ${s(p16.dense, p16.group)} |`);
}
lines.push('');
if (ours.tiledSweep?.length) {
  lines.push('Tiled kernel, tile geometries (QT query rows, TR×TC invocations, KT keys per tile; each checked against the default geometry first):');
  lines.push('');
  lines.push('| tokens | heads×dim | mode | QT | TR×TC | KT | workgroup bytes | ms | TFLOP/s |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const r of ours.tiledSweep) {
    lines.push(`| ${r.tokens} | ${r.heads}×${r.headDim} | ${r.mode} | ${r.tile.queryTile} | ${r.tile.threadRows}×${r.tile.threadCols} | ` +
      `${r.tile.keyTile} | ${r.tile.workgroupStorageBytes} | ${f(oursMs(r))} | ${r.tflops.toFixed(2)} |`);
  }
  lines.push('');
}
lines.push('Haar wavelets (fp32). PyTorch upstream = WF-VAE (one Conv3d/Conv2d or conv_transpose per subband on [B·C, 1, …], ' +
  'causal replicate pad, cat / sum); fused = one conv with all subbands as output channels (+ the layout transposes). ' +
  'GB/s counts bytes read + written once; copy = our copy.wgsl moving the same bytes, on the same device:');
lines.push('');
lines.push('| op | input | ours ms | ours GB/s | % of copy | PyTorch upstream ms | PyTorch fused ms | upstream/ours | best PyTorch/ours |');
lines.push('|---|---|---|---|---|---|---|---|---|');
for (const r of ours.haar) {
  const p = torch.haar.find((x) => x.op === r.op && JSON.stringify(x.input) === JSON.stringify(r.input));
  const m = oursMs(r);
  const best = p ? Math.min(p.upstream.ms, p.fused.ms) : null;
  lines.push(`| ${r.op} | [${r.input.join(',')}] | ${f(m, 4)} | ${r.gbps.toFixed(0)} | ${((100 * r.gbps) / r.copyGbps).toFixed(0)}% | ` +
    `${f(p?.upstream.ms, 4)} | ${f(p?.fused.ms, 4)} | ${p ? ratio(p.upstream.ms, m) : '—'} | ${p ? ratio(best, m) : '—'} |`);
}
const copies = torch.haar.filter((x) => x.op === 'copy');
if (copies.length) {
  lines.push('');
  lines.push(`PyTorch's own device-to-device copy of the same bytes: ${copies.map((c) => `${c.gbps.toFixed(0)} GB/s ([${c.input.join(',')}])`).join(', ')}.`);
}

const md = 'docs/BENCHMARKS.md';
let doc = readFileSync(md, 'utf8');
const begin = `<!-- gpu:${name}:begin -->`;
const end = `<!-- gpu:${name}:end -->`;
const block = `${begin}\n${lines.join('\n')}\n${end}`;
if (doc.includes(begin)) doc = doc.slice(0, doc.indexOf(begin)) + block + doc.slice(doc.indexOf(end) + end.length);
else if (doc.includes('<!-- gpu:insert -->')) doc = doc.replace('<!-- gpu:insert -->', `${block}\n\n<!-- gpu:insert -->`);
else throw new Error(`${md} has neither ${begin} nor <!-- gpu:insert -->`);
writeFileSync(md, doc);
console.log(`rewrote ${begin} in ${md}`);
