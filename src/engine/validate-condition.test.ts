// Request validation of the inpainting conditions: image (i2v), image + endImage (transition), video (continuation).
import { describe, expect, it } from 'vitest';
import { buildDevManifest } from '../models/dev-manifest';
import { validateGenerateRequest } from './validate';

const m = buildDevManifest('public/models/osp-v13-tiny');
const img = (w = 64, h = 64, v = 0) => ({ width: w, height: h, data: new Uint8Array(w * h * 4).fill(v) });
const base = { prompt: 'a cat', seed: 1, steps: 2, frames: 17, width: 64, height: 64 };
const bad = (r: Record<string, unknown>) => {
  try {
    validateGenerateRequest({ ...base, ...r }, m);
  } catch (e) {
    expect((e as Error).name).toBe('ValidationError');
    return (e as Error).message;
  }
  throw new Error('accepted');
};

describe('condition modes', () => {
  it('no condition → t2v; image → i2v keeps frame 0', () => {
    expect(validateGenerateRequest(base, m)).toMatchObject({ mode: 't2v', kept: [], image: null });
    const a = img();
    const r = validateGenerateRequest({ ...base, image: a }, m);
    expect(r.mode).toBe('i2v');
    expect(r.kept.map((k) => k.index)).toEqual([0]);
    expect(r.kept[0].image.data).toBe(a.data);
  });

  it('image + endImage → transition keeps frames 0 and F−1', () => {
    const a = img(64, 64, 1);
    const b = img(64, 64, 2);
    const r = validateGenerateRequest({ ...base, image: a, endImage: b }, m);
    expect(r.mode).toBe('transition');
    expect(r.kept.map((k) => [k.index, k.image.data[0]])).toEqual([[0, 1], [16, 2]]);
    expect(validateGenerateRequest({ ...base, frames: 5, image: a, endImage: b }, m).kept.map((k) => k.index)).toEqual([0, 4]);
  });

  it('video → continuation keeps its frames as 0..n−1', () => {
    const frames = [img(64, 64, 1), img(64, 64, 2), img(64, 64, 3)];
    const r = validateGenerateRequest({ ...base, video: { frames } }, m);
    expect(r.mode).toBe('continuation');
    expect(r.kept.map((k) => [k.index, k.image.data[0]])).toEqual([[0, 1], [1, 2], [2, 3]]);
    expect(validateGenerateRequest({ ...base, video: { frames: Array.from({ length: 16 }, () => img()) } }, m).kept).toHaveLength(16);
  });

  it('clear errors', () => {
    expect(bad({ endImage: img() })).toMatch(/endImage \(transition\) needs image/);
    expect(bad({ image: img(), endImage: img(32, 32) })).toMatch(/endImage is 32×32, the video is 64×64/);
    expect(bad({ frames: 1, image: img(), endImage: img() })).toMatch(/transition needs more than 1 frame/);
    expect(bad({ video: { frames: [img()] }, image: img() })).toMatch(/cannot be combined with image or endImage/);
    expect(bad({ video: { frames: [] } })).toMatch(/video has 0 frames: a continuation of 17 frames keeps 1 to 16/);
    expect(bad({ video: { frames: Array.from({ length: 17 }, () => img()) } })).toMatch(/video has 17 frames/);
    expect(bad({ video: [img()] })).toMatch(/video must be \{frames: \[RGBA images\]\}/);
    expect(bad({ video: { frames: [img(), img(64, 32)] } })).toMatch(/video\.frames\[1\] is 64×32/);
    expect(bad({ video: { frames: [img()] }, frames: 1 })).toMatch(/a continuation needs more than 1 output frame .*got frames = 1/);
    expect(bad({ video: { frames: [{ width: 64, height: 64, data: [1, 2] }] } })).toMatch(/video\.frames\[0\]\.data must be a Uint8Array/);
  });
});
