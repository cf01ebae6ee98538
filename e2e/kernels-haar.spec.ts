import { expect, test } from '@playwright/test';
import { pipeConsole, runInHarness } from './util';
import type { ParityResult, RoundTripResult } from './harness/haar';
import { parityCases } from '../src/kernels/haar/parity';

// Haar WGSL kernels vs the CPU reference in real Chromium WebGPU (SwiftShader here: shapes stay small).
const HARNESS = '/e2e/harness/haar.ts';
const REL_TOL = 1e-6; // max |gpu − ref| / max |ref| per case

test.describe('Haar wavelet WGSL kernels', () => {
  test.beforeEach(({ page }) => pipeConsole(page));

  test('match the CPU reference on random inputs and edge shapes', async ({ page }) => {
    const adapter = await runInHarness<string>(page, HARNESS, 'adapterName');
    console.log(`adapter: ${adapter}`);
    const cases = parityCases();
    const results = await runInHarness<ParityResult[]>(page, HARNESS, 'parity', cases);
    expect(results).toHaveLength(cases.length);
    for (const r of results) {
      const o = r.outShape;
      console.log(
        `${r.label.padEnd(44)} → [${o.batch},${o.channels},${o.frames},${o.height},${o.width}] ` +
          `wg ${r.dispatch.join('x').padEnd(6)} maxAbs ${r.maxAbs.toExponential(2)} rel ${r.rel.toExponential(2)}`,
      );
    }
    const worst = results.reduce((a, r) => (r.rel > a.rel ? r : a));
    console.log(`${results.length} cases; worst rel ${worst.rel.toExponential(2)} (${worst.label})`);
    expect(results.filter((r) => r.dispatch[1] > 1).length).toBeGreaterThan(0); // the 2D-dispatch path ran
    for (const r of results) {
      expect.soft(r.validation, r.label).toBeNull();
      expect.soft(r.finite, r.label).toBe(true);
      expect.soft(r.maxRef, r.label).toBeGreaterThan(0);
      expect.soft(r.rel, r.label).toBeLessThanOrEqual(REL_TOL);
    }
  });

  test('round-trip forward → inverse on the GPU', async ({ page }) => {
    const adapter = await runInHarness<string>(page, HARNESS, 'adapterName');
    console.log(`adapter: ${adapter}`);
    const results = await runInHarness<RoundTripResult[]>(page, HARNESS, 'roundTrips');
    for (const r of results) {
      console.log(`round-trip ${r.label.padEnd(32)} maxAbs ${r.maxAbs.toExponential(2)} rel ${r.rel.toExponential(2)}`);
      expect.soft(r.validation, r.label).toBeNull();
      expect.soft(r.finite, r.label).toBe(true);
      expect.soft(r.rel, r.label).toBeLessThanOrEqual(REL_TOL);
    }
    expect(results).toHaveLength(5);
  });

  test('chunked (causal-cache) use equals one-shot, bit for bit', async ({ page }) => {
    const r = await runInHarness<{ forwardMismatches: number; inverseMismatches: number; forwardFrames: number; inverseFrames: number }>(
      page,
      HARNESS,
      'chunkedMatchesOneShot',
    );
    console.log(`chunked: ${JSON.stringify(r)}`);
    expect(r.forwardFrames).toBe(9);
    expect(r.inverseFrames).toBe(17);
    expect(r.forwardMismatches).toBe(0);
    expect(r.inverseMismatches).toBe(0);
  });

  test('reject bad shapes and small buffers clearly, and reuse uniform buffers', async ({ page }) => {
    const r = await runInHarness<{ errors: Record<string, string>; uniformsAfterRepeats: number; usedAfterDestroy: string }>(
      page,
      HARNESS,
      'validationAndReuse',
    );
    for (const [k, v] of Object.entries(r.errors)) console.log(`${k}: ${v}`);
    expect(r.errors.oddHeight).toMatch(/height and width must be even/);
    expect(r.errors.oddWidth2d).toMatch(/height and width must be even/);
    expect(r.errors.evenTfirstChunk).toMatch(/T = 1 \+ 2m/);
    expect(r.errors.oddTlaterChunk).toMatch(/even number of frames/);
    expect(r.errors.inputTooSmall).toMatch(/input buffer too small/);
    expect(r.errors.outputTooSmall).toMatch(/output buffer too small/);
    expect(r.errors.inverseChannels).toMatch(/multiple of 8/);
    expect(r.errors.inPlace).toMatch(/different buffers/);
    expect(r.uniformsAfterRepeats).toBe(3);
    expect(r.usedAfterDestroy).toMatch(/after destroy/);
  });
});
