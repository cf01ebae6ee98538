#!/usr/bin/env node
// `npm run bench:kernels [-- --reps N --warmup N --only NAME --timeout-min M]`
// Runs bench/kernels-bench.ts in headless Chromium on the WebGPU adapter, prints the ratios, saves
// docs/benchmarks/kernels-<adapter>.json and refreshes the kernel table in docs/BENCHMARKS.md.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { launchChromium, startViteServer } from '../scripts/headless.mjs';
import { renderKernelTables } from './report.mjs';

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    only: { type: 'string' },
    'timeout-min': { type: 'string', default: '60' },
    'chromium-arg': { type: 'string', multiple: true, default: [] },
  },
});

const { server, url } = await startViteServer();
const browser = await launchChromium(values['chromium-arg']);
let exitCode = 0;
try {
  const page = await browser.newPage();
  page.on('console', (m) => console.log(m.text()));
  const q = new URLSearchParams({ reps: values.reps, warmup: values.warmup, ...(values.only ? { only: values.only } : {}) });
  await page.goto(`${url}/bench/kernels.html?${q}`);
  await page.waitForFunction(() => window.__benchResult || window.__benchError, null, {
    timeout: Number(values['timeout-min']) * 60_000,
    polling: 1000,
  });
  const error = await page.evaluate(() => window.__benchError);
  if (error) throw new Error(error);
  const result = await page.evaluate(() => window.__benchResult);
  const slug = `${result.adapter.vendor}-${result.adapter.architecture || result.adapter.device || 'gpu'}`.replace(/[^a-z0-9-]+/gi, '-').toLowerCase();
  mkdirSync('docs/benchmarks', { recursive: true });
  const file = `docs/benchmarks/kernels-${slug}.json`;
  writeFileSync(file, `${JSON.stringify({ command: `npm run bench:kernels -- --reps ${values.reps}`, ...result }, null, 2)}\n`);
  const doc = readFileSync('docs/BENCHMARKS.md', 'utf8');
  const begin = `<!-- kernels:${slug}:begin -->`;
  const end = `<!-- kernels:${slug}:end -->`;
  const block = `${begin}\n${renderKernelTables(result, file)}\n${end}`;
  const updated = doc.includes(begin)
    ? doc.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), block)
    : doc.replace('<!-- kernels:insert -->', `${block}\n\n<!-- kernels:insert -->`);
  writeFileSync('docs/BENCHMARKS.md', updated);
  console.log(`\nsaved ${file} and updated docs/BENCHMARKS.md`);
} catch (e) {
  console.error(`bench:kernels failed: ${e instanceof Error ? e.message : e}`);
  exitCode = 1;
} finally {
  await browser.close();
  await server.close();
}
process.exit(exitCode);
