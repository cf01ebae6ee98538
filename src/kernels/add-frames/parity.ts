// Parity cases of add_frames.wgsl against the CPU reference (reference.ts), run by e2e/kernels-add-frames.spec.ts
// through e2e/harness/add-frames.ts. Pure data (Node and the page import it).
import type { AddFramesSpec } from './add-frames';

export interface AddFramesCase {
  spec: AddFramesSpec;
  seed: number;
  maxWorkgroupsPerDimension?: number;
}

export function cases(): AddFramesCase[] {
  const out: AddFramesCase[] = [];
  let seed = 1;
  const side = (channels: number, frames: number, offset: number) => ({ channels, frames, offset });
  // The decoder's shapes (B = 1, 3 LL channels of 12 / 24) incl. T = 1, the delay frame and shifted windows.
  for (const [F, Td, dOff, Cs, Ts, sOff, plane] of [
    [1, 1, 0, 3, 1, 0, 4], // chunk 0 / an image: one frame
    [1, 4, 0, 3, 1, 0, 16], // the delay frame into w2 frame 0
    [3, 4, 1, 3, 4, 0, 16], // s3 frames 0..2 into w2 frames 1..3
    [3, 3, 0, 3, 4, 1, 64], // chunk 1: s3 from frame 1
    [5, 5, 0, 3, 5, 0, 36], // IWT2D(w2) into w1
  ]) {
    out.push({ spec: { batch: 1, channels: 3, frames: F, plane, dst: side(12, Td, dOff), src: side(Cs, Ts, sOff) }, seed: seed++ });
    out.push({ spec: { batch: 1, channels: 3, frames: F, plane, dst: side(24, Td, dOff), src: side(Cs, Ts, sOff) }, seed: seed++ });
  }
  // Batches, odd planes, all channels, one channel.
  out.push({ spec: { batch: 2, channels: 3, frames: 2, plane: 15, dst: side(12, 5, 3), src: side(4, 3, 1) }, seed: seed++ });
  out.push({ spec: { batch: 3, channels: 1, frames: 1, plane: 1, dst: side(1, 1, 0), src: side(2, 2, 1) }, seed: seed++ });
  out.push({ spec: { batch: 2, channels: 5, frames: 3, plane: 7, dst: side(5, 3, 0), src: side(5, 3, 0) }, seed: seed++ });
  // 2D dispatch (cap 3 workgroups per dimension).
  out.push({ spec: { batch: 1, channels: 3, frames: 3, plane: 36, dst: side(12, 4, 1), src: side(3, 4, 0) }, seed: seed++, maxWorkgroupsPerDimension: 3 });
  return out;
}

