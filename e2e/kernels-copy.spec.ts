import { expect, test } from '@playwright/test';
import { pipeConsole, runInHarness } from './util';
import { COPY_PARITY_ELEMENTS } from '../src/kernels/copy/parity';

test('copy kernel (bandwidth yardstick) copies exactly and nothing more', async ({ page }) => {
  pipeConsole(page);
  const res = await runInHarness<{ elements: number; mismatches: number }[]>(page, '/e2e/harness/copy.ts', 'copyMismatches', COPY_PARITY_ELEMENTS);
  console.log(res.map((r) => `${r.elements}: ${r.mismatches} mismatches`).join(', '));
  for (const r of res) expect(r.mismatches).toBe(0);
});
