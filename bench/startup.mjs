// Start-up benchmark (issue #27 item 4): page open → "ready" on the built site, per stage, for a first visit (fresh
// browser profile: nothing cached) and a cached reload (same profile: IndexedDB model cache, HTTP cache, service
// worker). Builds with `vite build`, serves dist/ with `vite preview` (COOP/COEP like a configured host), and reads
// the stages from the page's own status line (#model-status), so it measures what a user sees, on any version of the
// engine: a MutationObserver installed before the page's scripts records every status text with performance.now()
// (milliseconds since navigation start).
//
//   npm run bench:startup -- [--runs 3] [--backend auto|wasm|webgpu] [--label before] [--no-build]
//
// Prints a table of medians and saves every run to docs/benchmarks/startup-<label>.json.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { chromiumArgs, chromiumPath } from '../scripts/headless.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const runs = Number(arg('runs', '3'));
const backend = arg('backend', 'auto');
const label = arg('label', 'run');
const port = Number(arg('port', '6193'));

/** Which stage a status text belongs to; null: not a load stage (keeps the previous one). */
export function stageOf(text, state) {
  if (state === 'ready' || state === 'limited') return 'ready';
  if (state === 'error' || state === 'missing') return 'error';
  if (/manifest/i.test(text)) return 'manifest';
  if (/verifying/i.test(text)) return 'verify';
  if (/Downloading/i.test(text)) return 'download';
  if (/from this browser's cache/i.test(text)) return 'cache-read';
  if (/Preparing|Creating|Compiling/i.test(text)) return 'sessions';
  return null;
}

/** Stage durations (ms) from the recorded status changes: a stage lasts until the next stage begins. */
export function stageTimes(events) {
  const out = { boot: 0 };
  let cur = 'boot';
  let since = 0;
  for (const e of events) {
    const s = stageOf(e.text, e.state);
    if (!s || s === cur) continue;
    out[cur] = (out[cur] ?? 0) + (e.t - since);
    cur = s;
    since = e.t;
    if (s === 'ready' || s === 'error') break;
  }
  return { ...out, total: since, final: cur };
}

const observer = () => {
  const events = [];
  window.__startup = events;
  const hook = () => {
    const el = document.getElementById('model-status');
    if (!el) return false;
    const rec = () => events.push({ t: performance.now(), text: el.textContent ?? '', state: el.dataset.state ?? '' });
    rec();
    new MutationObserver(rec).observe(el, { childList: true, characterData: true, subtree: true, attributes: true });
    return true;
  };
  if (!hook()) document.addEventListener('DOMContentLoaded', hook, { once: true });
};

async function visit(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => ['ready', 'limited', 'error', 'missing'].includes(document.getElementById('model-status')?.dataset.state ?? ''), null, { timeout: 180_000 });
  const events = await page.evaluate(() => window.__startup);
  return { ...stageTimes(events), events: events.map((e) => ({ t: Math.round(e.t), state: e.state, text: e.text.slice(0, 140) })) };
}

function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
}

async function main() {
  if (!process.argv.includes('--no-build')) execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
  const { preview } = await import('vite');
  const server = await preview({ root: ROOT, configFile: join(ROOT, 'vite.config.ts'), preview: { port, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' });
  const url = `http://127.0.0.1:${port}/${backend === 'auto' ? '' : `#backend=${backend}`}`;
  const results = [];
  try {
    for (let r = 0; r < runs; r++) {
      const profile = mkdtempSync(join(tmpdir(), 'osp-startup-'));
      const ctx = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, args: chromiumArgs, headless: true });
      try {
        await ctx.addInitScript(observer);
        const page = ctx.pages()[0] ?? (await ctx.newPage());
        const first = await visit(page, url);
        const cached = await visit(page, url);
        results.push({ run: r, first, cached });
        console.log(`run ${r + 1}/${runs}: first visit ${Math.round(first.total)} ms (${first.final}), cached reload ${Math.round(cached.total)} ms (${cached.final})`);
      } finally {
        await ctx.close();
        rmSync(profile, { recursive: true, force: true });
      }
    }
  } finally {
    await server.close();
  }
  const stages = ['boot', 'manifest', 'download', 'verify', 'cache-read', 'sessions', 'total'];
  const table = {};
  for (const visitKind of ['first', 'cached']) {
    table[visitKind] = Object.fromEntries(stages.map((s) => [s, Math.round(median(results.map((x) => x[visitKind][s] ?? 0)))]));
  }
  console.log(`\nmedian of ${runs} runs (ms), backend ${backend}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs`);
  console.log(`| visit | ${stages.join(' | ')} |`);
  console.log(`|---|${stages.map(() => '---:').join('|')}|`);
  for (const [k, v] of Object.entries(table)) console.log(`| ${k} | ${stages.map((s) => v[s]).join(' | ')} |`);
  const out = join(ROOT, 'docs/benchmarks', `startup-${label}.json`);
  mkdirSync(dirname(out), { recursive: true });
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
  writeFileSync(out, `${JSON.stringify({ label, commit, date: new Date().toISOString(), backend, runs, cpus: cpus().length, loadavg: loadavg(), medians: table, results }, null, 1)}\n`);
  console.log(`saved ${out}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
