// The uniform block both Skiparse kernels share (skiparse_common.wgsl; checked against it by
// src/kernels/uniform-struct.test.ts). GPU-free.
import { UniformStruct } from '../uniform-struct';

export const SKIPARSE_PARAMS = new UniformStruct('skiparse Params', [
  ['batch', 'u32'], ['tokens', 'u32'], ['heads', 'u32'], ['mode', 'u32'], ['kLog2', 'u32'], ['groups', 'u32'],
  ['qTiles', 'u32'], ['totalWg', 'u32'], ['wgPerRow', 'u32'], ['rowStride', 'u32'], ['scale', 'f32'], ['_pad', 'u32'],
] as const);
