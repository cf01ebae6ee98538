#!/usr/bin/env node
// `npm run bench:e2e [-- --steps N --cfg X --frames N --size N --runs N --warmup N --backend wasm|webgpu]`
// One generation, side by side on this machine: headless Chromium through the real engine worker (bench/e2e-page.ts:
// text → denoise with CFG → streaming VAE decode → MP4) vs the PyTorch reference sampler (bench/e2e_pytorch.py:
// training/sample.py's path) on the same weights/request, torch threads = the browser's ORT wasm threads.
// Saves docs/benchmarks/e2e-<slug>.json and refreshes the e2e section of docs/BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { launchChromium, startViteServer } from '../scripts/headless.mjs';
import { renderE2eTable } from './report-e2e.mjs';

const { values: v } = parseArgs({
  options: {
    steps: { type: 'string', default: '10' },
    cfg: { type: 'string', default: '4.5' },
    frames: { type: 'string', default: '17' },
    size: { type: 'string', default: '64' },
    seed: { type: 'string', default: '1234' },
    prompt: { type: 'string', default: 'a red ball bounces on a green background' },
    negative: { type: 'string', default: 'dark blurry static' },
    runs: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    backend: { type: 'string', default: 'wasm' },
    'no-doc': { type: 'boolean', default: false },
    'timeout-min': { type: 'string', default: '30' },
  },
});
const argv = process.argv.slice(2);
const command = `npm run bench:e2e${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return Number.NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const STAGES = ['textMs', 'stepMeanMs', 'denoiseMs', 'firstFrameMs', 'decodeMs', 'muxMs', 'decodeMuxMs', 'totalMs'];
const medians = (runs) => Object.fromEntries(STAGES.map((k) => [k, median(runs.map((r) => r[k] ?? r.decodeMs + r.muxMs))]));

// The bundled model's manifest is not shipped yet (only its VAE): the dev DiT (real architecture, toy width, random
// weights; training/fixtures/dit/dev) + the trained VAE, exactly as e2e/engine-dit.spec.ts builds it.
/** The same DiT graph (dit.onnx, the one the wasm worker runs) on native ORT CPU (onnxruntime-node), same threads and
 * CFG batch of 2: separates "ORT wasm vs ORT native" from "ORT vs PyTorch". Median of 20 forwards after 3 warm-ups. */
async function ortNodeDit(threads, latentShape) {
  const ort = await import('onnxruntime-node');
  const dir = 'training/fixtures/dit/dev';
  const s = await ort.InferenceSession.create(`${dir}/dit.onnx`, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const fix = JSON.parse(readFileSync('training/fixtures/dit/index.json', 'utf8')).fixtures.dit.inputs;
  const f32 = (ref) => {
    const b = readFileSync(`training/fixtures/dit/${ref.file}`);
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
  const [, c, t, h, w] = latentShape;
  const n = 2 * c * t * h * w;
  const feeds = {
    latent: new ort.Tensor('float32', Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 0.8), [2, c, t, h, w]),
    timestep: new ort.Tensor('float32', new Float32Array([500, 500]), [2]),
    text_states: new ort.Tensor('float32', f32(fix.text_states), fix.text_states.shape),
    text_mask: new ort.Tensor('float32', f32(fix.text_mask), fix.text_mask.shape),
  };
  const times = [];
  for (let i = 0; i < 23; i++) {
    const t0 = performance.now();
    await s.run(feeds);
    if (i >= 3) times.push(performance.now() - t0);
  }
  await s.release?.();
  return { graph: `${dir}/dit.onnx`, threads, batch: 2, forwardMedianMs: median(times) };
}

const bundled = existsSync('public/models/osp-v13-tiny/manifest.json');
const modelNote = bundled
  ? 'public/models/osp-v13-tiny/manifest.json exists, but the PyTorch side only knows the dev DiT: benchmarking the dev DiT + trained VAE (wire training/sample.py load_release into bench/e2e_pytorch.py for the bundled one)'
  : 'dev DiT (training/fixtures/dit/dev: real architecture at toy width, random weights) + trained WF-VAE (public/models/osp-v13-tiny); no bundled manifest.json yet';
console.log(`model: ${modelNote}`);
const request = { prompt: v.prompt, negativePrompt: v.negative, seed: Number(v.seed), steps: Number(v.steps), cfgScale: Number(v.cfg),
  frames: Number(v.frames), width: Number(v.size), height: Number(v.size), fps: 8, previewEvery: 0 };
const load0 = loadavg();

const { server, url } = await startViteServer();
const browser = await launchChromium();
let exitCode = 0;
try {
  const { buildDevDitManifest } = await server.ssrLoadModule('/src/models/dev-manifest.ts');
  const manifest = buildDevDitManifest({ fitPreviewFrom: 'training/fixtures/vae' });
  const page = await browser.newPage();
  page.on('console', (m) => console.log(`[page] ${m.text()}`));
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  await page.goto(`${url}/bench/e2e.html`);
  await page.waitForFunction(() => typeof window.e2eRun === 'function', null, { timeout: 120_000 });
  console.log(`browser: ${v.warmup} warm-up + ${v.runs} runs on ${v.backend}…`);
  const job = { model: { manifest, baseUrl: '/' }, backend: v.backend, request, runs: Number(v.runs), warmup: Number(v.warmup) };
  const b = await Promise.race([
    page.evaluate((j) => window.e2eRun(j), job),
    new Promise((_, reject) => setTimeout(() => reject(new Error(`browser timed out after ${v['timeout-min']} min`)), Number(v['timeout-min']) * 60_000)),
  ]);
  const threads = b.wasmThreads;
  const ortWeb = v.backend === 'wasm'
    ? await page.evaluate((shape) => window.e2eOrtWebDit(shape), [1, 8, 1 + (request.frames - 1) / 4, request.height / 8, request.width / 8]).catch((e) => ({ error: String(e?.message ?? e) }))
    : null;
  console.log(`browser: backend ${b.backend} (DiT ${b.ditBackend}), ORT wasm threads ${threads}; PyTorch with torch.set_num_threads(${threads})…`);
  const py = JSON.parse(execFileSync('/usr/bin/python3', ['bench/e2e_pytorch.py', '--threads', String(threads), '--steps', v.steps, '--cfg', v.cfg,
    '--frames', v.frames, '--size', v.size, '--seed', v.seed, '--prompt', v.prompt, '--negative', v.negative, '--runs', v.runs, '--warmup', v.warmup],
  { encoding: 'utf8', env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' }, maxBuffer: 64 << 20 }));
  const ortNode = await ortNodeDit(threads, py.latentShape).catch((e) => ({ error: String(e?.message ?? e) }));
  const load1 = loadavg();
  const bm = medians(b.runs);
  const pm = { ...medians(py.runs), ditMeanMs: median(py.runs.map((r) => r.ditMeanMs)) };
  const ratio = Object.fromEntries(STAGES.map((k) => [k, bm[k] / pm[k]]));
  const slug = `${b.backend}-${cpus().length}cpu`;
  const result = {
    command,
    date: new Date().toISOString(),
    model: modelNote,
    request,
    latentShape: py.latentShape,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, loadavgBefore: load0, loadavgAfter: load1, note: 'CPU shared with a VAE training job' },
    browser: { backend: b.backend, ditBackend: b.ditBackend, wasmThreads: threads, crossOriginIsolated: b.crossOriginIsolated, userAgent: b.userAgent, gpuAdapter: b.gpuAdapter,
      loadMs: b.loadMs, memory: b.memory, median: bm, runs: b.runs, meta: b.meta },
    // Main-thread ORT wasm timing of dit.onnx: kept for reference, consistently slower than the same graph inside the
    // engine worker (see the per-step numbers), so not in the table.
    ortWebDit: ortWeb,
    ortNativeDit: ortNode,
    pytorch: { threads: py.threads, torch: py.torch, loadMs: py.loadMs, peakRssBytes: py.peakRssBytes, median: pm, runs: py.runs },
    ratioBrowserOverPyTorch: ratio,
  };
  mkdirSync('docs/benchmarks', { recursive: true });
  const file = `docs/benchmarks/e2e-${slug}.json`;
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  const table = renderE2eTable(result, file);
  console.log(`\n${table}\n`);
  if (!v['no-doc']) {
    const doc = readFileSync('docs/BENCHMARKS.md', 'utf8');
    const begin = `<!-- e2e:${slug}:begin -->`;
    const end = `<!-- e2e:${slug}:end -->`;
    const block = `${begin}\n${table}\n${end}`;
    let updated;
    if (doc.includes(begin)) updated = doc.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), () => block);
    else if (doc.includes('<!-- e2e:insert -->')) updated = doc.replace('<!-- e2e:insert -->', () => `${block}\n\n<!-- e2e:insert -->`);
    else updated = `${doc.trimEnd()}\n\n## End-to-end generation: browser vs PyTorch (\`npm run bench:e2e\`)\n\n${block}\n\n<!-- e2e:insert -->\n`;
    writeFileSync('docs/BENCHMARKS.md', updated);
  }
  console.log(`saved ${file}${v['no-doc'] ? '' : ' and updated docs/BENCHMARKS.md'}`);
} catch (e) {
  console.error(`bench:e2e failed: ${e instanceof Error ? e.message : e}`);
  exitCode = 1;
} finally {
  await browser.close();
  await server.close();
}
process.exit(exitCode);
