// CPU reference for the WF-VAE Haar transforms (spec §2.1), written the way upstream's wavelet.py computes them:
// explicit filter tensors, (causal replicate-pad, then) a strided conv per filter, outputs concatenated per subband;
// the inverse as one stride-2 transposed conv per subband group, summed, then the first frame dropped.
// Deliberately slow and plain: it is the oracle for the WGSL kernels in src/kernels/haar/haar*.wgsl. Sums in f64, rounds once.
// Self-contained (no runtime imports) so it runs in Node and in the browser harness alike.

import type { VideoShape } from './haar';

/** Upstream's 3D filter entry, a rounded 1/(2√2). Used as Math.fround(c), i.e. its f32 value, like the kernels. */
export const REF_HAAR3D_UPSTREAM_COEFFICIENT = 0.3536;
export const REF_HAAR3D_EXACT_COEFFICIENT = 1 / (2 * Math.SQRT2);

type Filter3D = number[][][]; // [dt][dh][dw]
type Filter2D = number[][]; // [dh][dw]

/**
 * The eight 2×2×2 filters in upstream order (names from wavelet.py), entries ±1 before scaling, axes (t, h, w).
 * Subband s: bit0 = high-pass in w, bit1 = high in h, bit2 = high in t.
 */
const FILTERS_3D_UNIT: Filter3D[] = [
  /* 0 h    LLL   */ [[[1, 1], [1, 1]], [[1, 1], [1, 1]]],
  /* 1 g    w     */ [[[1, -1], [1, -1]], [[1, -1], [1, -1]]],
  /* 2 hh   h     */ [[[1, 1], [-1, -1]], [[1, 1], [-1, -1]]],
  /* 3 gh   h,w   */ [[[1, -1], [-1, 1]], [[1, -1], [-1, 1]]],
  /* 4 h_v  t     */ [[[1, 1], [1, 1]], [[-1, -1], [-1, -1]]],
  /* 5 g_v  t,w   */ [[[1, -1], [1, -1]], [[-1, 1], [-1, 1]]],
  /* 6 hh_v t,h   */ [[[1, 1], [-1, -1]], [[-1, -1], [1, 1]]],
  /* 7 gh_v t,h,w */ [[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]],
];

/** The four 2×2 filters in upstream order [aa, ad, da, dd], entries ±1 before scaling by 1/2, axes (h, w). */
const FILTERS_2D_UNIT: Filter2D[] = [
  /* 0 aa LL     */ [[1, 1], [1, 1]],
  /* 1 ad high h */ [[1, 1], [-1, -1]],
  /* 2 da high w */ [[1, -1], [1, -1]],
  /* 3 dd h,w    */ [[1, -1], [-1, 1]],
];

/** The 3D filters scaled by f32(coefficient), as the conv weights upstream holds. */
export function refHaar3dFilters(coefficient = REF_HAAR3D_UPSTREAM_COEFFICIENT): Filter3D[] {
  const c = Math.fround(coefficient);
  return FILTERS_3D_UNIT.map((f) => f.map((p) => p.map((r) => r.map((v) => v * c))));
}

/** The 2D filters (entries ±1/2). */
export function refHaar2dFilters(): Filter2D[] {
  return FILTERS_2D_UNIT.map((f) => f.map((r) => r.map((v) => v * 0.5)));
}

function count(s: VideoShape): number {
  return s.batch * s.channels * s.frames * s.height * s.width;
}

function expectLength(x: Float32Array, s: VideoShape, what: string): void {
  if (x.length !== count(s)) throw new RangeError(`${what}: data has ${x.length} elements, shape needs ${count(s)}`);
}

/** Copies channel (b, c) of a [B, C, T, H, W] tensor out as a [T, H, W] volume. */
function channelVolume(x: Float32Array, s: VideoShape, b: number, c: number): Float32Array {
  const n = s.frames * s.height * s.width;
  const start = (b * s.channels + c) * n;
  return x.slice(start, start + n);
}

/**
 * 3D forward. x: [B, C, T, H, W] → [B, 8C, T', H/2, W/2], channel s·C + c.
 * firstChunk (one-shot / first chunk): frame 0 is replicated in front (causal pad), T = 1+2m → 1+m.
 * Otherwise (later chunk): no padding, T even → T/2.
 */
export function refHaar3dForward(
  x: Float32Array,
  shape: VideoShape,
  firstChunk = true,
  coefficient = REF_HAAR3D_UPSTREAM_COEFFICIENT,
): Float32Array {
  const { batch: B, channels: C, frames: T, height: H, width: W } = shape;
  expectLength(x, shape, 'refHaar3dForward');
  if (H % 2 || W % 2) throw new RangeError('refHaar3dForward: H and W must be even');
  if (firstChunk ? T % 2 !== 1 : T % 2 !== 0) throw new RangeError(`refHaar3dForward: bad T=${T} for firstChunk=${firstChunk}`);
  const filters = refHaar3dFilters(coefficient);
  const plane = H * W;
  const Tp = firstChunk ? T + 1 : T; // frames after causal padding
  const To = Math.floor((Tp - 2) / 2) + 1; // conv output length, kernel 2, stride 2
  const Ho = H / 2;
  const Wo = W / 2;
  const outVolume = To * Ho * Wo;
  const out = new Float32Array(B * 8 * C * outVolume);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const vol = channelVolume(x, shape, b, c);
      // CausalConv3d padding: concatenate (x[0], x) along t.
      const padded = new Float32Array(Tp * plane);
      if (firstChunk) {
        padded.set(vol.subarray(0, plane), 0);
        padded.set(vol, plane);
      } else {
        padded.set(vol);
      }
      for (let s = 0; s < 8; s++) {
        const w = filters[s];
        const dst = (b * 8 * C + s * C + c) * outVolume; // torch.cat([...8 subbands], dim=1)
        for (let j = 0; j < To; j++) {
          for (let y = 0; y < Ho; y++) {
            for (let xx = 0; xx < Wo; xx++) {
              let acc = 0;
              for (let dt = 0; dt < 2; dt++) {
                for (let dh = 0; dh < 2; dh++) {
                  for (let dw = 0; dw < 2; dw++) {
                    acc += w[dt][dh][dw] * padded[(2 * j + dt) * plane + (2 * y + dh) * W + (2 * xx + dw)];
                  }
                }
              }
              out[dst + (j * Ho + y) * Wo + xx] = acc;
            }
          }
        }
      }
    }
  }
  return out;
}

/**
 * 3D inverse. coeffs: [B, 8C, T', H', W'] → [B, C, 2T' − 1, 2H', 2W'] with dropFirstFrame (one-shot / first chunk),
 * [B, C, 2T', 2H', 2W'] without (later chunks).
 */
export function refHaar3dInverse(
  coeffs: Float32Array,
  shape: VideoShape,
  dropFirstFrame = true,
  coefficient = REF_HAAR3D_UPSTREAM_COEFFICIENT,
): Float32Array {
  const { batch: B, channels: C8, frames: Tc, height: Hc, width: Wc } = shape;
  expectLength(coeffs, shape, 'refHaar3dInverse');
  if (C8 % 8) throw new RangeError('refHaar3dInverse: channels must be a multiple of 8');
  const C = C8 / 8;
  const filters = refHaar3dFilters(coefficient);
  const Tz = 2 * Tc; // transposed conv output length, kernel 2, stride 2
  const H = 2 * Hc;
  const W = 2 * Wc;
  const plane = H * W;
  const drop = dropFirstFrame ? 1 : 0;
  const To = Tz - drop;
  const out = new Float32Array(B * C * To * plane);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const z = new Float64Array(Tz * plane); // sum over the 8 subband groups
      for (let s = 0; s < 8; s++) {
        const w = filters[s];
        const g = channelVolume(coeffs, shape, b, s * C + c); // coeffs.chunk(8, dim=1)[s], channel c
        for (let j = 0; j < Tc; j++) {
          for (let y = 0; y < Hc; y++) {
            for (let xx = 0; xx < Wc; xx++) {
              const v = g[(j * Hc + y) * Wc + xx];
              for (let dt = 0; dt < 2; dt++) {
                for (let dh = 0; dh < 2; dh++) {
                  for (let dw = 0; dw < 2; dw++) {
                    z[(2 * j + dt) * plane + (2 * y + dh) * W + (2 * xx + dw)] += w[dt][dh][dw] * v;
                  }
                }
              }
            }
          }
        }
      }
      // reconstructed[:, :, 1:] on the first chunk
      out.set(z.subarray(drop * plane), (b * C + c) * To * plane);
    }
  }
  return out;
}

/** 2D forward, per frame. x: [B, C, T, H, W] → [B, 4C, T, H/2, W/2], channel s·C + c, order [LL, h, w, hw]. */
export function refHaar2dForward(x: Float32Array, shape: VideoShape): Float32Array {
  const { batch: B, channels: C, frames: T, height: H, width: W } = shape;
  expectLength(x, shape, 'refHaar2dForward');
  if (H % 2 || W % 2) throw new RangeError('refHaar2dForward: H and W must be even');
  const filters = refHaar2dFilters();
  const Ho = H / 2;
  const Wo = W / 2;
  const out = new Float32Array(B * 4 * C * T * Ho * Wo);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const vol = channelVolume(x, shape, b, c);
      for (let s = 0; s < 4; s++) {
        const w = filters[s];
        const dst = (b * 4 * C + s * C + c) * T * Ho * Wo;
        for (let t = 0; t < T; t++) {
          for (let y = 0; y < Ho; y++) {
            for (let xx = 0; xx < Wo; xx++) {
              let acc = 0;
              for (let dh = 0; dh < 2; dh++) {
                for (let dw = 0; dw < 2; dw++) acc += w[dh][dw] * vol[(t * H + 2 * y + dh) * W + 2 * xx + dw];
              }
              out[dst + (t * Ho + y) * Wo + xx] = acc;
            }
          }
        }
      }
    }
  }
  return out;
}

/** 2D inverse, per frame. coeffs: [B, 4C, T, H', W'] → [B, C, T, 2H', 2W']. */
export function refHaar2dInverse(coeffs: Float32Array, shape: VideoShape): Float32Array {
  const { batch: B, channels: C4, frames: T, height: Hc, width: Wc } = shape;
  expectLength(coeffs, shape, 'refHaar2dInverse');
  if (C4 % 4) throw new RangeError('refHaar2dInverse: channels must be a multiple of 4');
  const C = C4 / 4;
  const filters = refHaar2dFilters();
  const H = 2 * Hc;
  const W = 2 * Wc;
  const out = new Float32Array(B * C * T * H * W);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const z = new Float64Array(T * H * W);
      for (let s = 0; s < 4; s++) {
        const w = filters[s];
        const g = channelVolume(coeffs, shape, b, s * C + c);
        for (let t = 0; t < T; t++) {
          for (let y = 0; y < Hc; y++) {
            for (let xx = 0; xx < Wc; xx++) {
              const v = g[(t * Hc + y) * Wc + xx];
              for (let dh = 0; dh < 2; dh++) {
                for (let dw = 0; dw < 2; dw++) z[(t * H + 2 * y + dh) * W + 2 * xx + dw] += w[dh][dw] * v;
              }
            }
          }
        }
      }
      out.set(z, (b * C + c) * T * H * W);
    }
  }
  return out;
}
