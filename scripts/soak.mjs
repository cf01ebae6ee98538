#!/usr/bin/env node
// Soak test (`npm run soak`, not part of npm test): many consecutive generations plus cancels in ONE page with the
// real engine worker (e2e/harness/reliability.ts), recording after each: the page's and the worker's JS heap
// (performance.measureUserAgentSpecificMemory, after a forced GC), the engine's live GPU buffers/bytes
// (src/engine/gpu-accounting.ts counts every buffer made on its device, ORT's included) and the number of workers.
// Writes docs/reliability/soak-<backend>.json and docs/reliability/soak.svg (plot: scripts/soak-plot.mjs).
//
//   npm run soak                               # 30 generations + a cancel after every 4th: wasm (dev DiT, 17×64×64, 4 steps) and webgpu (5×32×32, 3 steps)
//   npm run soak -- --backend webgpu --n 30    # one backend, 30 generations (+ a cancel after every 4th)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  },
});
const backends = v.backend === 'both' ? ['wasm', 'webgpu'] : [v.backend];
const requests = {
  // The full-size dev request (engine-dit.spec.ts's t2v_17x64).
  wasm: { prompt: 'a red ball bounces on a green background', negativePrompt: 'dark blurry static', seed: 1234, steps: 4, cfgScale: 4.5, frames: 17, width: 64, height: 64, fps: 8, previewEvery: 1 },
  // SwiftShader WebGPU is slow: the small shape of the WebGPU e2e.
  webgpu: { prompt: 'a small cat sits on the grass', negativePrompt: '', seed: 7, steps: 3, cfgScale: 4.5, frames: 5, width: 32, height: 32, fps: 8, previewEvery: 1 },
};

/** Page/worker JS bytes from measureUserAgentSpecificMemory (needs cross-origin isolation; eager with the flag). */
async function measure(page) {
  return page.evaluate(async () => {
    const m = await performance.measureUserAgentSpecificMemory();
    let pageBytes = 0;
    let workerBytes = 0;
    for (const b of m.breakdown) {
      const scopes = b.attribution.map((a) => a.scope);
      if (scopes.some((s) => /Worker/.test(s))) workerBytes += b.bytes;
      else if (b.bytes) pageBytes += b.bytes;
    }
    return { total: m.bytes, pageBytes, workerBytes };
  });
}

async function runBackend(browser, url, manifest, backend) {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  await page.goto(`${url}/e2e/harness.html`);
  const H = '/e2e/harness/reliability.ts';
  const call = (fn, arg) => page.evaluate(async ({ H, fn, arg }) => (await import(/* @vite-ignore */ H))[fn](arg), { H, fn, arg });
  if (!(await page.evaluate(() => crossOriginIsolated))) throw new Error('the harness page is not cross-origin isolated: measureUserAgentSpecificMemory needs it');
  const t0 = Date.now();
  const loaded = await call('soakLoad', { manifest, base: '/', backend });
  console.log(`${backend}: loaded (${JSON.stringify(loaded.load)}), ${loaded.diag.gpu.liveBuffers} GPU buffers`);
  const n = Number(v.n);
  const every = Number(v['cancel-every']);
  const plan = [];
  for (let i = 0; i < n; i++) {
    plan.push('generate');
    if (every > 0 && (i + 1) % every === 0) plan.push('cancel');
  }
  const mem0 = await measure(page);
  const samples = [{ i: -1, kind: 'load', ok: true, ms: Date.now() - t0, gpu: loaded.diag.gpu, mem: mem0, workers: page.workers().length }];
  for (let i = 0; i < plan.length; i++) {
    const s = await call('soakStep', { i, kind: plan[i], request: requests[backend] });
    const mem = await measure(page);
    const row = { i, kind: s.kind, ok: s.ok, ms: Math.round(s.ms), error: s.error, gpu: s.diag.gpu, mem, workers: page.workers().length, devices: s.diag.devicesAcquired };
    samples.push(row);
    console.log(`${backend} #${i} ${s.kind.padEnd(8)} ${s.ok ? 'ok ' : 'BAD'} ${String(row.ms).padStart(6)} ms  page ${(mem.pageBytes / 1e6).toFixed(1)} MB  worker ${(mem.workerBytes / 1e6).toFixed(1)} MB  GPU ${s.diag.gpu.liveBuffers} buffers ${(s.diag.gpu.liveBytes / 1e6).toFixed(2)} MB  workers ${row.workers}${s.error ? `  ${s.error}` : ''}`);
  }
  await call('soakEnd');
  await page.close();
  const gens = samples.filter((s) => s.kind !== 'load');
  return {
    backend,
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
  mkdirSync(v.out, { recursive: true });
  const results = [];
  if (v['plot-only']) {
    for (const b of backends) results.push(JSON.parse(readFileSync(`${v.out}/soak-${b}.json`, 'utf8')));
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
        writeFileSync(`${v.out}/soak-${b}.json`, `${JSON.stringify(r, null, 1)}\n`);
        results.push(r);
      }
    } finally {
      await browser.close();
      await server.close();
    }
  }
  writeFileSync(`${v.out}/soak.svg`, soakSvg(results));
  for (const r of results) {
    console.log(`${r.backend}: ${r.generations} generations + ${r.cancels} cancels, ${r.failures} failed, ${r.minutes.toFixed(1)} min; growth warm→end: ${JSON.stringify(r.trend)}`);
  }
  if (results.some((r) => r.failures)) process.exitCode = 1;
}

await main();
