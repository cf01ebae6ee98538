import { expect, test } from '@playwright/test';
import { buildDevManifest } from '../src/models/dev-manifest';
import { pipeConsole, runInHarness } from './util';
import type { VaeStreamResult, WebGpuVaeResult } from './harness/engine-vae';

test('streaming VAE decode in Chromium (ORT-web wasm, real files via the verified loader) = one-graph decoder = PyTorch', async ({ page }) => {
  pipeConsole(page);
  const manifest = buildDevManifest('public/models/osp-v13-tiny');
  const r = await runInHarness<VaeStreamResult>(page, '/e2e/harness/engine-vae.ts', 'vaeStream', { manifest, base: '/models/osp-v13-tiny/' });
  console.log(JSON.stringify({ ...r, msPerChunk: r.msPerChunk.map((x) => Math.round(x)) }));
  expect(r.crossOriginIsolated).toBe(true);
  expect(r.downloadedBytes).toBeGreaterThan(1_000_000);
  expect(r.progressEvents).toBeGreaterThan(4);
  expect(r.chunkFrames).toEqual([1, 6, 10]); // [0,1) → 1, [1,3) → 4·2−2, [3,5) → 4·2+2
  expect(r.frames).toBe(17);
  expect([r.width, r.height]).toEqual([32, 32]);
  expect(r.errVsOneGraph).toBeLessThanOrEqual(1e-4);
  expect(r.errVsPyTorch).toBeLessThanOrEqual(Math.max(r.pytorchAtol, 1e-4));
  for (const e of r.errChunksVsPyTorch) expect(e).toBeLessThanOrEqual(Math.max(r.pytorchAtol, 1e-4));
  expect(r.rgbaFramesMatchOneGraph).toBeLessThanOrEqual(1);
  expect(r.image.frames).toBe(1);
  expect(r.image.errVsOneGraph).toBeLessThanOrEqual(1e-4);
  expect(r.image.errVsFirstFrame).toBeLessThanOrEqual(1e-4);
});

test('the chunk-step graph on ORT native WebGPU EP (our GPUDevice) matches wasm (T = 2)', async ({ page }) => {
  pipeConsole(page);
  const manifest = buildDevManifest('public/models/osp-v13-tiny');
  const r = await runInHarness<WebGpuVaeResult>(page, '/e2e/harness/engine-vae.ts', 'vaeStreamWebGpu', { manifest, base: '/models/osp-v13-tiny/' });
  console.log(JSON.stringify(r));
  expect(r.error).toBeNull();
  expect(r.frames).toEqual([1, 4]); // [0,1) → 1; [1,2) is chunk 1 and last: 4·1 − 2 + 2
  expect(r.errVsWasm).toBeLessThanOrEqual(1e-4);
});
