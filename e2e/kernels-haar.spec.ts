import { expect, test } from '@playwright/test';
import { pipeConsole, runInHarness } from './util';
import type { ParityCase, ParityResult, RoundTripResult } from './harness/haar';

// Haar WGSL kernels vs the CPU reference in real Chromium WebGPU (SwiftShader here: shapes stay small).
const HARNESS = '/e2e/harness/haar.ts';
const REL_TOL = 1e-6; // max |gpu − ref| / max |ref| per case

const EXACT = 1 / (2 * Math.SQRT2);

function parityCases(): ParityCase[] {
  const Cs = [1, 3, 8, 24];
  const Ts = [1, 3, 5, 17];
  const HWs = [[2, 2], [6, 10], [16, 16], [34, 18]];
  const cases: ParityCase[] = [];
  let seed = 1;
  // Every (C, T) pair once, with the spatial size and batch rotating so each appears with several C and T.
  for (let ci = 0; ci < Cs.length; ci++) {
    for (let ti = 0; ti < Ts.length; ti++) {
      const [H, W] = HWs[(ci + ti) % HWs.length];
      const B = 1 + ((ci + (ti >> 1)) % 2);
      const C = Cs[ci];
      const T = Ts[ti];
      const coeffFrames = (T + 1) / 2;
      cases.push(
        { op: 'forward3d', shape: { batch: B, channels: C, frames: T, height: H, width: W }, flag: true, seed: seed++ },
        { op: 'forward3d', shape: { batch: B, channels: C, frames: T + 1, height: H, width: W }, flag: false, seed: seed++ },
        { op: 'inverse3d', shape: { batch: B, channels: 8 * C, frames: coeffFrames, height: H / 2, width: W / 2 }, flag: true, seed: seed++ },
        { op: 'inverse3d', shape: { batch: B, channels: 8 * C, frames: coeffFrames, height: H / 2, width: W / 2 }, flag: false, seed: seed++ },
        { op: 'forward2d', shape: { batch: B, channels: C, frames: T, height: H, width: W }, seed: seed++ },
        { op: 'inverse2d', shape: { batch: B, channels: 4 * C, frames: T, height: H / 2, width: W / 2 }, seed: seed++ },
      );
    }
  }
  // The exact 1/(2√2) coefficient.
  const s = { batch: 2, channels: 3, frames: 5, height: 6, width: 10 };
  cases.push(
    { op: 'forward3d', shape: s, flag: true, seed: seed++, coefficient3d: EXACT },
    { op: 'inverse3d', shape: { ...s, channels: 24, frames: 3, height: 3, width: 5 }, flag: true, seed: seed++, coefficient3d: EXACT },
  );
  // 2D dispatch (workgroup cap 3 per dimension; the last row of workgroups is partly out of range).
  for (const [op, shape, flag] of [
    ['forward3d', s, true],
    ['forward3d', { ...s, frames: 4 }, false],
    ['inverse3d', { ...s, channels: 24, frames: 3, height: 3, width: 5 }, true],
    ['inverse3d', { ...s, channels: 24, frames: 3, height: 3, width: 5 }, false],
    ['forward2d', s, undefined],
    ['inverse2d', { ...s, channels: 12, height: 3, width: 5 }, undefined],
  ] as const) {
    cases.push({ op, shape, flag, seed: seed++, maxWorkgroupsPerDimension: 3 });
  }
  return cases;
}

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
