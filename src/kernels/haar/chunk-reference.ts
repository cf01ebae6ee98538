// CPU reference of the Haar steps of one WF-VAE decoder chunk outside vae_decoder_chunk_core.onnx, written like
// training/export_vae.py haar_chunk_tail (vae_split.json decode_chunk): s3 = IWT3D(w3) with all frames,
// seq = concat(delay, s3), w2 = w2_pre + seq[start : start + T2] in the LL band (start 2 / 1 / 0 for chunk 0 / 1 / ≥ 2),
// w1 = w1_pre + IWT2D(w2) in the LL band, video = IWT3D(w1) (first frame dropped on chunk 0), next delay = last s3
// frame. B = 1, RGB (3 LL channels). The oracle for src/engine/vae-stream-webgpu.ts.
import type { VideoShape } from './haar';
import { refHaar2dInverse, refHaar3dInverse } from './reference';

export interface RefTensor {
  data: Float32Array;
  dims: readonly number[];
}

function shapeOf(t: RefTensor): VideoShape {
  const [batch, channels, frames, height, width] = t.dims;
  if (t.dims.length !== 5 || batch !== 1) throw new RangeError(`expected [1, C, T, H, W], got ${JSON.stringify(t.dims)}`);
  return { batch, channels, frames, height, width };
}

/** Frames [a, b) of channel c of a B = 1 tensor. */
function frames(x: Float32Array, s: VideoShape, c: number, a: number, b: number): Float32Array {
  const plane = s.height * s.width;
  return x.subarray((c * s.frames + a) * plane, (c * s.frames + b) * plane);
}

/** x[:, 0:3] += y (y: [1, 3, T, H, W] with x's T, H, W), in place. */
function addLL(x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < y.length; i++) x[i] = Math.fround(x[i] + y[i]);
}

export function refChunkHaarTail(
  w3: RefTensor,
  w2Pre: RefTensor,
  w1Pre: RefTensor,
  delay: Float32Array,
  chunkIndex: number,
): { video: RefTensor; delay: Float32Array } {
  const s3Shape = shapeOf(w3);
  const s3 = refHaar3dInverse(w3.data, s3Shape, false);
  const m2 = 2 * s3Shape.frames;
  const w2Shape = shapeOf(w2Pre);
  const plane2 = w2Shape.height * w2Shape.width;
  if (delay.length !== 3 * plane2) throw new RangeError(`delay has ${delay.length} values, needs ${3 * plane2}`);
  const seqFrames = 1 + m2;
  const start = chunkIndex === 0 ? 2 : chunkIndex === 1 ? 1 : 0;
  const T2 = w2Shape.frames;
  if (start + T2 > seqFrames) throw new RangeError(`chunk ${chunkIndex}: w2_pre has ${T2} frames, the s3 stream only ${seqFrames - start}`);
  const w2 = w2Pre.data.slice();
  const nextDelay = new Float32Array(3 * plane2);
  const s3s: VideoShape = { batch: 1, channels: 3, frames: m2, height: w2Shape.height, width: w2Shape.width };
  for (let c = 0; c < 3; c++) {
    const seq = new Float32Array(seqFrames * plane2);
    seq.set(delay.subarray(c * plane2, (c + 1) * plane2), 0);
    seq.set(frames(s3, s3s, c, 0, m2), plane2);
    const window = seq.subarray(start * plane2, (start + T2) * plane2);
    const dst = c * T2 * plane2;
    for (let i = 0; i < window.length; i++) w2[dst + i] = Math.fround(w2[dst + i] + window[i]);
    nextDelay.set(frames(s3, s3s, c, m2 - 1, m2), c * plane2);
  }
  const w1 = w1Pre.data.slice();
  addLL(w1, refHaar2dInverse(w2, w2Shape));
  const w1Shape = shapeOf(w1Pre);
  const drop = chunkIndex === 0;
  const video = refHaar3dInverse(w1, w1Shape, drop);
  const F = 2 * w1Shape.frames - (drop ? 1 : 0);
  return { video: { data: video, dims: [1, 3, F, 2 * w1Shape.height, 2 * w1Shape.width] }, delay: nextDelay };
}
