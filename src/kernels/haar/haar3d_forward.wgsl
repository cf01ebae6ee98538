// WF-VAE 3D Haar wavelet transform, forward (upstream HaarWaveletTransform3D in modules/wavelet.py).
//
// Layout. Input  x: [B, C, T, H, W] row-major f32 (NCTHW, as PyTorch/ONNX).
//         Output y: [B, 8C, T', H/2, W/2], SUBBAND-MAJOR: output channel = s*C + c (for RGB, channels 0..2 = LLL).
//
// Math. Per input channel independently (depthwise), eight 2x2x2 filters applied with stride 2 on (t, h, w):
//   y_s(j, y, x) = COEF * sum_{dt,dh,dw in {0,1}} sign_s(dt,dh,dw) * p(2j+dt, 2y+dh, 2x+dw)
//   sign_s(dt,dh,dw) = (-1)^(bit0(s)*dw + bit1(s)*dh + bit2(s)*dt)
// i.e. bit0 of s = high-pass in w, bit1 = high in h, bit2 = high in t
// (s = 0 LLL, 1 w, 2 h, 3 h+w, 4 t, 5 t+w, 6 t+h, 7 t+h+w). The 8 outputs of one block are the unnormalised
// 8-point Walsh-Hadamard transform of its 8 inputs (index d = dw + 2*dh + 4*dt), times COEF.
//
// Causal first frame (upstream CausalConv3d, temporal kernel 2): p is x with frame 0 replicated once in front,
// so output frame 0 pairs (x0, x0) and frame j >= 1 pairs (x_{2j-1}, x_{2j}); T = 1+2m -> T' = 1+m.
// Later chunks of a chunked (causal-cache) encode have no padding (the cache is empty for kernel = stride = 2):
// T even -> T' = T/2, frame j pairs (x_{2j}, x_{2j+1}). Selected by params.first_chunk.
//
// COEF. Upstream uses 0.3536, a rounded 1/(2*sqrt(2)); 8*0.3536^2 = 1.000264, so with it inverse(forward(x)) =
// 1.000264*x rather than x. The host passes COEF as a pipeline-overridable constant: the default is upstream's
// 0.3536 (as f32), which official checkpoints were trained with; 1/(2*sqrt(2)) gives an orthonormal transform.
//
// One invocation computes one whole 2x2x2 block: reads its 8 inputs once and writes the 8 subband values.
// Invocations are linearised over (b, c, j, y, x) with x fastest (blk.t = j); the dispatch may be 2D (see haar.ts).

override COEF: f32 = 0.3536;

struct Params {
  channels: u32,    // C, input channels (= channels per subband of the output)
  in_frames: u32,   // T
  in_height: u32,   // H (even)
  in_width: u32,    // W (even)
  out_frames: u32,  // T'
  out_height: u32,  // H / 2
  out_width: u32,   // W / 2
  first_chunk: u32, // 1: replicate frame 0 (one-shot / first chunk), 0: later chunk
  blocks: u32,      // B * C * T' * (H/2) * (W/2): invocations with work
}

// params, src, dst, Invocation: see ../elementwise.wgsl; wht8, block_at: haar_common.wgsl.

@compute @workgroup_size(64)
fn main(inv: Invocation) {
  let blk = block_at(inv, params.out_width, params.out_height, params.out_frames);
  if (!blk.live) {
    return;
  }

  // The two input frames of temporal pair j = blk.t.
  var t0: u32;
  var t1: u32;
  if (params.first_chunk != 0u) {
    t1 = 2u * blk.t;
    t0 = max(t1, 1u) - 1u; // j = 0 -> (0, 0): frame 0 replicated
  } else {
    t0 = 2u * blk.t;
    t1 = t0 + 1u;
  }

  let plane = params.in_height * params.in_width;
  let row0 = (2u * blk.y) * params.in_width + 2u * blk.x; // (dh = 0, dw = 0) inside a frame
  let row1 = row0 + params.in_width;              // (dh = 1, dw = 0)
  let f0 = (blk.bc * params.in_frames + t0) * plane;
  let f1 = (blk.bc * params.in_frames + t1) * plane;
  let v = array<f32, 8>(
    src[f0 + row0], src[f0 + row0 + 1u], src[f0 + row1], src[f0 + row1 + 1u],
    src[f1 + row0], src[f1 + row0 + 1u], src[f1 + row1], src[f1 + row1 + 1u],
  );
  let s = wht8(v);

  let out_plane = params.out_height * params.out_width;
  let out_pos = blk.t * out_plane + blk.y * params.out_width + blk.x;
  let subband_stride = params.channels * params.out_frames * out_plane; // channel s*C+c -> (s+1)*C+c
  let base = (blk.b * 8u * params.channels + blk.c) * params.out_frames * out_plane + out_pos;
  dst[base] = COEF * s[0];
  dst[base + subband_stride] = COEF * s[1];
  dst[base + 2u * subband_stride] = COEF * s[2];
  dst[base + 3u * subband_stride] = COEF * s[3];
  dst[base + 4u * subband_stride] = COEF * s[4];
  dst[base + 5u * subband_stride] = COEF * s[5];
  dst[base + 6u * subband_stride] = COEF * s[6];
  dst[base + 7u * subband_stride] = COEF * s[7];
}
