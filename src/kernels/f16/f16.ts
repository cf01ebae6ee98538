// IEEE 754 binary16 ⇄ binary32, round-to-nearest-even: the conversions a `shader-f16` WGSL kernel's f16 loads and
// stores perform (WGSL converts f32 → f16 with round-to-nearest-even where the value is representable range-wise),
// so the TS f16 references (reference.ts) see exactly the values such a kernel sees. Pure, no DOM.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The f16 bit pattern nearest to `x` (ties to even); overflow → ±Infinity, NaN → a quiet NaN. */
export function f32ToF16Bits(x: number): number {
  f32[0] = x; // x is first rounded to f32, as in a kernel that holds f32 values
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  const e = exp - 127 + 15; // rebias
  if (e >= 0x1f) return sign | 0x7c00; // too large even before rounding
  if (e <= 0) {
    // subnormal f16 (or zero): value = mant' · 2^-24 with mant' = (1.mant) · 2^(e - 1) · 2^10
    if (e < -10) return sign; // below half the smallest subnormal: rounds to ±0
    const m = mant | 0x800000; // implicit leading 1
    const shift = 14 - e; // 24-bit significand → subnormal units of 2^-24
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let q = m >>> shift;
    if (rest > half || (rest === half && q & 1)) q++; // may carry into the smallest normal: still the right bits
    return sign | q;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++; // a carry may roll into the exponent, up to Inf: correct
  return sign | h;
}

/** The f32 value of an f16 bit pattern (exact: every f16 is an f32). */
export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** x rounded to the nearest f16 value (as a number). */
export function roundF16(x: number): number {
  return f16BitsToF32(f32ToF16Bits(x));
}

export function toF16(a: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = f32ToF16Bits(a[i]);
  return out;
}

export function fromF16(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) out[i] = f16BitsToF32(h[i]);
  return out;
}
