// Skiparse index rules and bindings shared by both attention kernels (skiparse_attention.wgsl,
// skiparse_attention_tiled.wgsl): the wrappers prepend this file to each kernel's source, so the regrouping rule
// (spec §3.5, upstream `_sparse_1d`) and the parameter layout exist exactly once. The rule itself is explained in
// the header of skiparse_attention.wgsl; the TypeScript mirror is src/kernels/skiparse/reference.ts.

const NEG_BIG: f32 = -3.0e38; // "minus infinity" without inf arithmetic (WGSL has no inf literal)

const MODE_DENSE: u32 = 0u;
const MODE_SINGLE: u32 = 1u;

struct Params {
  batch: u32,
  tokens: u32,      // N (real tokens)
  heads: u32,
  mode: u32,        // 0 dense, 1 single, 2 group
  kLog2: u32,       // log2 of the sparse ratio k ∈ {2, 4, 8} (0 for dense): index math by shifts, no divisions
  groups: u32,      // sequences per (b, h): 1 dense, k sparse
  qTiles: u32,      // ⌈seqLen / QT⌉
  totalWg: u32,     // batch·heads·groups·qTiles
  wgPerRow: u32,    // dispatch x size; workgroup id = x + y·wgPerRow
  rowStride: u32,   // heads·HEAD_DIM (floats per token)
  scale: f32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> qBuf: array<f32>;
@group(0) @binding(2) var<storage, read> kBuf: array<f32>;
@group(0) @binding(3) var<storage, read> vBuf: array<f32>;
@group(0) @binding(4) var<storage, read_write> outBuf: array<f32>;

/** Token index of position p of sequence g (see header). k is a power of two, so this is shifts and masks:
 *  it runs for every loaded element, and integer division is slow (scalarised) on CPU drivers. */
fn seqToken(g: u32, p: u32) -> u32 {
  let s = P.kLog2;
  if (P.mode == MODE_DENSE) { return p; }
  if (P.mode == MODE_SINGLE) { return (p << s) + g; }                          // p·k + g
  return ((p >> s) << (2u * s)) + (g << s) + (p & ((1u << s) - 1u));          // ⌊p/k⌋·k² + g·k + p mod k
}

/** Real (unpadded) tokens in sequence g = the number of leading positions p with seqToken(p) < N. */
fn validCount(g: u32) -> u32 {
  let n = P.tokens;
  let k = 1u << P.kLog2;
  if (P.mode == MODE_DENSE) { return n; }
  if (P.mode == MODE_SINGLE) { return select(0u, (n - g + k - 1u) / k, g < n); }
  let full = n / (k * k);
  let rem = n - full * k * k;
  return full * k + min(k, rem - min(rem, g * k)); // full runs + clamp(rem − g·k, 0, k)
}

/** What one workgroup computes: query positions [q0, q0 + QT) of sequence g, whose real positions are [0, nValid);
 *  `base` = element (b, token 0, head h, dim 0). live = false for a workgroup past the last one or a tile made only of
 *  padded queries (or an empty sequence). QT and HEAD_DIM are the including kernel's constants. Everything here
 *  derives from uniforms and workgroup_id only, so a return on !live keeps the kernel's barriers in uniform control
 *  flow. */
struct QueryTile { live: bool, g: u32, q0: u32, nValid: u32, base: u32 }

fn queryTileOf(wid: vec3<u32>) -> QueryTile {
  let wg = wid.x + wid.y * P.wgPerRow;
  if (wg >= P.totalWg) { return QueryTile(false, 0u, 0u, 0u, 0u); }
  let rest = wg / P.qTiles;
  let g = rest % P.groups;
  let hb = rest / P.groups;
  let q0 = (wg % P.qTiles) * QT;
  let nValid = validCount(g);
  let base = (hb / P.heads) * P.tokens * P.rowStride + (hb % P.heads) * HEAD_DIM;
  return QueryTile(q0 < nValid, g, q0, nValid, base);
}
