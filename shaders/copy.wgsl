// Plain vec4 copy: the bandwidth ceiling that the Haar kernels are compared against in `npm run bench:kernels`.
// Moves exactly the bytes it is asked to (read n, write n), nothing else.

struct Params {
  vec4_count: u32,   // number of vec4<f32> to copy
  row_stride: u32,   // vec4s per dispatch row (2D dispatch when > 65535 workgroups)
}

@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * params.row_stride + gid.x;
  if (i < params.vec4_count) {
    dst[i] = src[i];
  }
}
