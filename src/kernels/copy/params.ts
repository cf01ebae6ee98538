// The uniform block of copy.wgsl (checked against the WGSL by src/kernels/uniform-struct.test.ts). GPU-free.
import { UniformStruct } from '../uniform-struct';

export const COPY_PARAMS = new UniformStruct('copy Params', [
  ['vec4_count', 'u32'], ['row_threads', 'u32'], ['total_threads', 'u32'],
] as const);
