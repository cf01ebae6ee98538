// Skiparse attention (Open-Sora Plan v1.3, spec §3.5): softmax(Q·Kᵀ·scale)·V over dense, Single-Skip or
// Group-Skip sequences, flash-attention style (online softmax, f32 throughout).
//
// Layout: q, k, v and out are [B, N, heads·HEAD_DIM] row-major f32 — the natural MatMul output of the
// pre-attention ONNX graph (RoPE already applied). The kernel reads them with strides and writes out in the same
// layout: no regrouped, padded or transposed copies exist on either side.
//
// Sequences: one (batch b, head h, group g) triple is one attention sequence of `seqLen` positions. Position p
// of group g is token
//     seqToken(p) = p                                   dense  (one group)
//                 = p·k + g                             single (group(i) = i mod k)
//                 = ⌊p/k⌋·k² + g·k + (p mod k)          group  (group(i) = ⌊i/k⌋ mod k)
// exactly upstream's `_sparse_1d` rearrangements. Upstream pads to N_pad = k²·⌈N/k²⌉ and masks padded keys with
// a −9980 bias; here a padded key/query is simply a position whose token is ≥ N. seqToken increases with p, so the
// real tokens of a sequence are its first `nValid` positions: the key loop stops there (padded keys are never
// read) and query positions ≥ nValid are never written (upstream crops them).
//
// Work decomposition (why):
//  * One workgroup = QT consecutive query positions of one sequence. Each K/V tile is loaded once into workgroup
//    memory and reused by all QT queries (QT× fewer global reads than one-query-per-workgroup).
//  * 64 invocations as an 8×8 grid (tr, tc). For S = Q·Kᵀ each invocation computes a register block of
//    RQ queries × RK keys; for O += P·V a block of RQ queries × RD head dims. Register blocking reuses every
//    workgroup-memory load RQ (or RK / RD) times: on CPU drivers (SwiftShader, 4-wide SIMD over invocations) this is
//    what makes it fast, and on GPUs it is the standard SGEMM-style blocking. 64 invocations keeps the register
//    blocks small enough for real GPUs (≤ 4×16 accumulators per invocation at HEAD_DIM = 128).
//  * Online softmax (running max m and sum l per query row, FlashAttention-2 style): the full score row is never
//    materialised, so any sequence length fits in 32 KiB of workgroup memory, and it is stable for large logits.
//  * HEAD_DIM, QT and KT are compile-time constants, substituted by src/kernels/skiparse/skiparse.ts at pipeline creation
//    (function-scope array sizes must be constant; constant trip counts let compilers unroll). The wrapper picks
//    the largest tiles that fit the device's maxComputeWorkgroupStorageSize (QT=32, KT=32, or KT=16 for
//    HEAD_DIM > 96, within 32 KiB; smaller tiles on 16 KiB devices).
//  * Workgroup-memory rows are padded by one float (DS = HEAD_DIM+1, PS = KT+1) so that the 8 row-blocks of a
//    GPU warp hit different banks.
//  * Workgroups are numbered linearly and folded into a 2D dispatch (x ≤ 65535), so any shape respects
//    maxComputeWorkgroupsPerDimension.

const HEAD_DIM: u32 = 64u; // specialised: head dimension (1..128)
const QT: u32 = 32u;       // specialised: query positions per workgroup
const KT: u32 = 32u;       // specialised: key positions per tile

const WG: u32 = 64u;                              // invocations per workgroup
const TROWS: u32 = 8u;                            // invocation grid rows (query blocks)
const TCOLS: u32 = WG / TROWS;                    // invocation grid cols (key blocks / head-dim lanes)
const RQ: u32 = QT / TROWS;                       // query rows per invocation
const RK: u32 = KT / TCOLS;                       // keys per invocation in S
const RD: u32 = (HEAD_DIM + TCOLS - 1u) / TCOLS;  // head dims per invocation in O
const DS: u32 = HEAD_DIM + 1u;                    // padded row stride of qs / kv
const PS: u32 = KT + 1u;                          // padded row stride of ps

var<workgroup> qs: array<f32, QT * DS>;      // Q tile, pre-multiplied by scale
var<workgroup> kv: array<f32, KT * DS>;      // K tile, then (same memory) V tile
var<workgroup> ps: array<f32, QT * PS>;      // scores, then probabilities, of the current tile
var<workgroup> rowScale: array<f32, QT>;     // per row: exp(m_old − m_new) during the loop, 1/l at the end
var<workgroup> keyRow: array<u32, KT>;       // element offset of each key row of the current tile

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  // Everything that controls the loops below derives from uniforms and workgroup_id only, so the barriers are
  // in workgroup-uniform control flow.
  let qt = queryTileOf(wid);
  if (!qt.live) { return; }
  let g = qt.g;
  let nValid = qt.nValid;
  let q0 = qt.q0;
  let base = qt.base;

  // Q tile → workgroup memory, scale folded in once. Consecutive invocations read consecutive dims (coalesced).
  for (var e = lid; e < QT * HEAD_DIM; e += WG) {
    let r = e / HEAD_DIM;
    let d = e % HEAD_DIM;
    var x = 0.0;
    if (q0 + r < nValid) { x = qBuf[base + seqToken(g, q0 + r) * P.rowStride + d] * P.scale; }
    qs[r * DS + d] = x;
  }

  let tr = lid / TCOLS;
  let tc = lid % TCOLS;
  // Row statistics of row `lid` (owned by invocations lid < QT, kept in registers across tiles).
  var mRow = NEG_BIG;
  var lRow = 0.0;
  // Output accumulators: rows tr + i·TROWS, dims tc + c·TCOLS (strided so that a warp writes contiguous dims).
  var acc: array<array<f32, RD>, RQ>;
  for (var i = 0u; i < RQ; i++) { for (var c = 0u; c < RD; c++) { acc[i][c] = 0.0; } }

  for (var k0 = 0u; k0 < nValid; k0 += KT) {
    let kCount = min(KT, nValid - k0); // real keys in this tile; the rest are masked
    // Row offsets of this tile's keys, once per row instead of once per loaded element (the index math is a
    // visible cost on CPU drivers). Safe to overwrite: its last readers (phase C) passed the barrier before D.
    if (lid < kCount) { keyRow[lid] = base + seqToken(g, k0 + lid) * P.rowStride; }
    workgroupBarrier(); // qs, keyRow written / previous tile's readers of kv, ps, rowScale done

    // Phase A: K tile → kv (zeros past kCount). kv index j·DS + d = e + j.
    for (var e = lid; e < KT * HEAD_DIM; e += WG) {
      let j = e / HEAD_DIM;
      var x = 0.0;
      if (j < kCount) { x = kBuf[keyRow[j] + e - j * HEAD_DIM]; }
      kv[e + j] = x;
    }
    workgroupBarrier();

    // Phase B: S block (RQ × RK) = qs · kvᵀ, register-blocked: per d, RQ + RK loads feed RQ·RK FMAs.
    var s: array<array<f32, RK>, RQ>;
    for (var i = 0u; i < RQ; i++) { for (var jj = 0u; jj < RK; jj++) { s[i][jj] = 0.0; } }
    for (var d = 0u; d < HEAD_DIM; d++) {
      var qv: array<f32, RQ>;
      for (var i = 0u; i < RQ; i++) { qv[i] = qs[(tr + i * TROWS) * DS + d]; }
      for (var jj = 0u; jj < RK; jj++) {
        let kx = kv[(tc + jj * TCOLS) * DS + d];
        for (var i = 0u; i < RQ; i++) { s[i][jj] = fma(qv[i], kx, s[i][jj]); }
      }
    }
    for (var i = 0u; i < RQ; i++) {
      for (var jj = 0u; jj < RK; jj++) {
        let j = tc + jj * TCOLS;
        ps[(tr + i * TROWS) * PS + j] = select(NEG_BIG, s[i][jj], j < kCount);
      }
    }
    workgroupBarrier();

    // Phase C: V tile → kv (K is no longer needed) and, in parallel, the online-softmax update of each row.
    for (var e = lid; e < KT * HEAD_DIM; e += WG) {
      let j = e / HEAD_DIM;
      var x = 0.0;
      if (j < kCount) { x = vBuf[keyRow[j] + e - j * HEAD_DIM]; }
      kv[e + j] = x;
    }
    if (lid < QT) {
      var tileMax = NEG_BIG;
      for (var j = 0u; j < kCount; j++) { tileMax = max(tileMax, ps[lid * PS + j]); }
      let mNew = max(mRow, tileMax);       // finite: key position 0 of every sequence is real
      let alpha = exp(mRow - mNew);        // rescales the old sum/accumulators (0 on the first tile)
      var sum = 0.0;
      for (var j = 0u; j < kCount; j++) {
        let p = exp(ps[lid * PS + j] - mNew);
        ps[lid * PS + j] = p;
        sum += p;
      }
      lRow = lRow * alpha + sum;
      mRow = mNew;
      rowScale[lid] = alpha;
    }
    workgroupBarrier();

    // Phase D: O block (RQ × RD) = O·alpha + P·V, register-blocked: per key, RQ + RD loads feed RQ·RD FMAs.
    for (var i = 0u; i < RQ; i++) {
      let a = rowScale[tr + i * TROWS];
      for (var c = 0u; c < RD; c++) { acc[i][c] *= a; }
    }
    // The key loop stops at kCount (a uniform bound), so a partial last tile costs only its real keys here.
    for (var j = 0u; j < kCount; j++) {
      var pv: array<f32, RQ>;
      for (var i = 0u; i < RQ; i++) { pv[i] = ps[(tr + i * TROWS) * PS + j]; }
      for (var c = 0u; c < RD; c++) {
        let d = tc + c * TCOLS;
        if (d < HEAD_DIM) {
          let vx = kv[j * DS + d];
          for (var i = 0u; i < RQ; i++) { acc[i][c] = fma(pv[i], vx, acc[i][c]); }
        }
      }
    }
  }

  workgroupBarrier(); // last tile's readers of rowScale are done
  if (lid < QT) { rowScale[lid] = 1.0 / lRow; }
  workgroupBarrier();

  for (var i = 0u; i < RQ; i++) {
    let r = tr + i * TROWS;
    if (q0 + r < nValid) {
      let o = base + seqToken(g, q0 + r) * P.rowStride;
      let inv = rowScale[r];
      for (var c = 0u; c < RD; c++) {
        let d = tc + c * TCOLS;
        if (d < HEAD_DIM) { outBuf[o + d] = acc[i][c] * inv; }
      }
    }
  }
}
