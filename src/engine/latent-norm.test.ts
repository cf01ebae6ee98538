import { describe, expect, it } from 'vitest';
import { latentsToDit, latentsToVae } from './latent-norm';

describe('latent normalisation (training/latent_norm.py)', () => {
  const norm = { shift: [0.5, -1], scale: [2, 0.25] };
  it('maps channel blocks of [1, C, T, h, w]: x = (z − shift)/scale and back', () => {
    const z = new Float32Array([1, 2, 3, -1, 0, 1]); // C = 2, 3 values each
    const x = latentsToDit(z, 2, norm);
    expect(Array.from(x)).toEqual([0.25, 0.75, 1.25, 0, 4, 8]);
    expect(Array.from(latentsToVae(x, 2, norm))).toEqual(Array.from(z));
  });
  it('identity (same array) without a norm; rejects mismatched channel counts', () => {
    const z = new Float32Array(4);
    expect(latentsToVae(z, 2)).toBe(z);
    expect(() => latentsToVae(z, 4, norm)).toThrow(/channels/);
    expect(() => latentsToDit(new Float32Array(5), 2, norm)).toThrow(/not \[1, 2/);
  });
});
