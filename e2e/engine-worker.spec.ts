import { expect, test } from '@playwright/test';
import { buildDevManifest } from '../src/models/dev-manifest';
import { pipeConsole, runInHarness } from './util';
import type { CancelResult, DecodeViaWorkerResult, ErrorMap, ToyGenerateResult } from './harness/engine-worker';

const H = '/e2e/harness/engine-worker.ts';
const arg = () => ({ manifest: buildDevManifest('public/models/osp-v13-tiny', { fitPreviewFrom: 'training/fixtures/vae' }), base: '/models/osp-v13-tiny/' });

test('engine worker: decodeLatents(latent fixture) → MP4 → decoded back (17 frames 32x32 @ 8 fps; T=1 → 1 frame)', async ({ page }) => {
  pipeConsole(page);
  const r = await runInHarness<DecodeViaWorkerResult>(page, H, 'decodeViaWorker', arg());
  console.log(JSON.stringify(r));
  expect(r.load.backend).toBe('wasm'); // SwiftShader is a fallback adapter: auto picks wasm
  expect(r.load.crossOriginIsolated).toBe(true); // the worker can use wasm threads where there are cores for them
  expect(r.load.capabilities).toEqual({ decodeLatents: true, generate: false, imageToVideo: false });
  expect(r.load.stages).toEqual(['manifest', 'download', 'session', 'ready']);
  expect(r.load.downloadEvents).toBeGreaterThan(3);
  expect(r.mp4.type).toBe('video/mp4');
  expect(r.mp4.frames).toBe(17);
  expect(r.mp4.packets).toBe(17);
  expect([r.mp4.width, r.mp4.height]).toEqual([32, 32]);
  expect(r.mp4.fps).toBeCloseTo(8, 2);
  expect(r.mp4.duration).toBeCloseTo(17 / 8, 3);
  expect(r.meta).toMatchObject({ modelId: 'osp-v13-tiny', frames: 17, width: 32, height: 32, fps: 8, backend: 'wasm' });
  // Frames reached the encoder chunk by chunk: [0,1) → 1, [1,3) → 6, [3,5) → 10.
  expect(r.chunkEvents.map((c) => [c.index, c.frames, c.firstFrame])).toEqual([[0, 1, 0], [1, 6, 1], [2, 10, 7]]);
  expect(r.chunkEvents.every((c) => c.totalFrames === 17)).toBe(true);
  // Against the PyTorch decoder output (lossy H.264 on a 32×32 clip).
  expect(r.psnrVsPyTorch.min).toBeGreaterThan(28);
  expect(r.image).toEqual({ frames: 1, width: 32, height: 32, fps: expect.any(Number) });
});

test('engine worker: bad requests reject with clear errors and never kill the worker', async ({ page }) => {
  pipeConsole(page);
  const r = await runInHarness<{ errors: ErrorMap; aliveAfter: boolean; decodeAfterErrors: number }>(page, H, 'boundaryErrors', arg());
  console.log(JSON.stringify(r.errors, null, 1));
  const e = r.errors;
  const is = (k: string, name: string, re: RegExp) => {
    expect(e[k], k).not.toBeNull();
    expect(e[k]!.name, k).toBe(name);
    expect(e[k]!.message, k).toMatch(re);
  };
  is('generateBeforeLoad', 'NotLoadedError', /load\(\) first/);
  is('decodeBeforeLoad', 'NotLoadedError', /no model loaded/);
  is('unknownModelId', 'ManifestError', /unknown model "no-such-model"/);
  is('badModelId', 'ValidationError', /model/);
  is('corruptFile', 'IntegrityError', /sha256/);
  is('badThreads', 'ValidationError', /wasmThreads must be an integer in \[1, 64\]/);
  expect(e.threadsIgnored, 'LoadOptions.wasmThreads').toBeUndefined();
  is('wrongModel', 'ValidationError', /unknown model "other-model"/);
  is('frames4', 'ValidationError', /frames must be 1 \+ 4k/);
  is('frames0', 'ValidationError', /frames must be in/);
  is('steps0', 'ValidationError', /steps must be in \[1, /);
  is('steps1e6', 'ValidationError', /steps must be in \[1, /);
  is('stepsFloat', 'ValidationError', /steps must be an integer/);
  is('cfgNaN', 'ValidationError', /cfgScale must be a finite number/);
  is('cfgString', 'ValidationError', /cfgScale/);
  is('seedNegative', 'ValidationError', /seed/);
  is('width30', 'ValidationError', /multiples of 8/);
  is('imageWrongSize', 'ValidationError', /image is 16×16, the video is 32×32/);
  is('imageWrongBytes', 'ValidationError', /image.data has 10 bytes/);
  is('promptNumber', 'ValidationError', /prompt must be a string/);
  is('notObject', 'ValidationError', /request must be an object/);
  is('noDit', 'NotSupportedError', /no denoiser/);
  is('noDitEmptyPrompt', 'NotSupportedError', /no denoiser/);
  is('decodeWrongChannels', 'ValidationError', /latent channels must be 8/);
  is('decodeWrongLength', 'ValidationError', /has 10 values/);
  is('decodeNaN', 'ValidationError', /latents\[5\] is not finite/);
  is('decodeBadShape', 'ValidationError', /shape must be/);
  is('decodeNotTyped', 'ValidationError', /Float32Array/);
  expect(r.aliveAfter).toBe(true);
  expect(r.decodeAfterErrors).toBe(5);
});

test('engine worker: generate() end to end with the toy denoiser (progress, previews, ETA, chunks, determinism)', async ({ page }) => {
  pipeConsole(page);
  const r = await runInHarness<ToyGenerateResult>(page, H, 'toyGenerate', arg());
  console.log(JSON.stringify(r));
  expect(r.stages).toEqual(['text', 'denoise', 'decode', 'mux', 'done']);
  expect(r.steps).toEqual([1, 2, 3, 4]);
  expect(r.previews.map((p) => p.step)).toEqual([1, 2, 3, 4]);
  expect(r.previews[0]).toMatchObject({ width: 4, height: 4, frames: 3, bytes: 4 * 4 * 3 * 4 });
  expect(r.etaFirst).toBeGreaterThanOrEqual(0);
  expect(r.chunks).toBe(2); // 3 latent frames: [0,1), [1,3)
  expect(r.meta).toMatchObject({ modelId: 'osp-v13-tiny', seed: 7, steps: 4, cfgScale: 4.5, frames: 9, width: 32, height: 32, fps: 8 });
  expect(r.mp4).toEqual({ frames: 9, width: 32, height: 32, fps: expect.any(Number) });
  expect(r.mp4.fps).toBeCloseTo(8, 2);
  expect(r.hashesEqualForSameSeed).toBe(true);
  expect(r.hashesDifferForOtherSeed).toBe(true);
  expect(r.emptyPromptFrames).toBe(9);
});

test('engine worker: cancel between steps and between chunks; busy; crash rejects pending calls', async ({ page }) => {
  pipeConsole(page);
  const r = await runInHarness<CancelResult>(page, H, 'cancellation', arg());
  console.log(JSON.stringify(r));
  expect(r.denoise.error?.name).toBe('CancelledError');
  expect(r.denoise.stepsSeen).toBeLessThanOrEqual(4);
  expect(r.denoise.msToReject).toBeLessThan(3000);
  expect(r.busy?.name).toBe('BusyError');
  expect(r.decode.error?.name).toBe('CancelledError');
  expect(r.decode.chunksSeen).toBeLessThanOrEqual(2);
  expect(r.cancelIdle).toBe(false);
  expect(r.usableAfter).toBe(1);
  expect(r.crash?.name).toBe('WorkerCrashedError');
});
