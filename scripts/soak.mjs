#!/usr/bin/env node
// Soak test (`npm run soak`, not part of npm test): many consecutive generations plus cancels in ONE page with the
// real engine worker (e2e/harness/reliability.ts), driven from inside the page (one page.evaluate for the whole
// series, so Playwright adds nothing to the heap it measures), recording after each: the page's and the worker's JS heap
// (performance.measureUserAgentSpecificMemory, after a forced GC), the engine's live GPU buffers/bytes
// (src/engine/gpu-accounting.ts counts every buffer made on its device, ORT's included) and the number of workers.
// Writes docs/reliability/soak-<backend>.json and docs/reliability/soak.svg (plot: scripts/soak-plot.mjs).
//
//   npm run soak                               # 30 generations + a cancel after every 4th: wasm (dev DiT, 17×64×64, 4 steps) and webgpu (5×32×32, 3 steps)
//   npm run soak -- --backend webgpu --n 30    # one backend, 30 generations (+ a cancel after every 4th)
//   npm run soak -- --drive evaluate           # the older driver (one page.evaluate per job), to compare
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { launchChromium, startViteServer } from './headless.mjs';
import { soakSvg, trend } from './soak-plot.mjs';

// No HMR / file watching (vite.config.ts): an edit in the tree must not reload the page mid-soak.
process.env.OSP_E2E = '1';

const { values: v } = parseArgs({
  options: {
    backend: { type: 'string', default: 'both' },
    n: { type: 'string', default: '30' },
    'cancel-every': { type: 'string', default: '4' },
    out: { type: 'string', default: 'docs/reliability' },
    'plot-only': { type: 'boolean', default: false },
    // page: the whole series in one page.evaluate (default); evaluate: one page.evaluate per job (the older driver).
    drive: { type: 'string', default: 'page' },
  },
});
if (!['page', 'evaluate'].includes(v.drive)) throw new Error(`--drive page|evaluate, got ${v.drive}`);
const backends = v.backend === 'both' ? ['wasm', 'webgpu'] : [v.backend];
const requests = {
  // The full-size dev request (engine-dit.spec.ts's t2v_17x64).
  wasm: { prompt: 'a red ball bounces on a green background', negativePrompt: 'dark blurry static', seed: 1234, steps: 4, cfgScale: 4.5, frames: 17, width: 64, height: 64, fps: 8, previewEvery: 1 },
  // SwiftShader WebGPU is slow: the small shape of the WebGPU e2e.
  webgpu: { prompt: 'a small cat sits on the grass', negativePrompt: '', seed: 7, steps: 3, cfgScale: 4.5, frames: 5, width: 32, height: 32, fps: 8, previewEvery: 1 },
};

/**
 * Number of workers of the page over time, from Playwright's worker events (node side: reading it costs the page
 * nothing). `at(t)` is the count at a page-side Date.now() (same machine clock).
 */
function workerTimeline(page) {
  const events = [];
  let live = 0;
  page.on('worker', (w) => {
    events.push({ t: Date.now(), n: ++live });
    w.on('close', () => events.push({ t: Date.now(), n: --live }));
  });
  return {
    now: () => live,
    at: (t) => events.filter((e) => e.t <= t).at(-1)?.n ?? 0,
  };
}

/** Runs in the page: the reliability harness module (Vite serves the TS). */
const H = '/e2e/harness/reliability.ts';

async function runBackend(browser, url, manifest, backend) {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  const workers = workerTimeline(page);
  await page.goto(`${url}/e2e/harness.html`);
  if (!(await page.evaluate(() => crossOriginIsolated))) throw new Error('the harness page is not cross-origin isolated: measureUserAgentSpecificMemory needs it');
  const n = Number(v.n);
  const every = Number(v['cancel-every']);
  const plan = [];
  for (let i = 0; i < n; i++) {
    plan.push('generate');
    if (every > 0 && (i + 1) % every === 0) plan.push('cancel');
  }
  const t0 = Date.now();
  const arg = { manifest, base: '/', backend, plan, request: requests[backend] };
  let loaded;
  let steps;
  if (v.drive === 'page') {
    // One evaluate for the whole series; node only prints a heartbeat meanwhile.
    const beat = setInterval(() => console.log(`${backend}: running in the page, ${((Date.now() - t0) / 1000).toFixed(0)} s, ${workers.now()} worker(s)`), 30000);
    try {
      ({ loaded, samples: steps } = await page.evaluate(async ({ H, arg }) => (await import(/* @vite-ignore */ H)).soakRun(arg), { H, arg }));
    } finally {
      clearInterval(beat);
    }
  } else {
    // The older driver: one evaluate (+ dynamic import) per job.
    const call = (fn, a) => page.evaluate(async ({ H, fn, a }) => (await import(/* @vite-ignore */ H))[fn](a), { H, fn, a });
    loaded = await call('soakLoad', arg);
    steps = [];
    for (let i = 0; i < plan.length; i++) steps.push(await call('soakStep', { i, kind: plan[i], request: arg.request }));
    await call('soakEnd');
  }
  await page.close();
  console.log(`${backend}: loaded in ${(loaded.ms / 1000).toFixed(1)} s (${JSON.stringify(loaded.load)}), ${loaded.diag.gpu.liveBuffers} GPU buffers`);
  const samples = [{ i: -1, kind: 'load', ok: true, ms: Math.round(loaded.ms), gpu: loaded.diag.gpu, mem: loaded.mem, workers: workers.at(loaded.t) }];
  for (const s of steps) {
    const row = { i: s.i, kind: s.kind, ok: s.ok, ms: Math.round(s.ms), error: s.error, gpu: s.gpu, mem: s.mem, workers: workers.at(s.t), devices: s.devices };
    samples.push(row);
    const { mem, gpu } = row;
    console.log(`${backend} #${s.i} ${s.kind.padEnd(8)} ${s.ok ? 'ok ' : 'BAD'} ${String(row.ms).padStart(6)} ms  page ${(mem.pageBytes / 1e6).toFixed(4)} MB  worker ${(mem.workerBytes / 1e6).toFixed(2)} MB  GPU ${gpu.liveBuffers} buffers ${(gpu.liveBytes / 1e6).toFixed(2)} MB  workers ${row.workers}${s.error ? `  ${s.error}` : ''}`);
  }
  const gens = samples.filter((s) => s.kind !== 'load');
  return {
    backend,
    drive: v.drive,
    request: requests[backend],
    load: loaded.load,
    generations: gens.filter((s) => s.kind === 'generate').length,
    cancels: gens.filter((s) => s.kind === 'cancel').length,
    failures: gens.filter((s) => !s.ok).length,
    minutes: (Date.now() - t0) / 60000,
    trend: trend(samples),
    samples,
  };
}

async function main() {
  // The older driver's figures go beside the main ones (soak-wasm-evaluate.json, soak-evaluate.svg).
  const suffix = v.drive === 'page' ? '' : `-${v.drive}`;
  mkdirSync(v.out, { recursive: true });
  const results = [];
  if (v['plot-only']) {
    for (const b of backends) results.push(JSON.parse(readFileSync(`${v.out}/soak-${b}${suffix}.json`, 'utf8')));
  } else {
    const { server, url } = await startViteServer();
    // Eager memory measurement (otherwise it waits for the next GC, up to 20 s) and a precise, GC'd heap.
    const browser = await launchChromium(['--enable-blink-features=ForceEagerMeasureMemory', '--js-flags=--expose-gc', '--enable-precise-memory-info']);
    try {
      const { buildDevDitManifest } = await server.ssrLoadModule('/src/models/dev-manifest.ts');
      const manifest = buildDevDitManifest({ fitPreviewFrom: 'training/fixtures/vae' });
      for (const b of backends) {
        const r = await runBackend(browser, url, manifest, b);
        r.date = new Date().toISOString();
        r.chromium = browser.version();
        writeFileSync(`${v.out}/soak-${b}${suffix}.json`, `${JSON.stringify(r, null, 1)}\n`);
        results.push(r);
      }
    } finally {
      await browser.close();
      await server.close();
    }
  }
  // The plot shows every backend with a series on disk (a one-backend run keeps the other's row).
  const plotted = ['wasm', 'webgpu'].map((b) => results.find((r) => r.backend === b) ?? (existsSync(`${v.out}/soak-${b}${suffix}.json`) ? JSON.parse(readFileSync(`${v.out}/soak-${b}${suffix}.json`, 'utf8')) : null));
  writeFileSync(`${v.out}/soak${suffix}.svg`, soakSvg(plotted.filter(Boolean)));
  for (const r of results) {
    console.log(`${r.backend}: ${r.generations} generations + ${r.cancels} cancels, ${r.failures} failed, ${r.minutes.toFixed(1)} min`);
    for (const [k, t] of Object.entries(r.trend)) console.log(`  ${k.padEnd(10)} warm ${t.warm} → end ${t.end} (max ${t.max}); slope ${t.slope.perJob} ± ${t.slope.stderr} per job, last half ${t.lastHalf.perJob} ± ${t.lastHalf.stderr}; noise sd ${t.noiseSd}`);
  }
  if (results.some((r) => r.failures)) process.exitCode = 1;
}

await main();
