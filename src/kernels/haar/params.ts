// The uniform blocks of the four Haar kernels (checked against each WGSL by src/kernels/uniform-struct.test.ts).
// GPU-free.
import { UniformStruct } from '../uniform-struct';

export const HAAR3D_FORWARD_PARAMS = new UniformStruct('haar3d_forward Params', [
  ['channels', 'u32'], ['in_frames', 'u32'], ['in_height', 'u32'], ['in_width', 'u32'],
  ['out_frames', 'u32'], ['out_height', 'u32'], ['out_width', 'u32'], ['first_chunk', 'u32'], ['blocks', 'u32'],
] as const);

export const HAAR3D_INVERSE_PARAMS = new UniformStruct('haar3d_inverse Params', [
  ['channels', 'u32'], ['in_frames', 'u32'], ['in_height', 'u32'], ['in_width', 'u32'],
  ['out_frames', 'u32'], ['out_height', 'u32'], ['out_width', 'u32'], ['drop_first', 'u32'], ['blocks', 'u32'],
] as const);

const HAAR2D_FIELDS = [
  ['channels', 'u32'], ['frames', 'u32'], ['in_height', 'u32'], ['in_width', 'u32'],
  ['out_height', 'u32'], ['out_width', 'u32'], ['blocks', 'u32'],
] as const;
export const HAAR2D_FORWARD_PARAMS = new UniformStruct('haar2d_forward Params', HAAR2D_FIELDS);
export const HAAR2D_INVERSE_PARAMS = new UniformStruct('haar2d_inverse Params', HAAR2D_FIELDS);
