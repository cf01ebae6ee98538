// Plain vec4 copy: the bandwidth ceiling that the Haar kernels are compared against in `npm run bench:kernels`.
// Moves exactly the bytes it is asked to (read n, write n), nothing else. Each thread copies VEC4_PER_THREAD vec4s
// spaced one dispatch-width apart, so neighbouring threads touch neighbouring addresses (coalesced on GPUs) while
// per-thread overhead stays small (it dominates on CPU rasterisers such as SwiftShader).

const VEC4_PER_THREAD: u32 = 4u;

struct Params {
  vec4_count: u32,     // number of vec4<f32> to copy
  row_threads: u32,    // threads per dispatch row (2D dispatch when > 65535 workgroups)
  total_threads: u32,  // threads in the whole dispatch: the stride between one thread's vec4s
}

@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let thread = gid.y * params.row_threads + gid.x;
  for (var j = 0u; j < VEC4_PER_THREAD; j++) {
    let i = thread + j * params.total_threads;
    if (i < params.vec4_count) {
      dst[i] = src[i];
    }
  }
}
