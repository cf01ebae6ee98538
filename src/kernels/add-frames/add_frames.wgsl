// Frame-window add between two [B, C, T, H, W] tensors: the "+=" of the WF-VAE decoder's energy-flow sums, where
// the inverse Haar output of one level is added into the LL band (channels 0..C−1, subband-major) of the next.
//
//   dst[b, c, dst_offset + f, p] += src[b, c, src_offset + f, p]     for c < channels, f < frames, p < plane
//
// dst and src may hold more channels than are added (dst_batch_stride / src_batch_stride = elements per batch item)
// and different frame counts (dst_frames / src_frames per channel), so one dispatch adds a window of frames of the
// LL band: e.g. the delayed IWT3D(w3) stream into w2_pre with a one-frame shift (vae_split.json decode_chunk).
// src and dst must be different buffers. One invocation per added element, linear over (b, c, f, p) with p fastest;
// 64-wide workgroups folded into a 2D dispatch beyond maxComputeWorkgroupsPerDimension (src/kernels/add-frames/add-frames.ts).

struct Params {
  channels: u32,         // C: channels added (the LL band: 3 for RGB)
  frames: u32,           // F: frames added
  plane: u32,            // H * W
  dst_frames: u32,       // frames per channel of dst
  dst_offset: u32,       // first dst frame written
  dst_batch_stride: u32, // elements per batch item of dst
  src_frames: u32,       // frames per channel of src
  src_offset: u32,       // first src frame read
  src_batch_stride: u32, // elements per batch item of src
  total: u32,            // B * C * F * plane: invocations with work
}

// params, src, dst, Invocation: see ../elementwise.wgsl (add-frames.ts prepends it).

@compute @workgroup_size(64)
fn main(inv: Invocation) {
  let i = invocation_index(inv);
  if (i >= params.total) {
    return;
  }
  let p = i % params.plane;
  var r = i / params.plane;
  let f = r % params.frames;
  r = r / params.frames;
  let c = r % params.channels;
  let b = r / params.channels;
  let d = b * params.dst_batch_stride + (c * params.dst_frames + params.dst_offset + f) * params.plane + p;
  let s = b * params.src_batch_stride + (c * params.src_frames + params.src_offset + f) * params.plane + p;
  dst[d] = dst[d] + src[s];
}
