// CPU reference of src/kernels/add-frames/add_frames.wgsl: dst[b, c, dstOffset + f] += src[b, c, srcOffset + f] for c < channels.
// Plain loops over explicit indices; returns a new array (dst is not modified). Self-contained (type import only).
import type { AddFramesSpec } from './add-frames';

export function refAddFrames(dst: Float32Array, src: Float32Array, s: AddFramesSpec): Float32Array {
  const n = (side: AddFramesSpec['dst']): number => s.batch * side.channels * side.frames * s.plane;
  if (dst.length !== n(s.dst) || src.length !== n(s.src)) throw new RangeError('refAddFrames: data length does not match the spec');
  if (s.dst.offset + s.frames > s.dst.frames || s.src.offset + s.frames > s.src.frames) throw new RangeError('refAddFrames: window out of range');
  if (s.channels > s.dst.channels || s.channels > s.src.channels) throw new RangeError('refAddFrames: too many channels');
  const out = dst.slice();
  for (let b = 0; b < s.batch; b++) {
    for (let c = 0; c < s.channels; c++) {
      for (let f = 0; f < s.frames; f++) {
        const d = ((b * s.dst.channels + c) * s.dst.frames + s.dst.offset + f) * s.plane;
        const r = ((b * s.src.channels + c) * s.src.frames + s.src.offset + f) * s.plane;
        for (let p = 0; p < s.plane; p++) out[d + p] = Math.fround(out[d + p] + src[r + p]);
      }
    }
  }
  return out;
}
