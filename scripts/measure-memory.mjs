#!/usr/bin/env node
// `node scripts/measure-memory.mjs [--sizes 64,128,256] [--frames 17] [--out FILE]`
// Checks the memory plan (src/models/memory-plan.ts) against measurement on the bundled model: each case runs in its
// own Node process on onnxruntime-node (the same ONNX graphs as the browser's ORT wasm; 1 thread, default arena) and
// reports resident memory from /proc/self/status — VmRSS after creating the session (weights) and the VmHWM peak
// after running it (activations = peak − after-load), next to the plan's weight and activation bytes.
// Cases: the VAE decode (vae_decoder_chunk.onnx over every causal chunk of a random latent) and the DiT (dit.onnx,
// one CFG-batched forward) at each size. Native ORT is not ORT wasm: the point is whether the plan's activation
// model scales like the real graphs, not the browser's exact bytes (those are in docs/BENCHMARKS.md's e2e rows).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const DIR = 'public/models/osp-v13-tiny';
const status = () => Object.fromEntries(readFileSync('/proc/self/status', 'utf8').split('\n').filter((l) => l.startsWith('Vm')).map((l) => [l.split(':')[0], Number(/(\d+)/.exec(l)[1]) * 1024]));

async function child(kind, size, frames) {
  const ort = await import('onnxruntime-node');
  const { createServer, createServerModuleRunner } = await import('vite');
  const server = await createServer({ configFile: false, logLevel: 'error', server: { middlewareMode: true, hmr: false }, appType: 'custom' });
  const runner = createServerModuleRunner(server.environments.ssr, { hmr: false });
  const vs = await runner.import('/src/engine/vae-stream.ts');
  const { ditFeeds } = await runner.import('/bench/dit-feeds.ts');
  await server.close();
  const opts = { intraOpNumThreads: 1, interOpNumThreads: 1 };
  const lat = [1, 8, 1 + (frames - 1) / 4, size / 8, size / 8];
  const rand = (n) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 0.8);
  global.gc?.();
  const before = status().VmRSS;
  let after;
  if (kind === 'vae') {
    const s = await ort.InferenceSession.create(`${DIR}/vae_decoder_chunk.onnx`, opts);
    after = status().VmRSS;
    const sched = vs.parseChunkSchedule(JSON.parse(readFileSync(`${DIR}/vae_decoder_chunk.json`, 'utf8')));
    const r = vs.ortChunkRunner(s, (d, dims) => new ort.Tensor('float32', d, dims), sched);
    for await (const _ of vs.streamDecode(r, { data: rand(lat.reduce((a, b) => a * b, 1)), dims: lat })) { /* frames dropped */ }
  } else {
    const s = await ort.InferenceSession.create(`${DIR}/dit.onnx`, opts);
    after = status().VmRSS;
    const feeds = Object.fromEntries(ditFeeds(s.inputNames, lat, 192).map(([k, d, dims]) => [k, new ort.Tensor('float32', d, dims)]));
    await s.run(feeds);
  }
  const st = status();
  process.stdout.write(JSON.stringify({ before, afterLoad: after, peak: st.VmHWM }));
}

const { values: v } = parseArgs({ options: { child: { type: 'string' }, size: { type: 'string' }, frames: { type: 'string', default: '17' }, sizes: { type: 'string', default: '64,128,256' }, out: { type: 'string', default: 'docs/benchmarks/memory-plan-validation.json' } } });
if (v.child) {
  await child(v.child, Number(v.size), Number(v.frames));
  process.exit(0);
}
const { createServer, createServerModuleRunner } = await import('vite');
const server = await createServer({ configFile: false, logLevel: 'error', server: { middlewareMode: true, hmr: false }, appType: 'custom' });
const runner = createServerModuleRunner(server.environments.ssr, { hmr: false });
const { planMemory, formatBytes } = await runner.import('/src/models/memory-plan.ts');
const { parseManifest } = await runner.import('/src/models/manifest.ts');
await server.close();
const manifest = parseManifest(JSON.parse(readFileSync(`${DIR}/manifest.json`, 'utf8')));
const frames = Number(v.frames);
const rows = [];
for (const size of v.sizes.split(',').map(Number)) {
  const plan = planMemory(manifest, { width: size, height: size, frames }, { backend: 'wasm' });
  for (const kind of ['vae', 'dit']) {
    const m = JSON.parse(execFileSync(process.execPath, ['--expose-gc', process.argv[1], '--child', kind, '--size', String(size), '--frames', String(frames)], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } }));
    const c = plan.components.find((x) => x.name === (kind === 'vae' ? 'VAE decode' : 'DiT'));
    const row = {
      case: `${kind} ${size}²×${frames}`,
      measuredLoadBytes: m.afterLoad - m.before,
      measuredActivationBytes: m.peak - m.afterLoad,
      planWeightBytes: c.weightBytes,
      planActivationBytes: c.activationBytes,
    };
    rows.push(row);
    console.log(`${row.case.padEnd(14)} load ${formatBytes(row.measuredLoadBytes).padStart(10)} (plan weights ${formatBytes(row.planWeightBytes)})   peak−load ${formatBytes(row.measuredActivationBytes).padStart(10)} (plan activations ${formatBytes(row.planActivationBytes)}, ratio measured/plan ${(row.measuredActivationBytes / row.planActivationBytes).toFixed(2)})`);
  }
}
writeFileSync(v.out, `${JSON.stringify({ command: `node scripts/measure-memory.mjs ${process.argv.slice(2).join(' ')}`, date: new Date().toISOString(), runtime: `onnxruntime-node, 1 thread, Node ${process.version}`, rows }, null, 1)}\n`);
console.log(`saved ${v.out}`);
