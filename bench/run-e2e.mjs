#!/usr/bin/env node
// `npm run bench:e2e [-- --model bundled|dev --threads N --steps N --cfg X --frames N --size N --runs N --warmup N
//   --backend wasm|webgpu]`
// One generation, side by side on this machine: headless Chromium through the real engine worker (bench/e2e-page.ts:
// text → denoise with CFG → streaming VAE decode → MP4) vs the PyTorch reference sampler (bench/e2e_pytorch.py:
// training/sample.py's path) on the same weights/request/seed, torch threads = the browser's ORT wasm threads.
// Model: the bundled release public/models/osp-v13-tiny at its manifest defaults (--model dev: the dev DiT, random
// weights at toy width, 10 steps). --threads N forces ORT's wasm thread count (and torch's) instead of the engine's
// wasmThreadCount(); such a run is saved under its own slug (…-Nthreads) so it does not replace the default one; so is
// a --size other than the model's default (…-<size>px).
// Saves docs/benchmarks/e2e-<slug>.json and refreshes the e2e section of docs/BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { launchChromium, startViteServer } from '../scripts/headless.mjs';
import { renderE2eTable } from './report-e2e.mjs';

const { values: v } = parseArgs({
  options: {
    model: { type: 'string', default: 'bundled' },
    threads: { type: 'string' },
    steps: { type: 'string' },
    cfg: { type: 'string' },
    frames: { type: 'string' },
    size: { type: 'string' },
    seed: { type: 'string', default: '1234' },
    prompt: { type: 'string' },
    negative: { type: 'string' },
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
const fail = (msg) => {
  console.error(`bench:e2e: ${msg}`);
  process.exit(2);
};

if (!['bundled', 'dev'].includes(v.model)) fail(`--model must be bundled or dev, not "${v.model}"`);
if (!['wasm', 'webgpu'].includes(v.backend)) fail(`--backend must be wasm or webgpu, not "${v.backend}"`);
const forcedThreads = v.threads === undefined ? undefined : Number(v.threads);
if (forcedThreads !== undefined && !(Number.isInteger(forcedThreads) && forcedThreads >= 1 && forcedThreads <= 64)) fail(`--threads must be an integer 1..64, not "${v.threads}"`);
const BUNDLED_DIR = 'public/models/osp-v13-tiny';
const bundled = v.model === 'bundled';
if (bundled && !existsSync(`${BUNDLED_DIR}/manifest.json`)) fail(`${BUNDLED_DIR}/manifest.json is missing (use --model dev)`);
const bundledManifest = bundled ? JSON.parse(readFileSync(`${BUNDLED_DIR}/manifest.json`, 'utf8')) : null;
// Request defaults: the bundled model's manifest defaults; the dev model keeps the earlier bench's (10 steps).
const d = bundled
  ? { ...bundledManifest.defaults, prompt: 'a big red circle moves right on a blue background' }
  : { steps: 10, cfgScale: 4.5, frames: 17, width: 64, height: 64, fps: 8, negativePrompt: 'dark blurry static', prompt: 'a red ball bounces on a green background' };
const size = v.size === undefined ? null : Number(v.size);
const request = { prompt: v.prompt ?? d.prompt, negativePrompt: v.negative ?? d.negativePrompt, seed: Number(v.seed), steps: Number(v.steps ?? d.steps),
  cfgScale: Number(v.cfg ?? d.cfgScale), frames: Number(v.frames ?? d.frames), width: size ?? d.width, height: size ?? d.height, fps: d.fps, previewEvery: 0 };
if (request.width !== request.height) fail('the PyTorch side takes one --size: the request must be square');
// A size the bundled model was not trained at (its manifest limits.sizes) is refused by the engine's validation, as
// the app must; the bench may still time it: the same weights through an inline copy of the manifest that lists it.
const untrainedSize = bundled && !bundledManifest.limits.sizes.some((z) => z.width === request.width && z.height === request.height);
const ditDir = bundled ? BUNDLED_DIR : 'training/fixtures/dit/dev';
const modelNote = bundled
  ? `bundled ${bundledManifest.id} (${BUNDLED_DIR}: trained inpaint DiT, text-to-video with the all-masked condition${bundledManifest.vae.latentNorm ? ', per-channel latent norm' : ''}; PyTorch rebuilt from the same dit.weights) + its WF-VAE`
  : 'dev DiT (training/fixtures/dit/dev: real architecture at toy width, random weights) + trained WF-VAE (public/models/osp-v13-tiny)';
const modelNoteFull = untrainedSize ? `${modelNote}; ${request.width}×${request.height} is not a size it was trained at (manifest limits.sizes): timing only, through an inline manifest that lists it` : modelNote;
console.log(`model: ${modelNoteFull}`);
const slug = `${v.backend}-${cpus().length}cpu${forcedThreads ? `-${forcedThreads}thread${forcedThreads > 1 ? 's' : ''}` : ''}${bundled ? '' : '-dev'}${size !== null && size !== d.width ? `-${size}px` : ''}`;
/** Training processes sharing the CPU (torchrun / mp.spawn workers): recorded, since they dominate the noise here. */
function cpuSharers() {
  let pids = [];
  try {
    pids = execFileSync('pgrep', ['-f', 'multiprocessing.spawn|training\\.train_'], { encoding: 'utf8' }).trim().split(/\s+/);
  } catch {
    return '0'; // pgrep exits 1 when nothing matches
  }
  // A job paused with SIGSTOP (state T in /proc/<pid>/stat) holds memory but no CPU: not a sharer.
  const running = pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'T';
    } catch {
      return false; // exited meanwhile
    }
  });
  const paused = pids.length - running.length;
  return paused ? `${running.length} (${paused} paused)` : String(running.length);
}

/** The same DiT graph (dit.onnx, the one the wasm worker runs) on native ORT CPU (onnxruntime-node), same threads and
 * CFG batch of 2: separates "ORT wasm vs ORT native" from "ORT vs PyTorch". Median of 20 forwards after 3 warm-ups. */
async function ortNodeDit(ditFeeds, threads, latentShape, textWidth) {
  const ort = await import('onnxruntime-node');
  const s = await ort.InferenceSession.create(`${ditDir}/dit.onnx`, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const feeds = Object.fromEntries(ditFeeds(s.inputNames, latentShape, textWidth).map(([k, data, dims]) => [k, new ort.Tensor('float32', data, dims)]));
  const times = [];
  for (let i = 0; i < 23; i++) {
    const t0 = performance.now();
    await s.run(feeds);
    if (i >= 3) times.push(performance.now() - t0);
  }
  await s.release?.();
  return { graph: `${ditDir}/dit.onnx`, threads, batch: 2, forwardMedianMs: median(times) };
}

const load0 = loadavg();
const sharersBefore = cpuSharers();

const { server, url } = await startViteServer();
const browser = await launchChromium();
let exitCode = 0;
try {
  const { ditFeeds } = await server.ssrLoadModule('/bench/dit-feeds.ts');
  // Bundled: the engine downloads and verifies the release by id, like the app. Dev: the manifest built as in
  // e2e/engine-dit.spec.ts.
  const manifest = bundled ? bundledManifest : (await server.ssrLoadModule('/src/models/dev-manifest.ts')).buildDevDitManifest({ fitPreviewFrom: 'training/fixtures/vae' });
  const textWidth = manifest.textEncoder.width;
  const page = await browser.newPage();
  page.on('console', (m) => console.log(`[page] ${m.text()}`));
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  await page.goto(`${url}/bench/e2e.html`);
  await page.waitForFunction(() => typeof window.e2eRun === 'function', null, { timeout: 120_000 });
  console.log(`browser: ${v.warmup} warm-up + ${v.runs} runs on ${v.backend}…`);
  const bundledSource = untrainedSize
    ? { manifest: { ...bundledManifest, limits: { ...bundledManifest.limits, sizes: [...bundledManifest.limits.sizes, { width: request.width, height: request.height }] } }, baseUrl: `/models/${bundledManifest.id}/` }
    : bundledManifest.id;
  const job = { model: bundled ? bundledSource : { manifest, baseUrl: '/' }, backend: v.backend, request, runs: Number(v.runs), warmup: Number(v.warmup), wasmThreads: forcedThreads };
  const b = await Promise.race([
    page.evaluate((j) => window.e2eRun(j), job),
    new Promise((_, reject) => setTimeout(() => reject(new Error(`browser timed out after ${v['timeout-min']} min`)), Number(v['timeout-min']) * 60_000)),
  ]);
  const threads = b.wasmThreads;
  const ortWeb = v.backend === 'wasm'
    ? await page.evaluate((o) => window.e2eOrtWebDit(o), { dir: `/${ditDir}`, latentShape: [1, 8, 1 + (request.frames - 1) / 4, request.height / 8, request.width / 8], textWidth, wasmThreads: forcedThreads })
      .catch((e) => ({ error: String(e?.message ?? e) }))
    : null;
  console.log(`browser: backend ${b.backend} (DiT ${b.ditBackend}), ORT wasm threads ${threads}; PyTorch with torch.set_num_threads(${threads})…`);
  const py = JSON.parse(execFileSync('/usr/bin/python3', ['bench/e2e_pytorch.py', '--model', v.model, '--model-dir', BUNDLED_DIR, '--threads', String(threads),
    '--steps', String(request.steps), '--cfg', String(request.cfgScale), '--frames', String(request.frames), '--size', String(request.width), '--seed', String(request.seed),
    '--prompt', request.prompt, '--negative', request.negativePrompt, '--runs', v.runs, '--warmup', v.warmup],
  { encoding: 'utf8', env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' }, maxBuffer: 64 << 20 }));
  const ortNode = await ortNodeDit(ditFeeds, threads, py.latentShape, textWidth).catch((e) => ({ error: String(e?.message ?? e) }));
  const load1 = loadavg();
  const bm = medians(b.runs);
  const pm = { ...medians(py.runs), ditMeanMs: median(py.runs.map((r) => r.ditMeanMs)) };
  const ratio = Object.fromEntries(STAGES.map((k) => [k, bm[k] / pm[k]]));
  if (b.backend !== v.backend) throw new Error(`asked for ${v.backend}, the engine chose ${b.backend}`);
  if (forcedThreads && threads !== forcedThreads) throw new Error(`--threads ${forcedThreads}, but ORT runs ${threads}`);
  const sharersAfter = cpuSharers();
  const result = {
    command,
    date: new Date().toISOString(),
    model: modelNoteFull,
    modelInfo: py.model,
    threadsForced: forcedThreads ?? null,
    request,
    latentShape: py.latentShape,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, loadavgBefore: load0, loadavgAfter: load1, trainingProcessesBefore: sharersBefore, trainingProcessesAfter: sharersAfter,
      note: !sharersBefore.startsWith('0') || !sharersAfter.startsWith('0') ? `CPU shared with a training job (${sharersBefore} → ${sharersAfter} running processes)` : sharersBefore === '0' ? 'no training job running' : `no training job running (${sharersBefore.replace(/^0 \(|\)$/g, '')}: SIGSTOP)` },
    browser: { backend: b.backend, ditBackend: b.ditBackend, wasmThreads: threads, crossOriginIsolated: b.crossOriginIsolated, userAgent: b.userAgent, gpuAdapter: b.gpuAdapter,
      loadMs: b.loadMs, memory: b.memory, median: bm, runs: b.runs, meta: b.meta },
    // Main-thread ORT wasm timing of dit.onnx: kept for reference, consistently slower than the same graph inside the
    // engine worker (see the per-step numbers), so not in the table.
    ortWebDit: ortWeb,
    ortNativeDit: ortNode,
    pytorch: { threads: py.threads, torch: py.torch, unknownWords: py.unknownWords, loadMs: py.loadMs, peakRssBytes: py.peakRssBytes, median: pm, runs: py.runs },
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
