import { describe, expect, it } from 'vitest';
import { buildDevManifest } from '../models/dev-manifest';
import { validateDecodeRequest, validateGenerateRequest, MAX_PROMPT_CHARS } from './validate';
import { ValidationError } from './types';

const m = buildDevManifest('public/models/osp-v13-tiny');
const good = { prompt: 'a dog', steps: 20, cfgScale: 4.5, frames: 17, width: 64, height: 48, seed: 5 };

describe('validateGenerateRequest', () => {
  it('resolves a good request with the latent shape, and fills defaults from the manifest', () => {
    const r = validateGenerateRequest(good, m);
    expect(r).toMatchObject({ prompt: 'a dog', steps: 20, cfgScale: 4.5, frames: 17, width: 64, height: 48, seed: 5, fps: m.defaults.fps, image: null, previewEvery: 1 });
    expect(r.latentShape).toEqual([1, 8, 5, 6, 8]);
    const d = validateGenerateRequest({ prompt: '' }, m);
    expect(d).toMatchObject({ prompt: '', steps: m.defaults.steps, cfgScale: m.defaults.cfgScale, frames: m.defaults.frames, negativePrompt: m.defaults.negativePrompt });
    expect(Number.isSafeInteger(d.seed) && d.seed >= 0).toBe(true); // random seed when omitted
    expect(validateGenerateRequest({ ...good, frames: 1 }, m).latentShape[2]).toBe(1);
    expect(validateGenerateRequest({ ...good, seed: 2 ** 53 - 1 }, m).seed).toBe(2 ** 53 - 1);
    const img = { width: 64, height: 48, data: new Uint8ClampedArray(64 * 48 * 4) };
    expect(validateGenerateRequest({ ...good, image: img }, m).image!.data).toBe(img.data);
  });

  it('takes the image guidance default when frames are given, the text one otherwise; an explicit cfgScale wins', () => {
    const mi = { ...m, defaults: { ...m.defaults, cfgScale: 7, imageCfgScale: 3 } };
    const img = { width: 64, height: 64, data: new Uint8ClampedArray(64 * 64 * 4) };
    const base = { prompt: 'a cat', frames: 17, width: 64, height: 64 };
    expect(validateGenerateRequest(base, mi).cfgScale).toBe(7);
    expect(validateGenerateRequest({ ...base, image: img }, mi).cfgScale).toBe(3);
    expect(validateGenerateRequest({ ...base, image: img, endImage: img }, mi).cfgScale).toBe(3);
    expect(validateGenerateRequest({ ...base, video: { frames: [img] } }, mi).cfgScale).toBe(3);
    expect(validateGenerateRequest({ ...base, image: img, cfgScale: 5 }, mi).cfgScale).toBe(5);
    expect(validateGenerateRequest({ ...base, image: img }, { ...m, defaults: { ...m.defaults, cfgScale: 7 } }).cfgScale).toBe(7);
  });

  const bad: [string, unknown, RegExp][] = [
    ['not an object', 'hello', /request must be an object/],
    ['null', null, /request must be an object/],
    ['unknown model', { ...good, modelId: 'nope' }, /unknown model "nope"/],
    ['frames not 1+4k', { ...good, frames: 16 }, /1 \+ 4k/],
    ['frames 0', { ...good, frames: 0 }, /frames must be in/],
    ['frames too many', { ...good, frames: 1 + 4 * 100 }, /frames must be in/],
    ['steps 0', { ...good, steps: 0 }, /steps must be in/],
    ['steps 1e6', { ...good, steps: 1e6 }, /steps must be in/],
    ['steps NaN', { ...good, steps: Number.NaN }, /steps must be a number/],
    ['steps unsupported by the trailing schedule', { ...good, steps: 61 }, /not supported/],
    ['cfg NaN', { ...good, cfgScale: Number.NaN }, /cfgScale must be a finite number/],
    ['cfg Infinity', { ...good, cfgScale: Number.POSITIVE_INFINITY }, /cfgScale must be a finite number/],
    ['cfg negative', { ...good, cfgScale: -1 }, /cfgScale must be in/],
    ['seed float', { ...good, seed: 1.5 }, /seed/],
    ['seed too big', { ...good, seed: 2 ** 53 }, /seed/],
    ['seed string', { ...good, seed: '1' }, /seed/],
    ['width not multiple of 8', { ...good, width: 60 }, /multiples of 8/],
    ['height too small', { ...good, height: 4 }, /height must be in/],
    ['prompt not string', { ...good, prompt: ['a'] }, /prompt must be a string/],
    ['prompt too long', { ...good, prompt: 'x'.repeat(MAX_PROMPT_CHARS + 1) }, /characters/],
    ['negative prompt not string', { ...good, negativePrompt: 3 }, /negativePrompt/],
    ['fps 0', { ...good, fps: 0 }, /fps/],
    ['image wrong size', { ...good, image: { width: 32, height: 32, data: new Uint8Array(32 * 32 * 4) } }, /image is 32×32, the video is 64×48/],
    ['image wrong bytes', { ...good, image: { width: 64, height: 48, data: new Uint8Array(5) } }, /has 5 bytes/],
    ['image data not bytes', { ...good, image: { width: 64, height: 48, data: [1, 2] } }, /Uint8Array/],
    ['previewEvery negative', { ...good, previewEvery: -1 }, /previewEvery/],
  ];
  for (const [name, req, re] of bad) {
    it(`rejects ${name}`, () => {
      expect(() => validateGenerateRequest(req, m)).toThrow(ValidationError);
      expect(() => validateGenerateRequest(req, m)).toThrow(re);
    });
  }

  it('honours the manifest size list', () => {
    const limited = { ...m, limits: { maxFrames: 17, maxSteps: 50, sizes: [{ width: 64, height: 64 }] } };
    expect(() => validateGenerateRequest({ ...good, width: 64, height: 48 }, limited)).toThrow(/not supported by/);
    expect(validateGenerateRequest({ ...good, width: 64, height: 64 }, limited).width).toBe(64);
    expect(() => validateGenerateRequest({ ...good, steps: 51 }, limited)).toThrow(/\[1, 50\]/);
  });
});

describe('validateDecodeRequest', () => {
  it('accepts [1, 8, T, h, w] float32 and defaults fps/chunking', () => {
    const r = validateDecodeRequest(new Float32Array(8 * 3 * 4 * 4), [1, 8, 3, 4, 4], undefined, m);
    expect(r).toMatchObject({ shape: [1, 8, 3, 4, 4], fps: m.defaults.fps, chunkFrames: 2 });
  });
  const bad: [string, unknown, unknown, unknown, RegExp][] = [
    ['plain array', [1, 2], [1, 8, 1, 1, 1], {}, /Float32Array/],
    ['rank 4', new Float32Array(16), [8, 1, 1, 2], {}, /shape must be/],
    ['batch 2', new Float32Array(256), [2, 8, 1, 4, 4], {}, /batch must be 1/],
    ['channels', new Float32Array(64), [1, 4, 1, 4, 4], {}, /channels must be 8/],
    ['length', new Float32Array(3), [1, 8, 1, 4, 4], {}, /needs 128/],
    ['NaN', Float32Array.from({ length: 128 }, (_, i) => (i === 7 ? Number.NaN : 0)), [1, 8, 1, 4, 4], {}, /latents\[7\]/],
    ['Infinity', Float32Array.from({ length: 128 }, (_, i) => (i === 0 ? Number.POSITIVE_INFINITY : 0)), [1, 8, 1, 4, 4], {}, /not finite/],
    ['zero dim', new Float32Array(0), [1, 8, 0, 4, 4], {}, /positive integers/],
    ['fps NaN', new Float32Array(128), [1, 8, 1, 4, 4], { fps: Number.NaN }, /fps/],
    ['chunkFrames 0', new Float32Array(128), [1, 8, 1, 4, 4], { chunkFrames: 0 }, /chunkFrames/],
  ];
  for (const [name, lat, shape, opts, re] of bad) {
    it(`rejects ${name}`, () => expect(() => validateDecodeRequest(lat, shape, opts, m)).toThrow(re));
  }
});
