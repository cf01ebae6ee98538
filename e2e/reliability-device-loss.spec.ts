import { expect, test } from '@playwright/test';
import { buildDevDitManifest } from '../src/models/dev-manifest';
import { pipeConsole, runInHarness } from './util';
import type { DeviceLossResult } from './harness/reliability';

// Device loss on the WebGPU path (SwiftShader WebGPU headless): the dev DiT (random weights, real architecture) at
// the small shape of engine-dit.spec.ts. The engine's dev-only hook destroys its GPUDevice mid-generation.
const H = '/e2e/harness/reliability.ts';
test.describe.configure({ retries: 1 }); // a Vite dependency re-optimisation reload is not an engine failure

test('device loss mid-generation: DeviceLostError, the model is reloaded on a new device, the next generations succeed and leak no GPU buffers', async ({ page }) => {
  test.setTimeout(240_000);
  pipeConsole(page);
  const r = await runInHarness<DeviceLossResult>(page, H, 'deviceLoss', { manifest: buildDevDitManifest(), base: '/' });
  console.log(JSON.stringify(r));
  expect(r.error).toBeNull();
  expect(r.load).toEqual({ backend: 'webgpu', ditBackend: 'webgpu' });
  expect(r.stepsBeforeLoss).toBe(1); // the loss really happened mid-denoise (step 1 of 2)
  expect(r.lost?.name).toBe('DeviceLostError');
  expect(r.lost?.message).toMatch(/GPU device was lost during generation/);
  expect(r.lost?.message).toMatch(/reloaded the model on a new GPU device/);
  expect(r.msLossToReject).toBeLessThan(60_000);
  expect(r.afterLoss!.devicesAcquired).toBe(r.before!.devicesAcquired + 1);
  expect(r.afterLoss!.recoveries).toBe(1);
  expect(r.next).toMatchObject({ ok: true, backend: 'webgpu', frames: 5 });
  expect(r.next.maxDiffVsBaseline!).toBeLessThan(1e-4); // same seed on a fresh device = same latents
  // GPU buffer accounting (src/engine/gpu-accounting.ts; `npm run soak` is the long version): on the new device a
  // cancelled job and another generation leave exactly the warm live count and bytes — any missing destroy() shows.
  expect(r.leak.warm.liveBuffers).toBeGreaterThan(100); // the weights really are counted
  expect(r.leak.cancelled).toBe('CancelledError');
  expect([r.leak.afterCancel.liveBuffers, r.leak.afterCancel.liveBytes]).toEqual([r.leak.warm.liveBuffers, r.leak.warm.liveBytes]);
  expect([r.leak.afterGenerate.liveBuffers, r.leak.afterGenerate.liveBytes]).toEqual([r.leak.warm.liveBuffers, r.leak.warm.liveBytes]);
  expect(r.leak.afterGenerate.created).toBeGreaterThan(r.leak.warm.created); // buffers were made (and destroyed) meanwhile
  expect(r.idleLoss).toMatchObject({ ok: true });
  expect(r.idleLoss.maxDiffVsBaseline!).toBeLessThan(1e-4);
  expect(r.final!.recoveries).toBe(2);
  expect(r.final!.deviceLost).toBe(false);
});
