import { describe, expect, it } from 'vitest';
import { encodeShare, fromBase64Url, isShareHash, MAX_HASH_CHARS, modelMismatch, parseShare, ShareLinkError, shareUrl, toBase64Url, type ShareParams } from './share';
import { modelHash, modelIdentityText } from './model-hash';

const H = 'a'.repeat(64);
const base: ShareParams = {
  modelId: 'osp-v13-tiny',
  modelHash: H,
  mode: 't2v',
  prompt: 'a big red circle moves right, on a blue background',
  negativePrompt: 'blurry',
  seed: 7,
  steps: 4,
  cfgScale: 4.5,
  frames: 9,
  width: 64,
  height: 64,
};

/** A minimal PNG header (signature + IHDR with width/height) followed by filler bytes. */
function fakePng(w: number, h: number, extra = 40): Uint8Array {
  const b = new Uint8Array(33 + extra);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const dv = new DataView(b.buffer);
  dv.setUint32(16, w);
  dv.setUint32(20, h);
  for (let i = 33; i < b.length; i++) b[i] = (i * 37) & 255;
  return b;
}

function err(hash: string): ShareLinkError {
  try {
    parseShare(hash);
  } catch (e) {
    expect(e).toBeInstanceOf(ShareLinkError);
    return e as ShareLinkError;
  }
  throw new Error(`accepted: ${hash.slice(0, 80)}`);
}

const withField = (k: string, v: string) => {
  const q = new URLSearchParams(encodeShare(base));
  q.set(k, v);
  return q.toString();
};
const without = (k: string) => {
  const q = new URLSearchParams(encodeShare(base));
  q.delete(k);
  return q.toString();
};

describe('share links', () => {
  it('round-trips text-to-video parameters exactly', () => {
    expect(parseShare(`#${encodeShare(base)}`)).toEqual(base);
    const odd = { ...base, prompt: 'ünïcödé 🎥 & = # % + ? "quotes"\nnew line\ttab', cfgScale: 0.30000000000000004, seed: Number.MAX_SAFE_INTEGER };
    expect(parseShare(encodeShare(odd))).toEqual(odd);
    expect(parseShare(encodeShare({ ...base, prompt: '', negativePrompt: '' }))).toMatchObject({ prompt: '', negativePrompt: '' });
  });

  it('carries the refined caption and refiner version; links without them (older links) still parse', () => {
    const refined = { ...base, prompt: 'on a navy backdrop, a crimson ball rolls leftward', refined: { caption: 'a red circle moves left on a blue background', version: 1 } };
    const hash = encodeShare(refined);
    expect(hash).toMatch(/&rp=a\+red\+circle\+moves\+left/);
    expect(parseShare(hash)).toEqual(refined);
    // a link made before the refiner existed: exactly the old key set, no refined field
    const old = 'v=1&model=osp-v13-tiny&mh=' + H + '&mode=t2v&p=a+red+ball&np=&seed=1&steps=3&cfg=4.5&frames=5&size=32x32';
    expect(parseShare(old).refined).toBeUndefined();
    expect(encodeShare(base)).not.toMatch(/rp=|rv=/);
    const q = new URLSearchParams(hash);
    q.delete('rv');
    expect(err(q.toString()).message).toMatch(/refined caption \(rp\) without its refiner version/);
    expect(err(withField('rv', '1')).message).toMatch(/refiner version \(rv\) without its refined caption/);
    const bad = new URLSearchParams(hash);
    bad.set('rv', '1.5');
    expect(err(bad.toString()).message).toMatch(/refiner version \(rv\) must be a whole number/);
    bad.set('rv', '1');
    bad.set('rp', ' ');
    expect(err(bad.toString()).message).toMatch(/refined caption \(rp\) is empty/);
    bad.set('rp', 'a\u0001b');
    expect(err(bad.toString()).message).toMatch(/refined caption contains control characters/);
  });

  it('round-trips image-to-video with the image bytes', () => {
    const p = { ...base, mode: 'i2v' as const, image: fakePng(64, 64, 500) };
    const back = parseShare(encodeShare(p));
    expect(back.mode).toBe('i2v');
    expect([...back.image!]).toEqual([...p.image]);
  });

  it('builds a full URL replacing any previous hash', () => {
    const u = shareUrl('http://127.0.0.1:5173/app/?x=1#old', base);
    expect(u.startsWith('http://127.0.0.1:5173/app/?x=1#v=1&model=osp-v13-tiny&')).toBe(true);
    expect(parseShare(new URL(u).hash)).toEqual(base);
  });

  it('script-looking strings are kept as plain text (never interpreted)', () => {
    const p = { ...base, prompt: '<img src=x onerror=alert(1)><script>alert(2)</script>', negativePrompt: '"><svg onload=alert(3)>' };
    expect(parseShare(encodeShare(p))).toEqual(p);
  });

  it('rejects truncated links', () => {
    const full = encodeShare(base);
    expect(err(full.slice(0, full.indexOf('&steps'))).message).toMatch(/missing steps: it may have been truncated/);
    expect(err('').message).toMatch(/no version/);
    expect(err('#').message).toMatch(/no version/);
    expect(err(without('mh')).message).toMatch(/missing mh/);
    const i2v = encodeShare({ ...base, mode: 'i2v', image: fakePng(64, 64, 900) });
    expect(err(i2v.slice(0, -7)).message).toMatch(/image in the link/);
    expect(err(without('img').replace('mode=t2v', 'mode=i2v')).message).toMatch(/must carry its image/);
  });

  it('rejects wrong types and out-of-range values', () => {
    expect(err(withField('seed', '-1')).message).toMatch(/seed must be a whole number/);
    expect(err(withField('seed', '1.5')).message).toMatch(/seed must be a whole number/);
    expect(err(withField('seed', '9007199254740992')).message).toMatch(/seed must be between 0 and 9007199254740991/);
    expect(err(withField('seed', '12345678901234567890')).message).toMatch(/seed must be a whole number/);
    expect(err(withField('seed', '007')).message).toMatch(/seed must be a whole number/);
    expect(err(withField('seed', ' 7')).message).toMatch(/seed/);
    expect(err(withField('seed', '0x10')).message).toMatch(/seed/);
    expect(err(withField('steps', '0')).message).toMatch(/steps must be between 1 and 1000/);
    expect(err(withField('steps', '1001')).message).toMatch(/steps must be between/);
    expect(err(withField('steps', 'four')).message).toMatch(/steps must be a whole number/);
    expect(err(withField('cfg', '51')).message).toMatch(/cfg must be between 0 and 50/);
    expect(err(withField('cfg', '-1')).message).toMatch(/cfg must be a plain decimal/);
    expect(err(withField('cfg', '1e1')).message).toMatch(/cfg must be a plain decimal/);
    expect(err(withField('frames', '0')).message).toMatch(/frames must be between 1/);
    expect(err(withField('size', '64')).message).toMatch(/size must look like 64x64/);
    expect(err(withField('size', '60x64')).message).toMatch(/multiples of 8/);
    expect(err(withField('size', '8192x64')).message).toMatch(/size must look like|multiples of 8 up to 4096/);
    expect(err(withField('mode', 'v2v')).message).toMatch(/mode must be t2v, i2v, transition, continuation/);
    expect(err(withField('model', '../../etc')).message).toMatch(/not a valid model id/);
    expect(err(withField('mh', 'A'.repeat(64))).message).toMatch(/64 lower-case hex/);
    expect(err(withField('mh', 'abc')).message).toMatch(/64 lower-case hex/);
    expect(err(withField('p', 'x'.repeat(2001))).message).toMatch(/prompt is too long/);
    expect(err(withField('p', 'bell\u0007')).message).toMatch(/control characters/);
    expect(err(`${encodeShare(base)}&extra=1`).message).toMatch(/unknown field "extra"/);
    expect(err(`${encodeShare(base)}&seed=8`).message).toMatch(/repeats "seed"/);
    expect(err(withField('img', fakePngB64())).message).toMatch(/text-to-video link must not carry an image/);
  });

  it('rejects NaN and Infinity in every numeric field', () => {
    for (const k of ['seed', 'steps', 'cfg', 'frames']) {
      for (const v of ['NaN', 'Infinity', '-Infinity', '', '1e400']) {
        expect(err(withField(k, v)).message, `${k}=${v}`).toMatch(new RegExp(k));
      }
    }
  });

  it('says clearly when a link is from a newer schema, or not a version it knows', () => {
    const e = err(withField('v', '2'));
    expect(e.kind).toBe('newer');
    expect(e.message).toMatch(/newer version of the app \(link format v2; this app reads v1\)/);
    expect(err(withField('v', '0')).message).toMatch(/unknown link format v0/);
    expect(err(withField('v', 'one')).message).toMatch(/version must be a whole number/);
  });

  it('rejects huge hashes before parsing them', () => {
    const e = err(`v=1&p=${'a'.repeat(MAX_HASH_CHARS)}`);
    expect(e.kind).toBe('too-large');
    expect(e.message).toMatch(/too long/);
    const big = encodeShare({ ...base, mode: 'i2v', image: fakePng(64, 64, 300_000) });
    expect(err(big).kind).toBe('too-large');
  });

  it('rejects invalid base64 and non-PNG images, and images of the wrong size', () => {
    const i2v = (img: string) => withField('img', img).replace('mode=t2v', 'mode=i2v');
    expect(err(i2v('abc$def')).message).toMatch(/not valid base64url/);
    expect(err(i2v('abc=')).message).toMatch(/not valid base64url/);
    expect(err(i2v('abcde')).message).toMatch(/not valid base64url/);
    expect(err(i2v('ab cd')).message).toMatch(/not valid base64url/);
    expect(err(i2v(toBase64Url(new TextEncoder().encode('<svg onload=alert(1)></svg> not a png at all, really')))).message).toMatch(/not a PNG/);
    expect(err(i2v(toBase64Url(fakePng(32, 64)))).message).toMatch(/32×64, not 64×64/);
  });

  it('round-trips a transition (first + last frame) and a continuation (kept frames as one strip PNG)', () => {
    const tr: ShareParams = { ...base, mode: 'transition', image: fakePng(64, 64), endImage: fakePng(64, 64, 60) };
    const back = parseShare(encodeShare(tr));
    expect(back.mode).toBe('transition');
    expect([...back.image!]).toEqual([...tr.image!]);
    expect([...back.endImage!]).toEqual([...tr.endImage!]);
    expect(back.videoFrames).toBeUndefined();
    const co: ShareParams = { ...base, mode: 'continuation', keepFrames: 4, videoFrames: fakePng(64, 4 * 64) };
    const back2 = parseShare(encodeShare(co));
    expect(back2).toMatchObject({ mode: 'continuation', keepFrames: 4 });
    expect([...back2.videoFrames!]).toEqual([...co.videoFrames!]);
    expect(back2.image).toBeUndefined();
  });

  it('each mode carries exactly its condition fields, with the right sizes', () => {
    const q = (mode: string, fields: Record<string, string>) => {
      const u = new URLSearchParams(encodeShare(base));
      u.set('mode', mode);
      for (const [k, v] of Object.entries(fields)) u.set(k, v);
      return u.toString();
    };
    const png64 = fakePngB64();
    const strip = (n: number, h = 64) => toBase64Url(fakePng(64, n * h));
    expect(err(q('transition', { img: png64 })).message).toMatch(/a transition link must carry its last frame \(end\)/);
    expect(err(q('transition', { end: png64 })).message).toMatch(/a transition link must carry its image \(img\)/);
    expect(err(q('transition', { img: png64, end: toBase64Url(fakePng(32, 32)) })).message).toMatch(/the last frame in the link is 32×32, not 64×64/);
    expect(err(q('transition', { img: png64, end: png64, vid: strip(2) })).message).toMatch(/a transition link must not carry video frames \(vid\)/);
    expect(err(q('transition', { img: png64, end: png64, frames: '1' })).message).toMatch(/a transition needs more than 1 frame/);
    expect(err(q('i2v', { img: png64, end: png64 })).message).toMatch(/an image-to-video link must not carry a last frame \(end\)/);
    expect(err(q('t2v', { keep: '2' })).message).toMatch(/a text-to-video link must not carry a kept-frame count \(keep\)/);
    expect(err(q('continuation', { vid: strip(4) })).message).toMatch(/must carry its kept-frame count \(keep\)/);
    expect(err(q('continuation', { keep: '4' })).message).toMatch(/must carry its video frames \(vid\)/);
    expect(err(q('continuation', { vid: strip(4), keep: '4', img: png64 })).message).toMatch(/a continuation link must not carry an image/);
    expect(err(q('continuation', { vid: strip(3), keep: '4' })).message).toMatch(/the video frame strip in the link is 64×192, not 64×256/);
    expect(err(q('continuation', { vid: strip(9), keep: '9' })).message).toMatch(/a continuation of 9 frames keeps 1 to 8 frames, the link says 9/);
    expect(err(q('continuation', { vid: strip(1), keep: '0' })).message).toMatch(/keep must be between 1 and/);
    expect(err(q('continuation', { vid: strip(1), keep: '01' })).message).toMatch(/keep must be a whole number/);
    expect(err(q('continuation', { vid: 'a'.repeat(400_000), keep: '1' })).kind).toBe('too-large');
    expect(err(q('continuation', { vid: toBase64Url(new Uint8Array(80)), keep: '1' })).message).toMatch(/the video frame strip in the link is not a PNG/);
    expect(parseShare(q('continuation', { vid: strip(8), keep: '8' }))).toMatchObject({ keepFrames: 8 });
  });

  it('base64url codec', () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 131) & 255);
    const s = toBase64Url(bytes);
    expect(s).toMatch(/^[A-Za-z0-9_-]+$/);
    expect([...fromBase64Url(s)]).toEqual([...bytes]);
  });

  it('model mismatch messages', () => {
    expect(modelMismatch(base, 'osp-v13-tiny', H)).toBeNull();
    expect(modelMismatch(base, 'other', H)).toMatch(/made with the model "osp-v13-tiny", but this page has "other"/);
    expect(modelMismatch(base, 'osp-v13-tiny', 'b'.repeat(64))).toMatch(/different weights/);
  });

  it('model hash is over the sorted file list, independent of order', async () => {
    const f = (path: string, c: string) => ({ path, sha256: c.repeat(64), role: 'other' as const, bytes: 1 });
    const a = await modelHash({ files: [f('b.onnx', '1'), f('a.weights', '2')] });
    const b = await modelHash({ files: [f('a.weights', '2'), f('b.onnx', '1')] });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(modelIdentityText({ files: [f('b', '1'), f('a', '2')] })).toBe(`a ${'2'.repeat(64)}\nb ${'1'.repeat(64)}\n`);
    expect(await modelHash({ files: [f('a.weights', '3'), f('b.onnx', '1')] })).not.toBe(a);
  });
});

function fakePngB64(): string {
  return toBase64Url(fakePng(64, 64));
}

describe('isShareHash', () => {
  const ids = new Set(['gen-form', 'history']);
  const has = (id: string) => ids.has(id);
  it('an element id on the page is an in-page anchor, not a link', () => {
    expect(isShareHash('#gen-form', has)).toBe(false);
    expect(isShareHash('#history', has)).toBe(false);
    expect(isShareHash('#', has)).toBe(false);
    expect(isShareHash('', has)).toBe(false);
  });
  it('everything else goes to the parser (which explains what is wrong)', () => {
    expect(isShareHash('#v=1&model=x', has)).toBe(true);
    expect(isShareHash('#v', has)).toBe(true);
    expect(isShareHash('#no-such-element', has)).toBe(true);
    expect(isShareHash('javascript:alert(1)', has)).toBe(true);
  });
});
