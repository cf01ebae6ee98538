// The one PRNG behind every random number of a generation (initial latent noise, ancestral-step noise), defined
// identically in training/prng.py so the PyTorch reference sampler and the browser draw the same noise.
//
// Philox4x32-10 (Salmon et al., SC'11): counter-based, so any element of any stream is computable independently.
//   key     = (seed mod 2^32, floor(seed / 2^32) mod 2^32)
//   counter = (block, stream, 0, 0) for block = 0, 1, 2, …
// Each block gives 4 uint32 → 2 Box–Muller pairs → 4 standard normals, in float64, then rounded to float32:
//   u1 = (x0 + 1) / 2^32 ∈ (0, 1],  u2 = x1 / 2^32,  r = sqrt(−2 ln u1),  z0 = r cos(2π u2),  z1 = r sin(2π u2)
//   (and the same for x2, x3). Element i of a stream is value i mod 4 of block ⌊i/4⌋.

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const TWO_POW_32 = 4294967296;

/** High 32 bits of the 64-bit product of two uint32 (exact, via 16-bit limbs). */
function mulhi(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const lolo = aLo * bLo;
  const mid1 = aHi * bLo;
  const mid2 = aLo * bHi;
  const carry = ((lolo >>> 16) + (mid1 & 0xffff) + (mid2 & 0xffff)) >>> 16;
  return (aHi * bHi + (mid1 >>> 16) + (mid2 >>> 16) + carry) >>> 0;
}

/** Philox4x32 with 10 rounds; returns 4 uint32. */
export function philox4x32(counter: readonly [number, number, number, number], key: readonly [number, number]): Uint32Array {
  let [c0, c1, c2, c3] = counter.map((x) => x >>> 0);
  let k0 = key[0] >>> 0;
  let k1 = key[1] >>> 0;
  for (let round = 0; round < 10; round++) {
    const hi0 = mulhi(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  return Uint32Array.of(c0, c1, c2, c3);
}

/** Splits a non-negative integer seed (< 2^53) into the Philox key. */
export function seedKey(seed: number): [number, number] {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`);
  return [seed % TWO_POW_32, Math.floor(seed / TWO_POW_32)];
}

/** `count` standard-normal float32 values of stream `stream` for `seed` (elements 0..count−1). */
export function gaussianNoise(seed: number, stream: number, count: number): Float32Array {
  const key = seedKey(seed);
  const out = new Float32Array(count);
  for (let block = 0; block * 4 < count; block++) {
    const x = philox4x32([block, stream, 0, 0], key);
    for (let pair = 0; pair < 2; pair++) {
      const u1 = (x[2 * pair] + 1) / TWO_POW_32;
      const u2 = x[2 * pair + 1] / TWO_POW_32;
      const r = Math.sqrt(-2 * Math.log(u1));
      const i = block * 4 + pair * 2;
      if (i < count) out[i] = r * Math.cos(2 * Math.PI * u2);
      if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
    }
  }
  return out;
}
