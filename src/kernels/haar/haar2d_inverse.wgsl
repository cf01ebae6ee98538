// WF-VAE 2D Haar wavelet transform, inverse (upstream InverseHaarWaveletTransform2D in modules/wavelet.py), per frame.
//
// Layout. Input  coefficients y: [B, 4C, T, H', W'] row-major f32, SUBBAND-MAJOR (channel s*C + c holds subband s
//         of output channel c), exactly what haar2d_forward.wgsl writes.
//         Output x: [B, C, T, 2H', 2W'].
//
// Math. Each subband group goes through a stride-2 transposed 2D conv with its 2x2 filter (entries +-1/2, order
// [LL, high-in-h, high-in-w, high-in-h-and-w]); the four results are summed:
//   x(t, 2y+dh, 2x+dw) = 1/2 * sum_s (-1)^(bit0(s)*dh + bit1(s)*dw) * y_s(t, y, x)
// (bit0 of s = h, bit1 = w, as in haar2d_forward.wgsl). The filters are orthonormal, so this is the exact inverse.
//
// One invocation reads the 4 subband values of one coefficient position once and writes its whole 2x2 block.
// Invocations are linearised over (b, c, t, y, x) with x fastest; the dispatch may be 2D (see haar.ts).

const COEF: f32 = 0.5;

struct Params {
  channels: u32,   // C, output channels (= channels per subband of the input)
  frames: u32,     // T (unchanged)
  in_height: u32,  // H'
  in_width: u32,   // W'
  out_height: u32, // 2H'
  out_width: u32,  // 2W'
  blocks: u32,     // B * C * T * H' * W': invocations with work
}

// params, src, dst, Invocation: see ../elementwise.wgsl; wht4, block_at: haar_common.wgsl.

@compute @workgroup_size(64)
fn main(inv: Invocation) {
  let blk = block_at(inv, params.in_width, params.in_height, params.frames);
  if (!blk.live) {
    return;
  }

  let in_plane = params.in_height * params.in_width;
  let subband_stride = params.channels * params.frames * in_plane; // channel s*C+c -> (s+1)*C+c
  let base = ((blk.b * 4u * params.channels + blk.c) * params.frames + blk.t) * in_plane + blk.y * params.in_width + blk.x;
  let v = array<f32, 4>(
    src[base], src[base + subband_stride], src[base + 2u * subband_stride], src[base + 3u * subband_stride],
  );
  let z = wht4(v); // z[d], d = dh + 2*dw

  let o00 = ((blk.bc * params.frames + blk.t) * params.out_height + 2u * blk.y) * params.out_width + 2u * blk.x; // (dh 0, dw 0)
  let o10 = o00 + params.out_width;                                                              // (dh 1, dw 0)
  dst[o00] = COEF * z[0];
  dst[o10] = COEF * z[1];
  dst[o00 + 1u] = COEF * z[2];
  dst[o10 + 1u] = COEF * z[3];
}
