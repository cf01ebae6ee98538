// Shared helpers of the Haar wavelet kernels (haar3d_*.wgsl, haar2d_*.wgsl). src/kernels/haar/haar.ts prepends this file
// to each kernel's source (WGSL has no #include). The unnormalised Walsh-Hadamard transform is its own inverse up
// to a factor, so the same butterflies serve analysis (forward) and synthesis (inverse).

// out[i] = sum_j (-1)^popcount(i & j) * v[j], as three butterfly stages (bit 0 = w, bit 1 = h, bit 2 = t).
fn wht8(v: array<f32, 8>) -> array<f32, 8> {
  let a0 = v[0] + v[1]; let a1 = v[0] - v[1];
  let a2 = v[2] + v[3]; let a3 = v[2] - v[3];
  let a4 = v[4] + v[5]; let a5 = v[4] - v[5];
  let a6 = v[6] + v[7]; let a7 = v[6] - v[7];
  let b0 = a0 + a2; let b2 = a0 - a2;
  let b1 = a1 + a3; let b3 = a1 - a3;
  let b4 = a4 + a6; let b6 = a4 - a6;
  let b5 = a5 + a7; let b7 = a5 - a7;
  return array<f32, 8>(b0 + b4, b1 + b5, b2 + b6, b3 + b7, b0 - b4, b1 - b5, b2 - b6, b3 - b7);
}

// out[i] = sum_j (-1)^popcount(i & j) * v[j] with index bit 0 = h, bit 1 = w (2D subband order LL, h, w, hw).
fn wht4(v: array<f32, 4>) -> array<f32, 4> {
  let a0 = v[0] + v[1]; let a1 = v[0] - v[1]; // along h, for dw = 0
  let a2 = v[2] + v[3]; let a3 = v[2] - v[3]; // along h, for dw = 1
  return array<f32, 4>(a0 + a2, a1 + a3, a0 - a2, a1 - a3);
}

// One invocation = one 2x2(x2) block, linearised over (b, c, frame, y, x) with x fastest (invocation_index:
// ../elementwise.wgsl). bc = b·C + c; t is the block's frame (the temporal pair of the 3D kernels).
struct Block { live: bool, x: u32, y: u32, t: u32, bc: u32, b: u32, c: u32 }

// This invocation's block over [B·C, frames, height, width], or live = false past the last one (params.blocks).
fn block_at(inv: Invocation, width: u32, height: u32, frames: u32) -> Block {
  let block = invocation_index(inv);
  if (block >= params.blocks) {
    return Block(false, 0u, 0u, 0u, 0u, 0u, 0u);
  }
  let x = block % width;
  var r = block / width;
  let y = r % height;
  r = r / height;
  let bc = r / frames;
  return Block(true, x, y, r % frames, bc, bc / params.channels, bc % params.channels);
}
