// WF-VAE 3D Haar wavelet transform, inverse (upstream InverseHaarWaveletTransform3D in modules/wavelet.py).
//
// Layout. Input  coefficients y: [B, 8C, T', H', W'] row-major f32, SUBBAND-MAJOR (channel s*C + c holds subband s
//         of output channel c), exactly what haar3d_forward.wgsl writes.
//         Output x: [B, C, 2T' - 1, 2H', 2W'] when params.drop_first = 1 (one-shot / first chunk),
//                   [B, C, 2T',     2H', 2W'] when 0 (later chunks of a chunked decode).
//
// Math. Each subband group goes through a stride-2 transposed conv with the same 2x2x2 filter, and the eight
// results are summed:
//   z(2j+dt, 2y+dh, 2x+dw) = COEF * sum_s sign_s(dt,dh,dw) * y_s(j, y, x)
//   sign_s(dt,dh,dw) = (-1)^(bit0(s)*dw + bit1(s)*dh + bit2(s)*dt)   (bit0 = w, bit1 = h, bit2 = t)
// The sign matrix is symmetric in (s, d) with d = dw + 2*dh + 4*dt, so this is the same 8-point Walsh-Hadamard
// butterfly as the forward transform. With drop_first = 1, frame 0 of z (the replicated causal frame) is dropped:
// x(f) = z(f + 1); otherwise x = z.
//
// COEF. Upstream 0.3536 (default, pipeline-overridable; see haar3d_forward.wgsl): inverse(forward(x)) =
// 8*COEF^2*x = 1.000264*x. Pass 1/(2*sqrt(2)) for an exact inverse.
//
// One invocation reads the 8 subband values of one coefficient position once and writes its whole 2x2x2 block.
// Invocations are linearised over (b, c, j, y, x) with x fastest (blk.t = j); the dispatch may be 2D (see haar.ts).

override COEF: f32 = 0.3536;

struct Params {
  channels: u32,   // C, output channels (= channels per subband of the input)
  in_frames: u32,  // T'
  in_height: u32,  // H'
  in_width: u32,   // W'
  out_frames: u32, // 2T' - drop_first
  out_height: u32, // 2H'
  out_width: u32,  // 2W'
  drop_first: u32, // 1: drop the first output frame (one-shot / first chunk), 0: keep all
  blocks: u32,     // B * C * T' * H' * W': invocations with work
}

// params, src, dst, Invocation: see ../elementwise.wgsl; wht8, block_at: haar_common.wgsl.

@compute @workgroup_size(64)
fn main(inv: Invocation) {
  let blk = block_at(inv, params.in_width, params.in_height, params.in_frames);
  if (!blk.live) {
    return;
  }

  let in_plane = params.in_height * params.in_width;
  let subband_stride = params.channels * params.in_frames * in_plane; // channel s*C+c -> (s+1)*C+c
  let base = (blk.b * 8u * params.channels + blk.c) * params.in_frames * in_plane + blk.t * in_plane + blk.y * params.in_width + blk.x;
  let v = array<f32, 8>(
    src[base], src[base + subband_stride], src[base + 2u * subband_stride], src[base + 3u * subband_stride],
    src[base + 4u * subband_stride], src[base + 5u * subband_stride], src[base + 6u * subband_stride],
    src[base + 7u * subband_stride],
  );
  let z = wht8(v);

  let out_plane = params.out_height * params.out_width;
  let row0 = (2u * blk.y) * params.out_width + 2u * blk.x; // (dh = 0, dw = 0) inside a frame
  let row1 = row0 + params.out_width;              // (dh = 1, dw = 0)
  let chan = blk.bc * params.out_frames;
  // z frame 2j+dt becomes output frame 2j+dt-drop_first.
  let f1 = (chan + 2u * blk.t + 1u - params.drop_first) * out_plane;
  dst[f1 + row0] = COEF * z[4];
  dst[f1 + row0 + 1u] = COEF * z[5];
  dst[f1 + row1] = COEF * z[6];
  dst[f1 + row1 + 1u] = COEF * z[7];
  if (blk.t > 0u || params.drop_first == 0u) {
    let f0 = (chan + 2u * blk.t - params.drop_first) * out_plane;
    dst[f0 + row0] = COEF * z[0];
    dst[f0 + row0 + 1u] = COEF * z[1];
    dst[f0 + row1] = COEF * z[2];
    dst[f0 + row1 + 1u] = COEF * z[3];
  }
}
