import { expect, test } from '@playwright/test';
import { pipeConsole, runInHarness } from './util';

test('copy kernel (bandwidth yardstick) copies exactly and nothing more', async ({ page }) => {
  pipeConsole(page);
  // 4: one vec4; 1028: a partial last thread; 4·256·4·3 + 8: several workgroups plus a ragged tail.
  const res = await runInHarness<{ elements: number; mismatches: number }[]>(page, '/e2e/harness/copy.ts', 'copyMismatches', [4, 1028, 12296]);
  console.log(res.map((r) => `${r.elements}: ${r.mismatches} mismatches`).join(', '));
  for (const r of res) expect(r.mismatches).toBe(0);
});
