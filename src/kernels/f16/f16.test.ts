import { describe, expect, it } from 'vitest';
import { f16BitsToF32, f32ToF16Bits, fromF16, roundF16, toF16 } from './f16';
import { selectKernelPrecision } from './select';

describe('f32 → f16, round to nearest even', () => {
  it('known values', () => {
    const cases: [number, number][] = [
      [1, 0x3c00], [-2, 0xc000], [0.1, 0x2e66], [65504, 0x7bff], [65519.99, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00],
      [-Infinity, 0xfc00], [-0, 0x8000], [2 ** -14, 0x0400], [2 ** -24, 0x0001], [2 ** -25, 0x0000], [3 * 2 ** -25, 0x0002],
      [2 ** -25 * 1.0000001, 0x0001], [2 ** -14 - 2 ** -25, 0x0400], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02],
      [2049, 0x6800], [2051, 0x6802],
    ];
    for (const [x, h] of cases) expect(f32ToF16Bits(x), `${x}`).toBe(h);
    expect(Number.isNaN(f16BitsToF32(f32ToF16Bits(Number.NaN)))).toBe(true);
  });

  it('every f16 survives f16 → f32 → f16', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 && h & 0x3ff) continue; // NaN payloads
      if (f32ToF16Bits(f16BitsToF32(h)) !== h) throw new Error(`0x${h.toString(16)} does not round-trip`);
    }
  });

  it('picks the nearest f16, ties to the even one (random f32 across the range)', () => {
    let seed = 7;
    const next = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    for (let n = 0; n < 20000; n++) {
      const x = Math.fround((next() - 0.5) * 2 ** (Math.floor(next() * 44) - 26));
      const h = f32ToF16Bits(x);
      const y = f16BitsToF32(h);
      const mag = h & 0x7fff;
      for (const nb of [mag - 1, mag + 1]) {
        if (nb < 0 || nb > 0x7bff) continue;
        const z = f16BitsToF32((h & 0x8000) | nb);
        const dz = Math.abs(z - x);
        const dy = Math.abs(y - x);
        if (dz < dy || (dz === dy && (mag & 1) === 1)) throw new Error(`${x}: got 0x${h.toString(16)} (${y}), 0x${nb.toString(16)} (${z}) is nearer or the even tie`);
      }
    }
  });

  it('array helpers and roundF16', () => {
    expect([...fromF16(toF16([1, 0.5, -3.25]))]).toEqual([1, 0.5, -3.25]);
    expect(roundF16(1 + 2 ** -12)).toBe(1);
  });
});

describe('kernel precision selection', () => {
  it("f16 exactly when the device was created with 'shader-f16'", () => {
    expect(selectKernelPrecision(['shader-f16', 'timestamp-query']).precision).toBe('f16');
    expect(selectKernelPrecision(new Set(['subgroups'])).precision).toBe('f32');
    expect(selectKernelPrecision([]).reason).toMatch(/no 'shader-f16'/);
    expect(selectKernelPrecision(['shader-f16'], 'f32').precision).toBe('f32');
    expect(selectKernelPrecision(['shader-f16'], 'f16').precision).toBe('f16');
  });
  it('refuses f16 on a device without it, and nonsense', () => {
    expect(() => selectKernelPrecision([], 'f16')).toThrow(/no 'shader-f16'/);
    expect(() => selectKernelPrecision([], 'f8' as never)).toThrow(/auto, f16 or f32/);
  });
});
