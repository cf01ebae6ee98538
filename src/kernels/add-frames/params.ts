// The uniform block of add_frames.wgsl (checked against the WGSL by src/kernels/uniform-struct.test.ts). GPU-free.
import { UniformStruct } from '../uniform-struct';

export const ADD_FRAMES_PARAMS = new UniformStruct('add_frames Params', [
  ['channels', 'u32'], ['frames', 'u32'], ['plane', 'u32'],
  ['dst_frames', 'u32'], ['dst_offset', 'u32'], ['dst_batch_stride', 'u32'],
  ['src_frames', 'u32'], ['src_offset', 'u32'], ['src_batch_stride', 'u32'],
  ['total', 'u32'],
] as const);
