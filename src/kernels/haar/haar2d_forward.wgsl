// WF-VAE 2D Haar wavelet transform, forward (upstream HaarWaveletTransform2D in modules/wavelet.py), per frame.
//
// Layout. Input  x: [B, C, T, H, W] row-major f32 (NCTHW); every frame is transformed on its own.
//         Output y: [B, 4C, T, H/2, W/2], SUBBAND-MAJOR: output channel = s*C + c (for RGB, channels 0..2 = LL).
//
// Math. Four 2x2 filters with entries +-1/2, stride 2, in upstream order [aa, ad, da, dd]:
//   s = 0 LL   [[1, 1], [ 1,  1]] / 2
//   s = 1 'ad' [[1, 1], [-1, -1]] / 2   rows (h) differ   -> high-pass in h
//   s = 2 'da' [[1,-1], [ 1, -1]] / 2   columns (w) differ -> high-pass in w
//   s = 3 'dd' [[1,-1], [-1,  1]] / 2   high in h and w
//   y_s(t, y, x) = 1/2 * sum_{dh,dw} (-1)^(bit0(s)*dh + bit1(s)*dw) * x(t, 2y+dh, 2x+dw)
// NOTE the bit order differs from the 3D kernels: here bit0 of s = h, bit1 = w (upstream channel order).
// 1/2 is exact in f32 and the filters are orthonormal, so inverse(forward(x)) = x up to rounding.
//
// One invocation computes one whole 2x2 block: reads its 4 inputs once and writes the 4 subband values.
// Invocations are linearised over (b, c, t, y, x) with x fastest; the dispatch may be 2D (see haar.ts).

const COEF: f32 = 0.5;

struct Params {
  channels: u32,   // C, input channels (= channels per subband of the output)
  frames: u32,     // T (unchanged)
  in_height: u32,  // H (even)
  in_width: u32,   // W (even)
  out_height: u32, // H / 2
  out_width: u32,  // W / 2
  blocks: u32,     // B * C * T * (H/2) * (W/2): invocations with work
}

// params, src, dst, Invocation: see ../elementwise.wgsl; wht4, block_at: haar_common.wgsl.

@compute @workgroup_size(64)
fn main(inv: Invocation) {
  let blk = block_at(inv, params.out_width, params.out_height, params.frames);
  if (!blk.live) {
    return;
  }

  let i00 = ((blk.bc * params.frames + blk.t) * params.in_height + 2u * blk.y) * params.in_width + 2u * blk.x; // (dh 0, dw 0)
  let i10 = i00 + params.in_width;                                                             // (dh 1, dw 0)
  // v[d], d = dh + 2*dw
  let v = array<f32, 4>(src[i00], src[i10], src[i00 + 1u], src[i10 + 1u]);
  let s = wht4(v);

  let out_plane = params.out_height * params.out_width;
  let subband_stride = params.channels * params.frames * out_plane; // channel s*C+c -> (s+1)*C+c
  let base = ((blk.b * 4u * params.channels + blk.c) * params.frames + blk.t) * out_plane + blk.y * params.out_width + blk.x;
  dst[base] = COEF * s[0];
  dst[base + subband_stride] = COEF * s[1];
  dst[base + 2u * subband_stride] = COEF * s[2];
  dst[base + 3u * subband_stride] = COEF * s[3];
}
