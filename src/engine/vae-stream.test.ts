// Streaming chunk decode logic on onnxruntime-node (the Chromium/onnxruntime-web run is e2e/engine-vae.spec.ts):
// the chunk loop over the real exported graph, for several chunk sizes, equals the one-graph decoder.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import {
  chunkBounds,
  chunkPixelFrames,
  ortChunkRunner,
  parseChunkSchedule,
  sliceLatentFrames,
  streamDecode,
  videoToRgba,
  type TensorF32,
} from './vae-stream';
import { latentPreview, defaultPreviewMap } from './latent-preview';
import { CancelToken, CancelledError } from '../core/cancel';

const MODEL_DIR = 'public/models/osp-v13-tiny';
const FIX = 'training/fixtures/vae';

function bin(file: string): Float32Array {
  const b = readFileSync(join(FIX, file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

describe('chunk schedule arithmetic', () => {
  it('bounds and per-chunk frame counts add up to 1 + 4(T − 1)', () => {
    expect(chunkBounds(5, 2)).toEqual([[0, 1], [1, 3], [3, 5]]);
    expect(chunkBounds(1, 2)).toEqual([[0, 1]]);
    expect(chunkBounds(4, 2)).toEqual([[0, 1], [1, 3], [3, 4]]);
    for (const T of [1, 2, 3, 5, 8]) {
      for (const n of [1, 2, 3, 4]) {
        const b = chunkBounds(T, n);
        const total = b.reduce((s, [a, e], i) => s + chunkPixelFrames(i, b.length, e - a), 0);
        expect(total, `T=${T} n=${n}`).toBe(1 + 4 * (T - 1));
      }
    }
    expect(() => chunkBounds(0)).toThrow(RangeError);
    expect(() => chunkBounds(3, 0)).toThrow(RangeError);
  });

  it('videoToRgba clamps, rounds and lays out RGBA', () => {
    // [1,3,2,1,2]: frame 0 pixels (x0, x1), frame 1 pixels (x2, x3) per channel.
    const data = Float32Array.from([-1, 1, 0, 2, /* g */ -3, 0.5, 0.001, -0.999, /* b */ 0, 0, 0, 0]);
    const f = videoToRgba({ data, dims: [1, 3, 2, 1, 2] });
    expect(f.length).toBe(2);
    expect([...f[0]]).toEqual([0, 0, 128, 255, 255, 191, 128, 255]);
    expect([...f[1]]).toEqual([128, 128, 128, 255, 255, 0, 128, 255]);
  });

  it('latent preview applies the linear map per cell, with upscaling', () => {
    const dims = [1, 8, 2, 1, 2];
    const z = new Float32Array(32);
    z[0] = 1; // channel 0, frame 0, x = 0
    z[1 * 4 + 2] = -1; // channel 1, frame 1, x = 0
    const p = latentPreview(z, dims, defaultPreviewMap(8), { scale: 2 });
    expect([p.width, p.height, p.frames]).toEqual([4, 2, 2]);
    expect([...p.data.slice(0, 4)]).toEqual([191, 128, 128, 255]); // 0.5·1 → 0.75·255
    expect([...p.data.slice(4, 8)]).toEqual([191, 128, 128, 255]); // upscaled neighbour
    expect([...p.data.slice((2 * 4) * 4, (2 * 4) * 4 + 4)]).toEqual([128, 64, 128, 255]); // frame 1 row 0
    expect(() => latentPreview(z, [1, 8, 2, 1, 3], defaultPreviewMap(8))).toThrow(RangeError);
    expect(() => latentPreview(z, dims, defaultPreviewMap(4))).toThrow(/3 × 8/);
  });
});

describe('streamDecode over vae_decoder_chunk.onnx (onnxruntime-node)', () => {
  const sessions: ort.InferenceSession[] = [];
  afterAll(async () => {
    for (const s of sessions) await s.release();
  });
  const schedule = parseChunkSchedule(JSON.parse(readFileSync(join(MODEL_DIR, 'vae_decoder_chunk.json'), 'utf8')));
  const index = JSON.parse(readFileSync(join(FIX, 'index.json'), 'utf8'));
  const ref17 = index.fixtures.decoder_17;
  const latent: TensorF32 = { data: bin(ref17.inputs.latent.file), dims: ref17.inputs.latent.shape };

  async function open(name: string) {
    const s = await ort.InferenceSession.create(join(MODEL_DIR, name));
    sessions.push(s);
    return s;
  }

  it('chunk sizes 1, 2, 3 and T = 1 match the one-graph decoder', async () => {
    const chunk = await open('vae_decoder_chunk.onnx');
    const one = await open('vae_decoder.onnx');
    const runner = ortChunkRunner(chunk as never, (d, dims) => new ort.Tensor('float32', d, dims) as never, schedule);
    const full = (await one.run({ latent: new ort.Tensor('float32', latent.data, latent.dims) })).video;
    const fullRgba = videoToRgba({ data: full.data as Float32Array, dims: full.dims });
    for (const n of [1, 2, 3]) {
      const frames: Uint8Array[] = [];
      let maxErr = 0;
      let chunks = 0;
      for await (const c of streamDecode(runner, latent, { chunkFrames: n, keepRaw: true })) {
        expect(c.firstFrame).toBe(frames.length);
        chunks++;
        const fd = full.data as Float32Array;
        const [, , F, H, W] = full.dims;
        const cf = c.raw!.dims[2];
        for (let ch = 0; ch < 3; ch++) for (let t = 0; t < cf; t++) for (let p = 0; p < H * W; p++) {
          const a = c.raw!.data[(ch * cf + t) * H * W + p];
          const b = fd[(ch * F + c.firstFrame + t) * H * W + p];
          maxErr = Math.max(maxErr, Math.abs(a - b));
        }
        frames.push(...c.frames);
      }
      console.log(`chunkFrames=${n}: ${chunks} chunks, ${frames.length} frames, max |chunked − one-graph| ${maxErr.toExponential(2)}`);
      expect(frames.length).toBe(17);
      expect(maxErr).toBeLessThanOrEqual(1e-4);
      let maxPix = 0;
      for (let i = 0; i < 17; i++) for (let j = 0; j < frames[i].length; j++) maxPix = Math.max(maxPix, Math.abs(frames[i][j] - fullRgba[i][j]));
      expect(maxPix).toBeLessThanOrEqual(1);
    }
    // T = 1 (an image): one chunk, one frame, equal to the first frame of the 17-frame decode (causality).
    const first = sliceLatentFrames(latent, 0, 1);
    const got: Uint8Array[] = [];
    for await (const c of streamDecode(runner, first)) got.push(...c.frames);
    expect(got.length).toBe(1);
    let d = 0;
    for (let j = 0; j < got[0].length; j++) d = Math.max(d, Math.abs(got[0][j] - fullRgba[0][j]));
    expect(d).toBeLessThanOrEqual(1);
  }, 60_000);

  it('every one-graph decoder fixture (any T, incl. T = 1 image fixtures when exported) is reproduced by the stream', async () => {
    const chunk = await open('vae_decoder_chunk.onnx');
    const runner = ortChunkRunner(chunk as never, (d, dims) => new ort.Tensor('float32', d, dims) as never, schedule);
    const fixtures = Object.entries(index.fixtures as Record<string, { graph: string; kind: string; atol: number; inputs: Record<string, { file: string; shape: number[] }>; outputs: Record<string, { file: string; shape: number[] }> }>)
      .filter(([, f]) => f.graph === 'vae_decoder.onnx' && f.kind === 'single');
    expect(fixtures.length).toBeGreaterThanOrEqual(2);
    for (const [key, f] of fixtures) {
      const lat: TensorF32 = { data: bin(f.inputs.latent.file), dims: f.inputs.latent.shape };
      const want = bin(f.outputs.video.file);
      const [, , F, H, W] = f.outputs.video.shape;
      let maxErr = 0;
      let frames = 0;
      for await (const c of streamDecode(runner, lat, { keepRaw: true })) {
        const cf = c.raw!.dims[2];
        for (let ch = 0; ch < 3; ch++) for (let t = 0; t < cf; t++) for (let p = 0; p < H * W; p++) {
          maxErr = Math.max(maxErr, Math.abs(c.raw!.data[(ch * cf + t) * H * W + p] - want[(ch * F + c.firstFrame + t) * H * W + p]));
        }
        frames += cf;
      }
      console.log(`${key}: T=${lat.dims[2]} → ${frames} frames, max |stream − PyTorch| ${maxErr.toExponential(2)}`);
      expect(frames).toBe(F);
      expect(maxErr).toBeLessThanOrEqual(Math.max(f.atol, 1e-4));
    }
  }, 60_000);

  it('stops between chunks when cancelled and rejects malformed latents', async () => {
    const chunk = await open('vae_decoder_chunk.onnx');
    const runner = ortChunkRunner(chunk as never, (d, dims) => new ort.Tensor('float32', d, dims) as never, schedule);
    const token = new CancelToken();
    let seen = 0;
    await expect((async () => {
      for await (const c of streamDecode(runner, latent, { cancel: token })) {
        seen += c.frames.length;
        token.cancel();
      }
    })()).rejects.toBeInstanceOf(CancelledError);
    expect(seen).toBe(1);
    await expect(streamDecode(runner, { data: new Float32Array(10), dims: [1, 8, 5, 4, 4] }).next()).rejects.toThrow(RangeError);
    await expect(streamDecode(runner, { data: new Float32Array(10), dims: [8, 5, 4, 4] }).next()).rejects.toThrow(RangeError);
  }, 60_000);
});
