import { expect, test } from '@playwright/test';
import { pipeConsole, runInHarness } from './util';
import { COPY_PARITY_ELEMENTS } from '../src/kernels/copy/parity';

test('copy kernel (bandwidth yardstick) copies exactly and nothing more', async ({ page }) => {
  pipeConsole(page);
  const res = await runInHarness<{ elements: number; mismatches: number }[]>(page, '/e2e/harness/copy.ts', 'copyMismatches', COPY_PARITY_ELEMENTS);
  console.log(res.map((r) => `${r.elements}: ${r.mismatches} mismatches`).join(', '));
  for (const r of res) expect(r.mismatches).toBe(0);
});

test('a kernel whose WGSL fails to build reports a named KernelPipelineError (shared error-scoped pipeline creation)', async ({ page }) => {
  pipeConsole(page);
  const r = await runInHarness<{ ready: string; encode: string; goodReady: string }>(page, '/e2e/harness/copy.ts', 'pipelineErrorReport');
  console.log(JSON.stringify(r));
  expect(r.ready).toMatch(/^KernelPipelineError: broken: building pipeline broken-shader failed/);
  expect(r.encode).toBe(r.ready);
  expect(r.goodReady).toBe('no error');
});
