// Tiled VAE decode through the real exported graphs (vae_decoder_chunk_head/_tail.onnx on onnxruntime-node) against
// the one-shot decoder vae_decoder.onnx, plus the tile grid's invariants.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { axisWeights, tileSpans } from '../core/tile-grid';
import { parseChunkSchedule, streamDecode, type TensorF32 } from './vae-stream';
import { parseTilesInfo, tiledChunkRunner, type TiledState } from './vae-tiles';

const DIR = 'public/models/osp-v13-tiny';

describe('tile grid', () => {
  it('covers the axis, last tile flush with the edge', () => {
    expect(tileSpans(16, 15, 14)).toEqual([[0, 15], [1, 16]]);
    expect(tileSpans(44, 32, 16)).toEqual([[0, 32], [12, 44]]);
    expect(tileSpans(80, 32, 16)).toEqual([[0, 32], [16, 48], [32, 64], [48, 80]]);
    expect(tileSpans(8, 32, 16)).toEqual([[0, 8]]);
    expect(() => tileSpans(16, 8, 8)).toThrow(/overlap < tile/);
  });
  it('weights sum to 1 and never use the margin beside a cut', () => {
    for (const [n, tile, overlap, blend] of [[80, 32, 16, 2], [44, 32, 16, 2], [16, 15, 14, 0], [40, 20, 9, 3]]) {
      const spans = tileSpans(n, tile, overlap);
      const ws = axisWeights(spans, n, 8, blend);
      const sum = new Float64Array(n * 8);
      spans.forEach(([a], k) => ws[k].forEach((v, p) => (sum[a * 8 + p] += v)));
      expect(Math.max(...sum.map((s) => Math.abs(s - 1)))).toBeLessThan(1e-6);
      const margin = (overlap - blend) / 2;
      spans.forEach(([a, b], k) => {
        if (k > 0) expect(Math.max(...ws[k].subarray(0, Math.floor(margin * 8)))).toBe(0);
        if (k < spans.length - 1) expect(Math.max(...ws[k].subarray((b - a - Math.floor(margin)) * 8))).toBe(0);
      });
    }
  });
});

describe('tiled decode on the bundled VAE (onnxruntime-node)', () => {
  const sessions: ort.InferenceSession[] = [];
  afterAll(async () => {
    for (const s of sessions) await s.release();
  });
  const open = async (name: string) => {
    const s = await ort.InferenceSession.create(join(DIR, name), { intraOpNumThreads: 1 });
    sessions.push(s);
    return s;
  };
  const schedule = parseChunkSchedule(JSON.parse(readFileSync(join(DIR, 'vae_decoder_chunk.json'), 'utf8')));
  const info = parseTilesInfo(JSON.parse(readFileSync(join(DIR, 'vae_decoder_tiles.json'), 'utf8')), schedule);
  const tensor = (d: Float32Array, dims: readonly number[]) => new ort.Tensor('float32', d, dims) as never;

  it('rejects a tiles JSON that does not split the chunk states', () => {
    expect(() => parseTilesInfo({ head_states: [0], tail_states: [1], head_channels: 8, margin: 7 }, schedule)).toThrow(/split the chunk states/);
    expect(info.margin).toBe(7);
  });

  it('the exported head/tail graphs + TS blend reproduce PyTorch decode_tiled (6 tiles, 3 chunks)', async () => {
    const fx = JSON.parse(readFileSync('training/fixtures/vae/tiled.json', 'utf8')) as { shape: number[]; tile: number; margin: number; blend: number; t_chunk: number; video_shape: number[]; atol: number };
    const bin = (f: string) => { const b = readFileSync(join('training/fixtures/vae', f)); return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4); };
    const latent: TensorF32 = { data: bin('tiled.in.latent.bin'), dims: fx.shape };
    const want = bin('tiled.out.video.bin');
    const [, , F, H, W] = fx.video_shape;
    const runner = tiledChunkRunner(await open('vae_decoder_chunk_head.onnx') as never, await open('vae_decoder_chunk_tail.onnx') as never, tensor, schedule, { ...info, margin: fx.margin }, { tile: fx.tile, blend: fx.blend });
    expect((runner.initialState(fx.shape[3], fx.shape[4]) as TiledState<unknown>).tiles.length).toBe(6);
    let maxErr = 0;
    for await (const c of streamDecode(runner, latent, { keepRaw: true, chunkFrames: fx.t_chunk })) {
      const cf = c.raw!.dims[2];
      for (let ch = 0; ch < 3; ch++) for (let t = 0; t < cf; t++) for (let p = 0; p < H * W; p++) {
        maxErr = Math.max(maxErr, Math.abs(c.raw!.data[(ch * cf + t) * H * W + p] - want[(ch * F + c.firstFrame + t) * H * W + p]));
      }
    }
    console.log(`ORT head/tail graphs + TS blend vs PyTorch decode_tiled: max |Δ| ${maxErr.toExponential(2)}`);
    expect(maxErr).toBeLessThan(fx.atol);
  }, 60_000);

  it('128² in 2×2 tiles matches the one-shot decoder within 1e-3 (pixel space, [−1, 1])', async () => {
    const [head, tail, one] = [await open('vae_decoder_chunk_head.onnx'), await open('vae_decoder_chunk_tail.onnx'), await open('vae_decoder.onnx')];
    let seed = 1;
    const gauss = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const u = (seed + 1) / 2 ** 31;
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return Math.sqrt(-2 * Math.log(u)) * Math.cos((2 * Math.PI * seed) / 2 ** 31);
    };
    const dims = [1, 8, 5, 16, 16];
    const latent: TensorF32 = { data: Float32Array.from({ length: 8 * 5 * 256 }, () => gauss() * 0.18215), dims };
    const full = (await one.run({ latent: new ort.Tensor('float32', latent.data, dims) })).video;
    const fd = full.data as Float32Array;
    const [, , F, H, W] = full.dims;
    const runner = tiledChunkRunner(head as never, tail as never, tensor, schedule, info, { tile: 15, blend: 0 });
    expect((runner.initialState(16, 16) as TiledState<unknown>).tiles.length).toBe(4);
    let maxErr = 0;
    let frames = 0;
    for await (const c of streamDecode(runner, latent, { keepRaw: true })) {
      const cf = c.raw!.dims[2];
      for (let ch = 0; ch < 3; ch++) for (let t = 0; t < cf; t++) for (let p = 0; p < H * W; p++) {
        maxErr = Math.max(maxErr, Math.abs(c.raw!.data[(ch * cf + t) * H * W + p] - fd[(ch * F + c.firstFrame + t) * H * W + p]));
      }
      frames += cf;
    }
    console.log(`tiled 2×2 (tile 15, overlap 14, blend 0) vs one-shot, 17×128²: max |Δ| ${maxErr.toExponential(2)}`);
    expect(frames).toBe(17);
    expect(maxErr).toBeLessThan(1e-3);
    expect(maxErr).toBeGreaterThan(0); // the tiles really ran (a whole-frame decode would be ~1e-6)
  }, 120_000);
});
