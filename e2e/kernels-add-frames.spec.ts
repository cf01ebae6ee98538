import { expect, test } from '@playwright/test';
import { pipeConsole, runInHarness } from './util';
import type { AddFramesResult } from './harness/add-frames';
import { cases } from '../src/kernels/add-frames/parity';

// add_frames.wgsl (the LL-band "+=" of the WebGPU VAE decode) vs its CPU reference in real Chromium WebGPU.
test('add_frames WGSL kernel matches the CPU reference and writes only its window', async ({ page }) => {
  pipeConsole(page);
  const cs = cases();
  const results = await runInHarness<AddFramesResult[]>(page, '/e2e/harness/add-frames.ts', 'parity', cs);
  expect(results).toHaveLength(cs.length);
  for (const r of results) console.log(`${r.label.padEnd(56)} wg ${r.dispatch.join('x')} maxAbs ${r.maxAbs.toExponential(2)}`);
  expect(results.some((r) => r.dispatch[1] > 1)).toBe(true);
  for (const r of results) {
    expect.soft(r.validation, r.label).toBeNull();
    expect.soft(r.maxAbs, r.label).toBe(0); // one f32 add per element, same rounding as the reference
    expect.soft(r.touchedOutside, r.label).toBe(0);
  }
});
