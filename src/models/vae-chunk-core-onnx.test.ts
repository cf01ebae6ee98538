// The WebGPU split of the streaming VAE decode on onnxruntime-node: vae_decoder_chunk_core.onnx (the chunk step
// without its inverse Haar transforms) vs its PyTorch fixtures, and the core chunk loop + the CPU reference of the
// Haar steps (src/kernels/haar/chunk-reference.ts, the plan of vae_split.json decode_chunk) = the one-graph decoder and
// the whole-chunk graph, for several chunkings (T = 1, 2, 5 latent frames; chunk sizes 1–4).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { chunkBounds, parseChunkSchedule, sliceLatentFrames, stateDims, type TensorF32 } from '../engine/vae-stream';
import { chunkHaarPlan, parseChunkCore } from '../engine/vae-split';
import { refChunkHaarTail } from '../kernels/haar/chunk-reference';
import { refAddFrames } from '../kernels/add-frames/reference';
import { refHaar2dInverse, refHaar3dInverse } from '../kernels/haar/reference';
import { randomTensor } from '../../test-support/test-data';

const MODEL_DIR = 'public/models/osp-v13-tiny';
const FIX_DIR = 'training/fixtures/vae';
const index = JSON.parse(readFileSync(join(FIX_DIR, 'index.json'), 'utf8'));
const schedule = parseChunkSchedule(JSON.parse(readFileSync(join(MODEL_DIR, 'vae_decoder_chunk.json'), 'utf8')));
const core = parseChunkCore(JSON.parse(readFileSync(join(MODEL_DIR, 'vae_split.json'), 'utf8')), schedule);

function load(ref: { file: string; shape: number[] }): TensorF32 {
  const b = readFileSync(join(FIX_DIR, ref.file));
  return { data: new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)), dims: ref.shape };
}

function maxAbs(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d;
  }
  return m;
}

function concatT(parts: TensorF32[]): TensorF32 {
  const [, c, , h, w] = parts[0].dims;
  const total = parts.reduce((s, p) => s + p.dims[2], 0);
  const out = new Float32Array(c * total * h * w);
  for (let ch = 0; ch < c; ch++) {
    let t0 = 0;
    for (const p of parts) {
      const t = p.dims[2];
      out.set(p.data.subarray(ch * t * h * w, (ch + 1) * t * h * w), (ch * total + t0) * h * w);
      t0 += t;
    }
  }
  return { data: out, dims: [1, c, total, h, w] };
}

const sessions = new Map<string, ort.InferenceSession>();
async function session(graph: string): Promise<ort.InferenceSession> {
  if (!sessions.has(graph)) sessions.set(graph, await ort.InferenceSession.create(join(MODEL_DIR, graph)));
  return sessions.get(graph)!;
}
afterAll(async () => {
  for (const s of sessions.values()) await s.release();
});

const t = (x: TensorF32): ort.Tensor => new ort.Tensor('float32', x.data, x.dims as number[]);
const flag = (v: boolean): ort.Tensor => new ort.Tensor('float32', new Float32Array([v ? 1 : 0]), [1]);
const cpu = (x: ort.Tensor): TensorF32 => ({ data: x.data as Float32Array, dims: x.dims });

/** The core chunk loop + the reference Haar steps; also returns the raw core outputs per chunk. */
async function splitDecode(latent: TensorF32, n: number): Promise<{ chunks: TensorF32[]; core: Record<string, TensorF32>[] }> {
  const s = await session('vae_decoder_chunk_core.onnx');
  const [, , T, h, w] = latent.dims;
  let state: Record<string, ort.Tensor> = {};
  for (const st of core.states) {
    const dims = stateDims(st, h, w);
    state[st.input] = new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
  }
  let delay: Float32Array = new Float32Array(3 * 2 * h * 2 * w);
  const bounds = chunkBounds(T, n);
  const chunks: TensorF32[] = [];
  const outs: Record<string, TensorF32>[] = [];
  for (let i = 0; i < bounds.length; i++) {
    const out = await s.run({ latent: t(sliceLatentFrames(latent, ...bounds[i])), is_first: flag(i === 0), is_last: flag(i === bounds.length - 1), ...state });
    const c = { w3: cpu(out.w3), w2_pre: cpu(out.w2_pre), w1_pre: cpu(out.w1_pre) };
    outs.push(c);
    const r = refChunkHaarTail(c.w3, c.w2_pre, c.w1_pre, delay, i);
    chunks.push(r.video);
    delay = r.delay;
    state = Object.fromEntries(core.states.map((st) => [st.input, out[st.output]]));
  }
  return { chunks, core: outs };
}

describe('vae_decoder_chunk_core.onnx (WebGPU split of the chunk step)', () => {
  it('lists every chunk state except the W3 delay buffer', () => {
    const names = core.states.map((s) => s.module);
    expect(core.states.length).toBe(schedule.states.length - 1);
    expect(names).not.toContain('delay.w3');
    expect(names).toContain('has_prev');
  });

  it('core outputs per chunk = PyTorch, and core + reference Haar steps = the whole-chunk graph and the one-graph decoder (17 frames)', async () => {
    const fx = index.fixtures.decoder_chunk_core;
    expect(fx.graph).toBe('vae_decoder_chunk_core.onnx');
    const latent = load(fx.inputs.latent);
    const { chunks, core: outs } = await splitDecode(latent, 2);
    expect(index.chunks).toEqual(chunkBounds(latent.dims[2], 2));
    for (let i = 0; i < outs.length; i++) {
      for (const k of ['w3', 'w2_pre', 'w1_pre']) {
        const ref = load(fx.outputs[`${k}_chunk_${i}`]);
        expect(outs[i][k].dims).toEqual(ref.dims);
        expect(maxAbs(outs[i][k].data, ref.data), `${k} chunk ${i}`).toBeLessThanOrEqual(fx.atol);
      }
      const whole = load(index.fixtures.decoder_chunks.outputs[`video_chunk_${i}`]);
      expect(chunks[i].dims).toEqual(whole.dims);
      expect(maxAbs(chunks[i].data, whole.data), `video chunk ${i}`).toBeLessThanOrEqual(1e-4);
    }
    const one = (await (await session('vae_decoder.onnx')).run({ latent: t(latent) })).video;
    const err = maxAbs(concatT(chunks).data, one.data as Float32Array);
    console.log(`core loop + reference Haar vs one-graph decoder (17 frames, chunks of 2): ${err.toExponential(2)}`);
    expect(err).toBeLessThanOrEqual(1e-4);
  }, 120_000);

  for (const [T, n] of [[1, 1], [2, 1], [2, 3], [5, 1], [5, 3], [5, 4]] as const) {
    it(`T = ${T} latent frames in chunks of ${n} = the one-graph decoder`, async () => {
      const full = load(index.fixtures.decoder_chunk_core.inputs.latent);
      const latent = sliceLatentFrames(full, 0, T);
      const { chunks } = await splitDecode(latent, n);
      const one = (await (await session('vae_decoder.onnx')).run({ latent: t(latent) })).video;
      const joined = concatT(chunks);
      expect(joined.dims).toEqual(one.dims);
      expect(maxAbs(joined.data, one.data as Float32Array)).toBeLessThanOrEqual(1e-4);
    }, 120_000);
  }
});

describe('chunkHaarPlan (the WGSL dispatch plan) = the reference Haar steps', () => {
  // Execute the plan the way the WebGPU runner does (adds, delay copy) with the CPU kernels' references.
  function viaPlan(w3: TensorF32, w2: TensorF32, w1: TensorF32, delay: Float32Array, i: number): { video: Float32Array; delay: Float32Array } {
    const [, , m, h, w] = w3.dims;
    const T2 = w2.dims[2];
    const p = chunkHaarPlan(i, m, T2);
    const plane2 = 4 * h * w;
    const s3 = refHaar3dInverse(w3.data, { batch: 1, channels: 24, frames: m, height: h, width: w }, false);
    let w2d = w2.data;
    for (const a of p.adds) {
      const src = a.src === 'delay' ? delay : s3;
      const srcFrames = a.src === 'delay' ? 1 : p.s3Frames;
      w2d = refAddFrames(w2d, src, { batch: 1, channels: 3, frames: a.frames, plane: plane2, dst: { channels: 12, frames: T2, offset: a.dstOffset }, src: { channels: 3, frames: srcFrames, offset: a.srcOffset } });
    }
    const next = new Float32Array(3 * plane2);
    for (let c = 0; c < 3; c++) next.set(s3.subarray((c * p.s3Frames + p.delayFrame) * plane2, (c * p.s3Frames + p.delayFrame + 1) * plane2), c * plane2);
    const s2 = refHaar2dInverse(w2d, { batch: 1, channels: 12, frames: T2, height: 2 * h, width: 2 * w });
    const w1d = refAddFrames(w1.data, s2, { batch: 1, channels: 3, frames: T2, plane: 16 * h * w, dst: { channels: 24, frames: T2, offset: 0 }, src: { channels: 3, frames: T2, offset: 0 } });
    const video = refHaar3dInverse(w1d, { batch: 1, channels: 24, frames: T2, height: 4 * h, width: 4 * w }, p.dropFirst);
    expect(video.length).toBe(3 * p.videoFrames * 64 * h * w);
    return { video, delay: next };
  }

  // (chunk index, m = w3 frames, T2 = w2 frames) as the core graph produces them: chunk 0 (m 1, T2 1),
  // chunk 1 (2m−1, or 2m when last), later chunks (2m, or 2m+1 when last).
  for (const [i, m, T2, h, w] of [[0, 1, 1, 1, 1], [1, 1, 1, 2, 3], [1, 2, 4, 1, 2], [1, 3, 5, 2, 2], [2, 1, 2, 1, 1], [2, 2, 5, 2, 1], [3, 4, 8, 1, 3]]) {
    it(`chunk ${i}, w3 ${m} frames, w2 ${T2} frames, latent ${h}×${w}`, () => {
      let seed = 100 * i + 10 * m + T2;
      const r = (dims: number[]): TensorF32 => ({ data: randomTensor(dims.reduce((a, b) => a * b, 1), seed++), dims });
      const w3 = r([1, 24, m, h, w]);
      const w2 = r([1, 12, T2, 2 * h, 2 * w]);
      const w1 = r([1, 24, T2, 4 * h, 4 * w]);
      const delay = randomTensor(3 * 4 * h * w, seed++);
      const ref = refChunkHaarTail(w3, w2, w1, delay, i);
      const got = viaPlan(w3, w2, w1, delay, i);
      expect(maxAbs(got.video, ref.video.data)).toBeLessThanOrEqual(1e-6);
      expect(maxAbs(got.delay, ref.delay)).toBe(0);
    });
  }

  it('rejects a w2 stream longer than the s3 stream allows', () => {
    expect(() => chunkHaarPlan(0, 1, 2)).toThrow(RangeError);
    expect(() => chunkHaarPlan(2, 1, 4)).toThrow(RangeError);
    expect(chunkHaarPlan(2, 1, 3).adds).toEqual([{ src: 'delay', srcOffset: 0, dstOffset: 0, frames: 1 }, { src: 's3', srcOffset: 0, dstOffset: 1, frames: 2 }]);
  });
});
