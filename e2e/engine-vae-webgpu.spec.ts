import { expect, test } from '@playwright/test';
import { buildDevManifest } from '../src/models/dev-manifest';
import { pipeConsole, runInHarness } from './util';
import type { DecodeCase, WebGpuVaeSplitResult, WorkerDecodeResult } from './harness/engine-vae-webgpu';

// The WebGPU VAE with the Haar transforms as our WGSL kernels between ORT WebGPU graphs (GPU buffers shared), vs the
// wasm whole graphs, in real Chromium (SwiftShader WebGPU here, so small shapes: 32×32, up to 17 frames).
const TOL = 1e-4; // max |Δ| of the raw video in [−1, 1] (f32 on two backends; observed ≈ 1e-6)

test('WebGPU VAE: core graphs + WGSL Haar kernels = wasm whole graphs, chunk by chunk (decode) and for the encoder', async ({ page }) => {
  test.setTimeout(300_000);
  pipeConsole(page);
  const manifest = buildDevManifest('public/models/osp-v13-tiny');
  const cases: DecodeCase[] = [
    { latentFrames: 5, chunkFrames: 2 }, // 17 frames: [0,1), [1,3), [3,5)
    { latentFrames: 1, chunkFrames: 2 }, // an image: chunk 0 is also the last
    { latentFrames: 2, chunkFrames: 1 }, // chunk 1 is the last
    { latentFrames: 4, chunkFrames: 1 }, // [0,1), [1,2), [2,3), [3,4): the delay buffer carried twice
  ];
  const r = await runInHarness<WebGpuVaeSplitResult>(page, '/e2e/harness/engine-vae-webgpu.ts', 'vaeSplit', { manifest, base: '/models/osp-v13-tiny/', cases });
  console.log(JSON.stringify(r));
  expect(r.validation).toBeNull();
  const expectedFrames = [[1, 6, 10], [1], [1, 4], [1, 2, 4, 6]];
  r.decode.forEach((d, i) => {
    const label = `T=${d.latentFrames} n=${d.chunkFrames}`;
    expect(d.framesWebGpu, label).toEqual(expectedFrames[i]);
    expect(d.framesWasm, label).toEqual(expectedFrames[i]);
    for (const e of d.errVsWasm) expect(e, label).toBeLessThanOrEqual(TOL);
    for (const e of d.rgbaDiff) expect(e, label).toBeLessThanOrEqual(1);
    // The Haar transforms ran as our WGSL kernels: per chunk 2 inverse 3D, 1 inverse 2D, the LL-band adds
    // (2 on chunk 0 and 1, 3 later: the delay frame is its own add), one core-graph run and one read-back.
    const chunks = d.framesWebGpu.length;
    expect(d.counts, label).toEqual({
      inverse3d: 2 * chunks, inverse2d: chunks, forward3d: 0, forward2d: 0,
      addFrames: 2 * chunks + Math.max(0, chunks - 2), graphRuns: chunks, readBacks: chunks,
    });
  });
  for (const e of r.errChunksVsPyTorch) expect(e).toBeLessThanOrEqual(TOL);
  expect(r.errChunksVsPyTorch).toHaveLength(3);
  expect(r.encode.errVsWasm).toBeLessThanOrEqual(TOL);
  expect(r.encode.errVsPyTorch).toBeLessThanOrEqual(TOL);
  expect(r.encode.image.errVsWasm).toBeLessThanOrEqual(TOL);
  expect(r.encode.counts).toEqual({ inverse3d: 0, inverse2d: 0, forward3d: 4, forward2d: 2, addFrames: 0, graphRuns: 2, readBacks: 2 });
});

test('the engine worker on webgpu decodes with the WGSL-Haar VAE (= wasm engine); without the core graph it falls back', async ({ page }) => {
  test.setTimeout(300_000);
  pipeConsole(page);
  const manifest = buildDevManifest('public/models/osp-v13-tiny');
  expect(manifest.files.some((f) => f.role === 'vae-decoder-chunk-core')).toBe(true);
  const r = await runInHarness<WorkerDecodeResult>(page, '/e2e/harness/engine-vae-webgpu.ts', 'workerDecode', { manifest, base: '/models/osp-v13-tiny/' });
  console.log(JSON.stringify(r));
  expect(r.gpu.backend).toBe('webgpu');
  expect(r.gpu.backendReason).not.toMatch(/unavailable/);
  expect(r.gpu.haarSessionMessages).toBeGreaterThan(0);
  expect(r.gpu.frames).toBe(17);
  // 3 chunks ([0,1), [1,3), [3,5)): every Haar transform of the decode ran as a WGSL dispatch.
  expect(r.gpu.vaeGpu).toEqual({ inverse3d: 6, inverse2d: 3, forward3d: 0, forward2d: 0, addFrames: 7, graphRuns: 3, readBacks: 3 });
  expect(r.wasm.backend).toBe('wasm');
  expect(r.wasm.vaeGpu).toBeNull();
  expect(r.wasm.frames).toBe(17);
  expect(r.psnrMin).toBeGreaterThanOrEqual(40);
  expect(r.fallback.error).toBeNull();
  expect(r.fallback.backend).toBe('webgpu');
  expect(r.fallback.vaeGpu).toBeNull();
  expect(r.fallback.frames).toBe(5);
});
