// Share links: everything needed to reproduce a generation, in the URL hash (`#v=1&model=…&p=…`).
// The hash is untrusted input: `parseShare` is a strict parser (exact key set, decimal-only numbers, ranges, sizes,
// base64url image with a PNG signature) that either returns a fully valid ShareParams or throws ShareLinkError with a
// message meant for the user. Strings from a link are only ever shown through textContent / form values.
import { GENERATION_MODES, type GenerationMode } from '../core/modes';
import type { GenerationParams } from '../core/params';

export const SHARE_VERSION = 1;
/** Longest hash we accept (a 256×256 PNG is ≈ 120–200 kB of base64url). */
export const MAX_HASH_CHARS = 400_000;
export const MAX_IMAGE_BYTES = 280_000;
export const MAX_TEXT_CHARS = 2000;
export const MAX_SEED = Number.MAX_SAFE_INTEGER;
export const MAX_STEPS = 1000;
export const MAX_CFG = 50;
export const MAX_FRAMES = 1024;
export const MAX_SIDE = 4096;
/**
 * The most pixels the images of one link may decode to, all together (2^21 ≈ 256×256 × 32 frames, 8 MiB of RGBA).
 * A PNG's compressed size says nothing about its decoded size (a 1-bit strip of zeros deflates ~1000:1), so this is
 * checked from the size/keep fields — which the IHDR must match — before anything is decoded.
 */
export const MAX_LINK_PIXELS = 2 ** 21;

/** A link's mode: the generation modes of src/core/modes.ts. */
export type ShareMode = GenerationMode;
export const SHARE_MODES: readonly ShareMode[] = GENERATION_MODES;

/** A link carries every generation parameter but fps (the model's default). */
export interface ShareParams extends Omit<GenerationParams, 'fps'> {
  modelId: string;
  /** ModelIdentity hash (64 lower-case hex), see model-hash.ts. */
  modelHash: string;
  mode: ShareMode;
  /** Image-to-video and transition: the first frame at model resolution, PNG bytes. */
  image?: Uint8Array;
  /** Transition: the last frame at model resolution, PNG bytes. */
  endImage?: Uint8Array;
  /** Continuation: the kept frames stacked vertically (width × keepFrames·height), one PNG. */
  videoFrames?: Uint8Array;
  /** Continuation: how many first frames are kept (1 … frames − 1). */
  keepFrames?: number;
  /**
   * The caption the model was given when the prompt refiner rewrote the prompt (src/text/refiner.ts), and that
   * refiner's version: a link replays this caption exactly even after the refiner changes. Absent (all links made
   * before the refiner, and refiner off or no change): the prompt was used as written.
   */
  refined?: { caption: string; version: number };
}

export type ShareErrorKind = 'malformed' | 'newer' | 'too-large';

export class ShareLinkError extends Error {
  override name = 'ShareLinkError';
  constructor(message: string, readonly kind: ShareErrorKind = 'malformed') {
    super(message);
  }
}

const KEYS = ['v', 'model', 'mh', 'mode', 'p', 'np', 'seed', 'steps', 'cfg', 'frames', 'size', 'img', 'end', 'vid', 'keep', 'rp', 'rv'] as const;
export const MAX_REFINER_VERSION = 1000;
/** The condition fields each mode carries (exactly these, no others). */
const MODE_KEYS: Record<ShareMode, readonly Key[]> = { t2v: [], i2v: ['img'], transition: ['img', 'end'], continuation: ['vid', 'keep'] };
const MODE_TEXT: Record<ShareMode, string> = { t2v: 'a text-to-video link', i2v: 'an image-to-video link', transition: 'a transition link', continuation: 'a continuation link' };
type Key = (typeof KEYS)[number];
const REQUIRED: Key[] = ['v', 'model', 'mh', 'mode', 'p', 'np', 'seed', 'steps', 'cfg', 'frames', 'size'];

const B64URL = /^[A-Za-z0-9_-]*$/;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Strict base64url (no padding, no whitespace); throws ShareLinkError. */
export function fromBase64Url(s: string): Uint8Array {
  if (!B64URL.test(s) || s.length % 4 === 1) throw new ShareLinkError('the image in the link is not valid base64url');
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  let bin: string;
  try {
    bin = atob(b64);
  } catch {
    throw new ShareLinkError('the image in the link is not valid base64url');
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The hash (without '#') for these parameters. */
export function encodeShare(p: ShareParams): string {
  const q = new URLSearchParams();
  q.set('v', String(SHARE_VERSION));
  q.set('model', p.modelId);
  q.set('mh', p.modelHash);
  q.set('mode', p.mode);
  q.set('p', p.prompt);
  // The refined caption next to the prompt and the pixels last: a link cut short loses its image (which the parser
  // then reports as truncated), never the words.
  if (p.refined) {
    q.set('rp', p.refined.caption);
    q.set('rv', String(p.refined.version));
  }
  q.set('np', p.negativePrompt);
  q.set('seed', String(p.seed));
  q.set('steps', String(p.steps));
  q.set('cfg', String(p.cfgScale));
  q.set('frames', String(p.frames));
  q.set('size', `${p.width}x${p.height}`);
  if ((p.mode === 'i2v' || p.mode === 'transition') && p.image) q.set('img', toBase64Url(p.image));
  if (p.mode === 'transition' && p.endImage) q.set('end', toBase64Url(p.endImage));
  if (p.mode === 'continuation' && p.videoFrames) q.set('vid', toBase64Url(p.videoFrames));
  if (p.mode === 'continuation' && p.keepFrames !== undefined) q.set('keep', String(p.keepFrames));
  return q.toString();
}

/** A full URL: the page (without its hash) + '#' + encodeShare(p). */
export function shareUrl(pageHref: string, p: ShareParams): string {
  const u = new URL(pageHref);
  u.hash = encodeShare(p);
  return u.href;
}

const INT = /^(0|[1-9][0-9]{0,15})$/;
const DECIMAL = /^(0|[1-9][0-9]{0,5})(\.[0-9]{1,20})?$/;

function shown(v: string): string {
  return JSON.stringify(v.length > 24 ? `${v.slice(0, 24)}…` : v);
}

function int(v: string, key: string, min: number, max: number): number {
  if (!INT.test(v)) throw new ShareLinkError(`${key} must be a whole number, got ${shown(v)}`);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new ShareLinkError(`${key} must be between ${min} and ${max}, got ${shown(v)}`);
  return n;
}

function text(v: string, key: string): string {
  if (v.length > MAX_TEXT_CHARS) throw new ShareLinkError(`${key} is too long (${v.length} characters, at most ${MAX_TEXT_CHARS})`);
  // Tabs and newlines are fine in a prompt; other control characters are not.
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(v)) throw new ShareLinkError(`${key} contains control characters`);
  return v;
}

/**
 * False for an in-page anchor (`#gen-form`: the skip link, a heading's link): a hash that is just the id of an
 * element on the page is never a share link, so it must not reach parseShare and its "can't be used" notice.
 */
export function isShareHash(hash: string, isElementId: (id: string) => boolean): boolean {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!raw) return false;
  if (/^[A-Za-z][\w-]*$/.test(raw) && isElementId(raw)) return false;
  return true;
}

/** Parses a location hash ('#…' or '…'). Throws ShareLinkError (kind says why) on anything not exactly valid. */
export function parseShare(hash: string): ShareParams {
  if (typeof hash !== 'string') throw new ShareLinkError('the link is not text');
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  if (raw.length > MAX_HASH_CHARS) throw new ShareLinkError(`the link is too long (${raw.length} characters, at most ${MAX_HASH_CHARS})`, 'too-large');
  let q: URLSearchParams;
  try {
    q = new URLSearchParams(raw);
  } catch {
    throw new ShareLinkError('the link could not be read');
  }
  const seen = new Map<string, string>();
  for (const [k, v] of q) {
    if (seen.has(k)) throw new ShareLinkError(`the link repeats ${shown(k)}`);
    seen.set(k, v);
  }
  const version = seen.get('v');
  if (version === undefined) throw new ShareLinkError('the link has no version (v=…): it may be truncated or not a share link');
  if (!INT.test(version)) throw new ShareLinkError(`the link version must be a whole number, got ${shown(version)}`);
  if (Number(version) > SHARE_VERSION) {
    throw new ShareLinkError(`this link was made by a newer version of the app (link format v${version}; this app reads v${SHARE_VERSION}). Update the page and try again.`, 'newer');
  }
  if (Number(version) !== SHARE_VERSION) throw new ShareLinkError(`unknown link format v${version}`);
  for (const k of seen.keys()) if (!(KEYS as readonly string[]).includes(k)) throw new ShareLinkError(`the link has an unknown field ${shown(k)}`);
  for (const k of REQUIRED) if (!seen.has(k)) throw new ShareLinkError(`the link is missing ${k}: it may have been truncated`);
  const g = (k: Key) => seen.get(k)!;

  const modelId = g('model');
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/i.test(modelId)) throw new ShareLinkError(`model ${shown(modelId)} is not a valid model id`);
  const modelHash = g('mh');
  if (!/^[0-9a-f]{64}$/.test(modelHash)) throw new ShareLinkError('the model hash (mh) must be 64 lower-case hex digits');
  const mode = g('mode') as ShareMode;
  if (!SHARE_MODES.includes(mode)) throw new ShareLinkError(`mode must be ${SHARE_MODES.join(', ')}, got ${shown(mode)}`);
  const prompt = text(g('p'), 'the prompt');
  const negativePrompt = text(g('np'), 'the negative prompt');
  const seed = int(g('seed'), 'seed', 0, MAX_SEED);
  const steps = int(g('steps'), 'steps', 1, MAX_STEPS);
  const cfgRaw = g('cfg');
  if (!DECIMAL.test(cfgRaw)) throw new ShareLinkError(`cfg must be a plain decimal number, got ${shown(cfgRaw)}`);
  const cfgScale = Number(cfgRaw);
  if (!Number.isFinite(cfgScale) || cfgScale < 0 || cfgScale > MAX_CFG) throw new ShareLinkError(`cfg must be between 0 and ${MAX_CFG}, got ${shown(cfgRaw)}`);
  const frames = int(g('frames'), 'frames', 1, MAX_FRAMES);
  const size = /^([1-9][0-9]{0,3})x([1-9][0-9]{0,3})$/.exec(g('size'));
  if (!size) throw new ShareLinkError(`size must look like 64x64, got ${shown(g('size'))}`);
  const width = Number(size[1]);
  const height = Number(size[2]);
  if (width > MAX_SIDE || height > MAX_SIDE || width % 8 || height % 8) throw new ShareLinkError(`size ${width}x${height} must be multiples of 8 up to ${MAX_SIDE}`);

  const out: ShareParams = { modelId, modelHash, mode, prompt, negativePrompt, seed, steps, cfgScale, frames, width, height };
  const wanted = MODE_KEYS[mode];
  const imageCount = mode === 'i2v' ? 1 : mode === 'transition' ? 2 : mode === 'continuation' && INT.test(seen.get('keep') ?? '') ? Number(seen.get('keep')) : 0;
  const pixels = width * height * imageCount;
  if (pixels > MAX_LINK_PIXELS) {
    throw new ShareLinkError(`the images in the link would decode to ${pixels.toLocaleString('en-US')} pixels (${width}×${height}${imageCount > 1 ? ` × ${imageCount}` : ''}), at most ${MAX_LINK_PIXELS.toLocaleString('en-US')}`, 'too-large');
  }
  for (const k of ['img', 'end', 'vid', 'keep'] as const) {
    if (!wanted.includes(k) && seen.has(k)) throw new ShareLinkError(`${MODE_TEXT[mode]} must not carry ${k === 'img' ? 'an image' : k === 'end' ? 'a last frame' : k === 'vid' ? 'video frames' : 'a kept-frame count'} (${k})`);
    if (wanted.includes(k) && (seen.get(k) ?? '') === '') throw new ShareLinkError(`${MODE_TEXT[mode]} must carry ${k === 'img' ? 'its image' : k === 'end' ? 'its last frame' : k === 'vid' ? 'its video frames' : 'its kept-frame count'} (${k}): it may have been truncated`);
  }
  // Optional and additive (links without them keep working): the refined caption and the refiner's version, together.
  if (seen.has('rp') !== seen.has('rv')) throw new ShareLinkError(`the link has ${seen.has('rp') ? 'a refined caption (rp) without its refiner version (rv)' : 'a refiner version (rv) without its refined caption (rp)'}: it may have been truncated`);
  if (seen.has('rp')) {
    const caption = text(g('rp'), 'the refined caption');
    if (!caption.trim()) throw new ShareLinkError('the refined caption (rp) is empty');
    out.refined = { caption, version: int(g('rv'), 'the refiner version (rv)', 1, MAX_REFINER_VERSION) };
  }
  if (mode === 'i2v' || mode === 'transition') out.image = png(g('img'), width, height, mode === 'i2v' ? 'the image' : 'the first frame');
  if (mode === 'transition') {
    if (frames < 2) throw new ShareLinkError(`a transition needs more than 1 frame, got ${frames}`);
    out.endImage = png(g('end'), width, height, 'the last frame');
  }
  if (mode === 'continuation') {
    const keep = int(g('keep'), 'keep', 1, MAX_FRAMES);
    if (keep > frames - 1) throw new ShareLinkError(`a continuation of ${frames} frames keeps 1 to ${frames - 1} frames, the link says ${keep}`);
    out.keepFrames = keep;
    out.videoFrames = png(g('vid'), width, height * keep, 'the video frame strip');
  }
  return out;
}

/** Strict base64url PNG of exactly w×h (IHDR), ≤ MAX_IMAGE_BYTES. */
function png(b64: string, w: number, h: number, what: string): Uint8Array {
  if (b64.length > Math.ceil((MAX_IMAGE_BYTES * 4) / 3)) throw new ShareLinkError(`${what} in the link is too large`, 'too-large');
  const bytes = fromBase64Url(b64);
  if (bytes.length < PNG_SIGNATURE.length + 25 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) throw new ShareLinkError(`${what} in the link is not a PNG`);
  // IHDR width/height must match the size field.
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const iw = dv.getUint32(16);
  const ih = dv.getUint32(20);
  if (iw !== w || ih !== h) throw new ShareLinkError(`${what} in the link is ${iw}×${ih}, not ${w}×${h}`);
  return bytes;
}

/** Why these link parameters cannot be used with the loaded model (null = they can). */
export function modelMismatch(p: Pick<ShareParams, 'modelId' | 'modelHash'>, modelId: string, modelHash: string): string | null {
  if (p.modelId !== modelId) return `This link was made with the model "${p.modelId}", but this page has "${modelId}". The settings were filled in, but the video will differ.`;
  if (p.modelHash !== modelHash) return `This link was made with different weights of "${modelId}" (model hash ${p.modelHash.slice(0, 12)}…, this page has ${modelHash.slice(0, 12)}…). The settings were filled in, but the video will differ.`;
  return null;
}
