import { describe, expect, it } from 'vitest';
import { gaussianNoise, philox4x32, seedKey } from './prng';
import vectors from './prng-vectors.json';

const hex = (a: Uint32Array) => [...a].map((x) => x.toString(16).padStart(8, '0'));

describe('Philox4x32-10', () => {
  it('matches the Random123 known-answer vectors', () => {
    expect(hex(philox4x32([0, 0, 0, 0], [0, 0]))).toEqual(['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
    const ones = 0xffffffff;
    expect(hex(philox4x32([ones, ones, ones, ones], [ones, ones]))).toEqual(['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']);
    expect(hex(philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0])))
      .toEqual(['d16cfe09', '94fdcceb', '5001e420', '24126ea1']);
  });

  it('rejects seeds that cannot be represented exactly', () => {
    expect(() => seedKey(-1)).toThrow(RangeError);
    expect(() => seedKey(1.5)).toThrow(RangeError);
    expect(() => seedKey(2 ** 53)).toThrow(RangeError);
    expect(seedKey(2 ** 40 + 5)).toEqual([5, 256]);
  });
});

describe('gaussianNoise', () => {
  it('reproduces the Python reference (training/prng.py) element for element', () => {
    for (const c of vectors.cases) {
      const got = gaussianNoise(c.seed, c.stream, c.values.length);
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - c.values[i])).toBeLessThanOrEqual(1e-6);
    }
  });

  it('is deterministic, prefix-stable, and stream-separated', () => {
    const a = gaussianNoise(7, 0, 1001);
    expect(gaussianNoise(7, 0, 1001)).toEqual(a);
    expect(gaussianNoise(7, 0, 10)).toEqual(a.subarray(0, 10));
    const b = gaussianNoise(7, 1, 1001);
    let same = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
    expect(same).toBe(0);
  });

  it('is standard normal', () => {
    const z = gaussianNoise(123, 0, 200_000);
    let m = 0;
    for (const v of z) m += v;
    m /= z.length;
    let v2 = 0;
    for (const v of z) v2 += (v - m) ** 2;
    const sd = Math.sqrt(v2 / z.length);
    expect(Math.abs(m)).toBeLessThan(0.01);
    expect(Math.abs(sd - 1)).toBeLessThan(0.01);
    expect(z.every(Number.isFinite)).toBe(true);
  });
});
