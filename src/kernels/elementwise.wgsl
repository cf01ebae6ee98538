// Bindings and invocation numbering shared by the one-invocation-per-item kernels (haar/*.wgsl and
// add-frames/add_frames.wgsl): their wrappers prepend this file to each kernel's source (WGSL has no #include).
// Each kernel declares its own `struct Params` (typed in its params.ts). Workgroups are 64 wide, numbered linearly
// and folded into a 2D dispatch when there are more than maxComputeWorkgroupsPerDimension of them
// (ComputeKernel.fold in src/kernels/base.ts).

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

struct Invocation {
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
}

// The linear index of this invocation over the whole (possibly 2D-folded) dispatch.
fn invocation_index(inv: Invocation) -> u32 {
  return (inv.wid.y * inv.nwg.x + inv.wid.x) * 64u + inv.lid;
}
