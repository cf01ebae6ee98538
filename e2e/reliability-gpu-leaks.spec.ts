import { expect, test } from '@playwright/test';
import { buildDevDitManifest } from '../src/models/dev-manifest';
import { pipeConsole, runInHarness } from './util';
import type { LeakCheckResult } from './harness/reliability';

// Every GPUBuffer the engine makes (ORT's WebGPU EP and our kernels, counted by src/engine/gpu-accounting.ts) is
// destroyed again: after the first generation has warmed ORT's buffer pool, more generations and a cancelled one
// leave exactly as many live buffers and bytes. `npm run soak` runs the long version (docs/RELIABILITY.md).
const H = '/e2e/harness/reliability.ts';
test.describe.configure({ retries: 1 }); // a Vite dependency re-optimisation reload is not an engine failure

test('GPU buffers: 3 generations + a cancel on webgpu return to the same live count and bytes', async ({ page }) => {
  test.setTimeout(240_000);
  pipeConsole(page);
  const r = await runInHarness<LeakCheckResult>(page, H, 'gpuLeakCheck', { manifest: buildDevDitManifest(), base: '/' });
  console.log(JSON.stringify(r));
  expect(r.load).toMatchObject({ backend: 'webgpu', ditBackend: 'webgpu' });
  expect(r.samples.map((s) => [s.kind, s.ok, s.error ?? ''])).toEqual([['generate', true, ''], ['generate', true, ''], ['cancel', true, ''], ['generate', true, '']]);
  expect(r.afterLoad.liveBuffers).toBeGreaterThan(100); // the weights really are counted
  const warm = r.samples[0].gpu;
  for (const s of r.samples.slice(1)) {
    expect([s.kind, s.gpu.liveBuffers, s.gpu.liveBytes]).toEqual([s.kind, warm.liveBuffers, warm.liveBytes]);
  }
  expect(r.samples[3].gpu.created).toBeGreaterThan(warm.created); // buffers were made (and destroyed) meanwhile
});
