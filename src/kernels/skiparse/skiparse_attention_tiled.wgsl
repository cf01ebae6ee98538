// Skiparse attention for hardware GPUs (Open-Sora Plan v1.3, spec §3.5), FlashAttention-2 style: the same inputs,
// outputs, layout and Skiparse index rules as src/kernels/skiparse/skiparse_attention.wgsl (see its header: dense / Single Skip /
// Group Skip, padding = masked keys that are never read, padded queries never written), organised for a GPU's
// register file and shared memory instead of a CPU rasteriser. src/kernels/skiparse/skiparse.ts picks this kernel on a
// non-fallback adapter (src/kernels/skiparse/tiled.ts chooses its tiles).
//
// Layout: q, k, v and out are [B, N, heads·HEAD_DIM] row-major f32; one (batch b, head h, group g) is one sequence.
//
// Work decomposition (why):
//  * One workgroup = QT query positions of one sequence; TR×TC invocations. Invocation (tr, tc) owns query rows
//    tr + i·TR (i < RQ) for the whole kernel: their softmax statistics (running max m, partial sum l) and their
//    output accumulators live in its registers across all key tiles. No score row is ever stored beyond one tile.
//  * Per K/V tile of KT keys (loaded once into workgroup memory, reused by all QT rows):
//      S = Q·Kᵀ    invocation computes an RQ × RK register block (keys tc + jj·TC), from vec4 workgroup loads:
//                  per 4 head dims RQ + RK 128-bit loads feed 4·RQ·RK FMAs (SGEMM-style register blocking);
//      softmax     row max: each invocation reduces its RK keys, the TC partial maxima of a row meet in `red`;
//                  exp() is computed by every invocation for its own block (no serial per-row loop);
//      O += P·V    P goes through workgroup memory once (QT × KT); invocation accumulates RQ rows × RD4 vec4
//                  head-dim columns (tc + c·TC), per 4 keys RQ + 4·RD4 128-bit loads feed 16·RQ·RD4 FMAs.
//    The partial sums l stay per invocation (each over its own keys) and are combined once at the end.
//  * Global → workgroup copies are staged through registers: the V tile's loads are issued before S is computed
//    and the next K tile's before P·V, so their latency hides behind arithmetic instead of a barrier.
//  * Workgroup rows are stored as vec4 with an odd row stride in vec4 units, so the TC different rows a warp reads
//    at the same column fall in different 16-byte bank groups (conflict-free 128-bit loads). Head dims are padded
//    to whole vec4s with zeros (loaded as zeros; kv's columns past them are never written and start zeroed).
//  * No invocation ever assigns one component of a workgroup vec4 through a runtime index: Tint's HLSL backend
//    (Chrome on Windows) turns `v[i] = x` into a read-modify-write of the whole vector, a data race when other
//    invocations write the neighbouring components. Tiles are written as whole vec4s; P by constant components.
//  * HEAD_DIM, QT, KT, TR and TC are substituted by the wrapper (function-scope array sizes must be constant and
//    constant trip counts let the compiler unroll into registers).

const HEAD_DIM: u32 = 96u; // specialised: head dimension (1..128)
const QT: u32 = 64u;       // specialised: query positions per workgroup
const KT: u32 = 16u;       // specialised: key positions per tile (multiple of 4 and of TC)
const TR: u32 = 16u;       // specialised: invocation rows (QT = TR·RQ)
const TC: u32 = 8u;        // specialised: invocation columns (4 or 8)

const WG: u32 = TR * TC;
const RQ: u32 = QT / TR;                      // query rows per invocation
const RK: u32 = KT / TC;                      // keys per invocation in S
const D4: u32 = (HEAD_DIM + 3u) / 4u;         // vec4 columns of a head-dim row
const RD4: u32 = (D4 + TC - 1u) / TC;         // vec4 output columns per invocation
const QS4: u32 = D4 | 1u;                     // qs row stride in vec4 (odd)
const KS4: u32 = (RD4 * TC) | 1u;             // kv row stride in vec4 (odd, ≥ the RD4·TC columns P·V reads)
const PS4: u32 = (KT / 4u) | 1u;              // ps row stride in vec4 (odd)
const TILE4: u32 = KT * D4;                   // vec4s of one K or V tile
const LOADS: u32 = (TILE4 + WG - 1u) / WG;    // tile vec4s staged per invocation

var<workgroup> qs: array<vec4<f32>, QT * QS4>;  // Q tile, pre-multiplied by scale
var<workgroup> kv: array<vec4<f32>, KT * KS4>;  // K tile, then (same memory) V tile
var<workgroup> ps: array<vec4<f32>, QT * PS4>;  // probabilities of the current tile
var<workgroup> red: array<f32, QT * TC>;        // per row, one partial max (or, at the end, sum) per column

// Global loads are branch-free (clamped index + select): CPU drivers such as SwiftShader execute both sides of
// every branch, so branchy per-element loads multiply the code they compile, and a GPU gains nothing from them.

/** Where vec4 `u` of a tile row set lives: element offset of its 4 head dims, the first dim, whether its row is real. */
struct Slot { off: u32, d: u32, ok: bool }

/** Slot of vec4 u (= row j·D4 + column) of the rows starting at position p0 of sequence g, rows < count real. */
fn slotOf(g: u32, base: u32, p0: u32, count: u32, u: u32, total: u32) -> Slot {
  let j = u / D4;
  let d = 4u * (u - j * D4);
  return Slot(base + seqToken(g, p0 + j) * P.rowStride + d, d, u < total && p0 + j < count);
}

/** Lanes of a vec4 that hold real data: a real row and a dim below HEAD_DIM (the pad dims read as zero). */
fn laneMask(s: Slot) -> vec4<bool> {
  return (vec4<u32>(s.d) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(HEAD_DIM)) & vec4<bool>(s.ok);
}

fn loadQ4(s: Slot) -> vec4<f32> {
  let m = arrayLength(&qBuf) - 1u;
  let x = vec4<f32>(qBuf[min(s.off, m)], qBuf[min(s.off + 1u, m)], qBuf[min(s.off + 2u, m)], qBuf[min(s.off + 3u, m)]);
  return select(vec4<f32>(0.0), x, laneMask(s));
}

fn loadK4(s: Slot) -> vec4<f32> {
  let m = arrayLength(&kBuf) - 1u;
  let x = vec4<f32>(kBuf[min(s.off, m)], kBuf[min(s.off + 1u, m)], kBuf[min(s.off + 2u, m)], kBuf[min(s.off + 3u, m)]);
  return select(vec4<f32>(0.0), x, laneMask(s));
}

fn loadV4(s: Slot) -> vec4<f32> {
  let m = arrayLength(&vBuf) - 1u;
  let x = vec4<f32>(vBuf[min(s.off, m)], vBuf[min(s.off + 1u, m)], vBuf[min(s.off + 2u, m)], vBuf[min(s.off + 3u, m)]);
  return select(vec4<f32>(0.0), x, laneMask(s));
}

/** Stores staged vec4 u of a tile into kv (row j, column c): whole vec4s only. */
fn storeTile4(u: u32, x: vec4<f32>) {
  if (u < TILE4) {
    let j = u / D4;
    kv[j * KS4 + (u - j * D4)] = x;
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  // Loop bounds and early returns depend only on uniforms and workgroup_id: barriers stay in uniform control flow.
  let qt = queryTileOf(wid);
  if (!qt.live) { return; }
  let g = qt.g;
  let nValid = qt.nValid;
  let q0 = qt.q0;
  let base = qt.base;

  // Q tile (scale folded in), one vec4 per step; rows past nValid are zero. Consecutive invocations read
  // consecutive dims.
  for (var u = lid; u < QT * D4; u += WG) {
    let r = u / D4;
    qs[r * QS4 + (u - r * D4)] = loadQ4(slotOf(g, base, q0, nValid, u, QT * D4)) * P.scale;
  }

  let tr = lid / TC;
  let tc = lid % TC;
  var mRow: array<f32, RQ>;
  var lRow: array<f32, RQ>;
  var acc: array<array<vec4<f32>, RD4>, RQ>;
  for (var i = 0u; i < RQ; i++) {
    mRow[i] = NEG_BIG;
    lRow[i] = 0.0;
    for (var c = 0u; c < RD4; c++) { acc[i][c] = vec4<f32>(0.0); }
  }

  // Staged tile vec4s: vec4 lid + r·WG of the tile (zeros past the sequence's real keys).
  var stage: array<vec4<f32>, LOADS>;
  for (var r = 0u; r < LOADS; r++) { stage[r] = loadK4(slotOf(g, base, 0u, nValid, lid + r * WG, TILE4)); }

  for (var k0 = 0u; k0 < nValid; k0 += KT) {
    // K tile: registers → workgroup memory. The previous tile's readers of kv, ps and red finished at its last barrier.
    for (var r = 0u; r < LOADS; r++) { storeTile4(lid + r * WG, stage[r]); }
    workgroupBarrier();

    // Issue this tile's V loads now; they are consumed after S and the softmax.
    for (var r = 0u; r < LOADS; r++) { stage[r] = loadV4(slotOf(g, base, k0, nValid, lid + r * WG, TILE4)); }

    // S block = Q·Kᵀ (RQ rows × RK keys), 4 head dims per step.
    var s: array<array<f32, RK>, RQ>;
    for (var i = 0u; i < RQ; i++) { for (var jj = 0u; jj < RK; jj++) { s[i][jj] = 0.0; } }
    for (var d4 = 0u; d4 < D4; d4++) {
      var qv: array<vec4<f32>, RQ>;
      for (var i = 0u; i < RQ; i++) { qv[i] = qs[(tr + i * TR) * QS4 + d4]; }
      for (var jj = 0u; jj < RK; jj++) {
        let kx = kv[(tc + jj * TC) * KS4 + d4];
        for (var i = 0u; i < RQ; i++) {
          var a = s[i][jj];
          a = fma(qv[i].x, kx.x, a);
          a = fma(qv[i].y, kx.y, a);
          a = fma(qv[i].z, kx.z, a);
          a = fma(qv[i].w, kx.w, a);
          s[i][jj] = a;
        }
      }
    }

    // Masked keys (past the sequence's real ones) get −∞; partial row maxima meet in `red`.
    for (var i = 0u; i < RQ; i++) {
      var mx = NEG_BIG;
      for (var jj = 0u; jj < RK; jj++) {
        let ok = k0 + tc + jj * TC < nValid;
        s[i][jj] = select(NEG_BIG, s[i][jj], ok);
        mx = max(mx, s[i][jj]);
      }
      red[(tr + i * TR) * TC + tc] = mx;
    }
    workgroupBarrier(); // red complete; every read of the K tile is done

    // Online softmax for the owned rows; P → workgroup memory; V (staged) → kv.
    for (var i = 0u; i < RQ; i++) {
      let row = tr + i * TR;
      var tileMax = NEG_BIG;
      for (var t = 0u; t < TC; t++) { tileMax = max(tileMax, red[row * TC + t]); }
      let mNew = max(mRow[i], tileMax);   // finite: position 0 of each sequence is a real key
      let alpha = exp(mRow[i] - mNew);    // 0 on the first tile
      mRow[i] = mNew;
      var sum = 0.0;
      for (var jj = 0u; jj < RK; jj++) {
        let p = exp(s[i][jj] - mNew);       // exactly 0 for masked keys
        sum += p;
        // Key j = tc + jj·TC: vec4 j/4, component j mod 4 = tc mod 4 (TC is a multiple of 4), named statically.
        let slot = row * PS4 + tc / 4u + jj * (TC / 4u);
        switch (tc % 4u) {
          case 0u: { ps[slot].x = p; }
          case 1u: { ps[slot].y = p; }
          case 2u: { ps[slot].z = p; }
          default: { ps[slot].w = p; }
        }
      }
      lRow[i] = lRow[i] * alpha + sum;
      for (var c = 0u; c < RD4; c++) { acc[i][c] *= alpha; }
    }
    for (var r = 0u; r < LOADS; r++) { storeTile4(lid + r * WG, stage[r]); }
    workgroupBarrier(); // P and the V tile complete

    // Issue the next K tile's loads; consumed at the top of the next iteration.
    if (k0 + KT < nValid) {
      for (var r = 0u; r < LOADS; r++) { stage[r] = loadK4(slotOf(g, base, k0 + KT, nValid, lid + r * WG, TILE4)); }
    }

    // O += P·V over the whole tile (masked keys have P = 0 and zero V rows).
    for (var j4 = 0u; j4 < KT / 4u; j4++) {
      var pv: array<vec4<f32>, RQ>;
      for (var i = 0u; i < RQ; i++) { pv[i] = ps[(tr + i * TR) * PS4 + j4]; }
      for (var jj = 0u; jj < 4u; jj++) {
        for (var c = 0u; c < RD4; c++) {
          let vx = kv[(4u * j4 + jj) * KS4 + tc + c * TC];
          for (var i = 0u; i < RQ; i++) { acc[i][c] = fma(vec4<f32>(pv[i][jj]), vx, acc[i][c]); }
        }
      }
    }
    workgroupBarrier(); // readers of kv and ps done before the next tile overwrites them
  }

  // Row sums: combine the TC partial sums of each row.
  for (var i = 0u; i < RQ; i++) { red[(tr + i * TR) * TC + tc] = lRow[i]; }
  workgroupBarrier();
  for (var i = 0u; i < RQ; i++) {
    let row = tr + i * TR;
    if (q0 + row < nValid) {
      var l = 0.0;
      for (var t = 0u; t < TC; t++) { l += red[row * TC + t]; }
      let inv = 1.0 / l;
      let o = base + seqToken(g, q0 + row) * P.rowStride;
      for (var c = 0u; c < RD4; c++) {
        let d = 4u * (tc + c * TC);
        let y = acc[i][c] * inv;
        for (var e = 0u; e < 4u; e++) {
          if (d + e < HEAD_DIM) { outBuf[o + d + e] = y[e]; }
        }
      }
    }
  }
}
