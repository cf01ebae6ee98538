import { expect, test, type Page } from '@playwright/test';
import { pipeConsole, runInHarness } from './util';
import type { SkiparseCase, SkiparseCaseResult } from './harness/skiparse';
import type { SkiparseVariant } from '../src/kernels/skiparse/skiparse';
import { denseCases, largeCases, shapeCases, sparseCases } from '../src/kernels/skiparse/parity';

// WGSL Skiparse attention vs the CPU reference (upstream's pad → regroup → dense attention → inverse → crop) in real
// Chromium WebGPU (SwiftShader here). The cases live with the kernel: src/kernels/skiparse/parity.ts.
const HARNESS = '/e2e/harness/skiparse.ts';
const TOL = 1e-4;

async function runCases(page: Page, cases: SkiparseCase[], variant: SkiparseVariant): Promise<void> {
  const results = await runInHarness<SkiparseCaseResult[]>(page, HARNESS, 'runSkiparseCases', cases.map((c) => ({ ...c, variant })));
  for (const r of results) {
    console.log(`${r.name.padEnd(52)} max|err| ${r.maxAbs.toExponential(2)} (max|ref| ${r.refMax.toFixed(2)}) ` +
      `${r.tiles} ${r.gpuMs.toFixed(0)} ms (incl. first-use compile)`);
  }
  for (const r of results) {
    expect.soft(r.gpuError, r.name).toBeNull();
    expect.soft(r.coverageOk, `${r.name}: every output written once, nothing past the tensor`).toBe(true);
    expect.soft(r.maxAbs, r.name).toBeLessThanOrEqual(TOL);
  }
  expect(results.length).toBe(cases.length);
}

test.describe('Skiparse attention WGSL vs CPU reference', () => {
  // Each new tile configuration is a pipeline compile (SwiftShader: seconds, tens of seconds on a loaded machine).
  test.describe.configure({ mode: 'serial', timeout: 600_000 });
  let page: Page;

  test.beforeAll(async ({ browser }) => {
    page = await browser.newPage();
    pipeConsole(page);
    console.log(`adapter: ${await runInHarness<string>(page, HARNESS, 'adapter')}`);
  });
  test.afterAll(async () => { await page.close(); });

  for (const variant of ['simple', 'tiled'] as const) {
    test(`[${variant}] dense`, async () => { await runCases(page, denseCases, variant); });
    test(`[${variant}] single skip, k = 2/4/8`, async () => { await runCases(page, sparseCases('single', 100), variant); });
    test(`[${variant}] group skip, k = 2/4/8`, async () => { await runCases(page, sparseCases('group', 300), variant); });
    test(`[${variant}] large-magnitude logits (online softmax stability), custom scale`, async () => { await runCases(page, largeCases, variant); });
    test(`[${variant}] other head dims and small-workgroup-memory tiles`, async () => { await runCases(page, shapeCases[variant], variant); });
  }

  for (const variant of ['simple', 'tiled'] as const) test(`[${variant}] API contract: clear errors, one uniform per shape, no validation errors`, async () => {
    const r = await runInHarness<{ errors: string[]; cachedAfterRepeats: number; cachedAfterSecondShape: number; gpuError: string | null }>(
      page, HARNESS, 'checkApiContract', variant);
    console.log(r.errors.join('\n'));
    expect(r.errors[0]).toMatch(/k must be 2, 4 or 8/);
    expect(r.errors[1]).toMatch(/headDim must be ≤ 128/);
    expect(r.errors[2]).toMatch(/tokens must be a positive integer/);
    expect(r.errors[3]).toMatch(/buffer out has \d+ bytes/);
    expect(r.errors[4]).toMatch(/buffer q has \d+ bytes/);
    expect(r.errors[5]).toMatch(/out must be a different buffer/);
    expect(r.errors[6]).toMatch(/variant must be simple or tiled/);
    expect(r.errors[7]).toMatch(/QT=30 TR=8 KT=16 is not a valid geometry/);
    expect(r.cachedAfterRepeats).toBe(1);
    expect(r.cachedAfterSecondShape).toBe(2);
    expect(r.gpuError).toBeNull();
  });
});
