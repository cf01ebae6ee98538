import { expect, test } from '@playwright/test';
import { pipeConsole, runInHarness } from './util';
import type { RoundTripResult } from './harness/video';

const H = '/e2e/harness/video.ts';

function summary(r: RoundTripResult): string {
  const p = r.psnr;
  return `${r.codec}: ${r.bytes} B, ${r.decoded.frameCount} frames ${r.decoded.width}x${r.decoded.height} @ ${r.decoded.fps.toFixed(3)} fps, ` +
    `PSNR min ${Math.min(...p).toFixed(1)} / mean ${(p.reduce((a, b) => a + b, 0) / p.length).toFixed(1)} dB, ` +
    `shifted max ${Math.max(...r.psnrShifted).toFixed(1)} dB [${p.map((x) => x.toFixed(1)).join(' ')}]`;
}

function expectGoodRoundTrip(r: RoundTripResult, frames: number, width: number, height: number, fps: number): void {
  expect(r.mime).toBe('video/mp4');
  expect(r.decoded.packetCount).toBe(frames);
  expect(r.decoded.frameCount).toBe(frames);
  expect(r.decoded.width).toBe(width);
  expect(r.decoded.height).toBe(height);
  expect(r.decoded.fps).toBeCloseTo(fps, 2);
  expect(r.decoded.durationSec).toBeCloseTo(frames / fps, 3);
  expect(r.firstTimestamps[0]).toBe(0);
  if (frames > 1) expect(r.firstTimestamps[1] - r.firstTimestamps[0]).toBeCloseTo(1 / fps, 4);
  for (const p of r.psnr) expect(p).toBeGreaterThan(30);
  // Frames are distinct and in order: decoded frame i is far closer to source i than to source i+1.
  for (let i = 0; i < r.psnrShifted.length; i++) expect(r.psnr[i] - r.psnrShifted[i]).toBeGreaterThan(3);
}

test('MP4 writer: H.264, 17 frames 64x64 @ 8 fps round-trips (count, size, fps, PSNR > 30 dB)', async ({ page }) => {
  pipeConsole(page);
  const r = await runInHarness<RoundTripResult>(page, H, 'roundTrip', { width: 64, height: 64, frames: 17, fps: 8 });
  console.log(summary(r));
  expect(r.family).toBe('avc');
  expect(r.decoded.codec).toBe('avc');
  expectGoodRoundTrip(r, 17, 64, 64, 8);
});

test('MP4 writer: falls back to VP9 / VP8 / AV1 when the preferred codec is refused; non-square frames; another fps', async ({ page }) => {
  pipeConsole(page);
  const vp9 = await runInHarness<RoundTripResult>(page, H, 'roundTrip', {
    width: 96, height: 64, frames: 9, fps: 8,
    codecs: [{ family: 'avc', codec: 'avc1.ffffff' }, { family: 'vp9', codec: 'vp09.00.10.08' }, { family: 'vp8', codec: 'vp8' }],
  });
  console.log(summary(vp9));
  expect(vp9.decoded.codec).toBe('vp9');
  expectGoodRoundTrip(vp9, 9, 96, 64, 8);
  const vp8 = await runInHarness<RoundTripResult>(page, H, 'roundTrip', {
    width: 64, height: 48, frames: 5, fps: 24, codecs: [{ family: 'vp8', codec: 'vp8' }],
  });
  console.log(summary(vp8));
  expect(vp8.decoded.codec).toBe('vp8');
  expectGoodRoundTrip(vp8, 5, 64, 48, 24);
  const av1 = await runInHarness<RoundTripResult>(page, H, 'roundTrip', {
    width: 64, height: 64, frames: 5, fps: 8, codecs: [{ family: 'vp9', codec: 'vp09.99.99.99' }, { family: 'av1', codec: 'av01.0.04M.08' }],
  });
  console.log(summary(av1));
  expect(av1.decoded.codec).toBe('av1');
  expectGoodRoundTrip(av1, 5, 64, 64, 8);
});

test('MP4 writer works inside a Worker; single-frame clip', async ({ page }) => {
  pipeConsole(page);
  const r = await runInHarness<RoundTripResult & { inWorker: boolean }>(page, H, 'roundTripInWorker', { width: 64, height: 64, frames: 6, fps: 8 });
  console.log(`worker: ${summary(r)}`);
  expect(r.inWorker).toBe(true);
  expectGoodRoundTrip(r, 6, 64, 64, 8);
  const one = await runInHarness<RoundTripResult>(page, H, 'roundTrip', { width: 32, height: 32, frames: 1, fps: 8 });
  console.log(`T=1: ${summary(one)}`);
  expectGoodRoundTrip(one, 1, 32, 32, 8);
});

test('MP4 writer rejects misuse with clear errors', async ({ page }) => {
  pipeConsole(page);
  const e = await runInHarness<Record<string, string>>(page, H, 'misuse');
  console.log(JSON.stringify(e, null, 1));
  expect(e.oddWidth).toMatch(/width must be even/);
  expect(e.zeroFps).toMatch(/fps/);
  expect(e.noCodec).toMatch(/no video encoder/);
  expect(e.wrongSize).toMatch(/bytes/);
  expect(e.outOfOrder).toMatch(/in order/);
  expect(e.afterAbort).toMatch(/after aborted/);
  expect(e.emptyFinalize).toMatch(/no frames/);
});
