// The playground's extra inpainting inputs, next to the first-frame photo of image-to-video:
// - "What to start from": first frame (i2v) · first + last frame (transition) · the start of a video (continuation);
// - the last frame: a photo with the same crop/fit as the first one (drag or arrow keys, PNG round trip so a link
//   carries exactly the pixels used);
// - the video: its first frames decoded in the page (mediabunny + WebCodecs), ONE crop for all of them, "frames to
//   keep" (1 … frames − 1, default ⌊frames/2⌋ like training/sample.py); the kept frames go through one PNG strip,
//   which is also what a link carries.
// All text goes through textContent; errors are shown as readable text (role=alert).
import type { RgbaImage } from '../engine/types';
import { closeClip, fitFrames, readClipFrames, type ClipFrames } from '../media/video-frames';
import { arrowDelta, cropAt, drawCropOverlay, fitInto, keyStep, moveCrop, type Point, type Size } from './crop';
import { el, errorText, show } from './dom';
import { wireDropZone } from './drop-zone';
import { conditioningImage, decodeImage, encodePng, readPhoto, type ConditioningImage } from './image';
import type { ShareParams } from './share';

export type ConditionKind = 'i2v' | 'transition' | 'continuation';
export interface Target { width: number; height: number; frames: number }

const KIND_LABELS: [ConditionKind, string][] = [
  ['i2v', 'The first frame'],
  ['transition', 'First and last frame (a transition)'],
  ['continuation', 'The start of a video (continue it)'],
];

/** sample.py's default: half the clip is kept. */
export const defaultKeep = (frames: number) => Math.max(1, Math.floor(frames / 2));

/** A crop view: the source with the crop drawn on it (drag / arrow keys move it) and what the model gets. */
class CropView {
  readonly root: HTMLElement;
  readonly crop: HTMLCanvasElement;
  readonly fit: HTMLCanvasElement;
  readonly summary: HTMLElement;
  readonly buttons: HTMLElement;
  constructor(id: string, cropLabel: string, fitLabel: string, buttonsFor: string, onMove: (dx: number, dy: number, from?: Point) => void, onCenter: () => void, onRemove: () => void, private readonly source: () => { bitmap: ImageBitmap; center?: Point } | null, private readonly target: () => Size) {
    this.crop = el('canvas', { attrs: { id: `${id}-crop`, tabindex: '0', width: '320', height: '240', 'aria-label': cropLabel, 'aria-describedby': `${id}-summary` } });
    this.fit = el('canvas', { class: 'pixels cond-fit', attrs: { id: `${id}-fit`, width: '64', height: '64', 'aria-label': fitLabel } });
    this.summary = el('p', { class: 'muted', attrs: { id: `${id}-summary`, 'aria-live': 'polite' } });
    const center = el('button', { text: 'Center the crop', attrs: { type: 'button', 'aria-label': `Center the crop of ${buttonsFor}` } });
    const remove = el('button', { text: `Remove ${buttonsFor}`, attrs: { type: 'button' } });
    center.addEventListener('click', onCenter);
    remove.addEventListener('click', onRemove);
    this.buttons = el('div', { class: 'row' }, center, remove);
    this.root = el('div', { class: 'crop-area' }, el('figure', {}, this.crop, el('figcaption', { text: 'Drag the frame to choose the crop' })), el('figure', {}, this.fit, el('figcaption', { text: 'What the model gets' })));
    let drag: { x: number; y: number; center: Point } | null = null;
    this.crop.addEventListener('pointerdown', (e) => {
      const s = this.source();
      if (!s) return;
      const r = cropAt(s.bitmap, this.target(), s.center);
      drag = { x: e.clientX, y: e.clientY, center: { x: r.x + r.width / 2, y: r.y + r.height / 2 } };
      this.crop.setPointerCapture(e.pointerId);
    });
    this.crop.addEventListener('pointermove', (e) => {
      const s = this.source();
      if (!drag || !s) return;
      const scale = this.crop.getBoundingClientRect().width / s.bitmap.width || 1;
      onMove((e.clientX - drag.x) / scale, (e.clientY - drag.y) / scale, drag.center);
    });
    const end = () => {
      drag = null;
    };
    this.crop.addEventListener('pointerup', end);
    this.crop.addEventListener('pointercancel', end);
    this.crop.addEventListener('keydown', (e) => {
      const s = this.source();
      if (!s) return;
      const d = arrowDelta(e.key, keyStep(s.bitmap, e.shiftKey));
      if (!d) return;
      e.preventDefault();
      onMove(d.x, d.y);
    });
  }

  draw(): void {
    const s = this.source();
    show(this.root, Boolean(s));
    show(this.buttons, Boolean(s));
    if (!s) return;
    const src = { width: s.bitmap.width, height: s.bitmap.height };
    const f = fitInto(src, { width: 480, height: 320 });
    this.crop.width = f.width;
    this.crop.height = f.height;
    // Small sources (a 96×64 clip) are shown bigger so the crop can be seen and dragged; pointer math uses the CSS size.
    this.crop.style.width = `${Math.min(480, Math.max(240, f.width))}px`;
    this.crop.style.height = 'auto';
    const ctx = this.crop.getContext('2d')!;
    ctx.drawImage(s.bitmap, 0, 0, f.width, f.height);
    drawCropOverlay(this.crop, f, cropAt(src, this.target(), s.center));
  }

  /** Draws frames side by side into the fit canvas. */
  drawFrames(frames: readonly RgbaImage[]): void {
    if (!frames.length) return;
    const { width, height } = frames[0];
    this.fit.width = width * frames.length;
    this.fit.height = height;
    this.fit.style.width = `${Math.min(128 * frames.length, 640)}px`;
    this.fit.style.height = `${(Math.min(128 * frames.length, 640) / frames.length / width) * height}px`;
    const ctx = this.fit.getContext('2d')!;
    frames.forEach((f, i) => ctx.putImageData(new ImageData(new Uint8ClampedArray(f.data), width, height), i * width, 0));
  }
}

/** A drop zone (role=button, Enter/Space opens the file picker) with its file input. */
function dropZone(id: string, help: string, choose: string, accept: string, onFile: (f: File) => void, onWrongDrop: () => void): HTMLElement {
  const input = el('input', { attrs: { id: `${id}-file`, type: 'file', accept } });
  const helpEl = el('p', { text: help, attrs: { id: `${id}-help` } });
  const zone = el('div', { class: 'drop-zone', attrs: { id: `${id}-drop`, tabindex: '0', role: 'button', 'aria-label': `${choose}: drop a file, or press Enter to choose one`, 'aria-describedby': `${id}-help` } },
    helpEl, el('label', { class: 'file-label', text: choose, attrs: { for: `${id}-file` } }), input);
  wireDropZone(zone, input, accept, onFile, onWrongDrop);
  return zone;
}

interface EndState { bitmap: ImageBitmap; center?: Point; fitted: ConditioningImage | null; exact: boolean }
interface ClipState {
  /** The decoded clip (null for frames from a link/history, which are used exactly as they are). */
  clip: ClipFrames | null;
  blob: Blob | null;
  bitmap: ImageBitmap;
  center?: Point;
  fitted: { frames: RgbaImage[]; png: Uint8Array } | null;
  exact: boolean;
  name: string;
}

export interface ConditionInputs {
  kind(): ConditionKind;
  setKind(k: ConditionKind): void;
  /** The model size or frame count changed. */
  setTarget(t: Target): void;
  /** Why Generate cannot run in this kind yet (null = ready). The first frame is main.ts's. */
  missing(kind: ConditionKind): string | null;
  /** Engine request fields for the kind (endImage / video). */
  requestFields(kind: ConditionKind): { endImage?: RgbaImage; video?: { frames: RgbaImage[] } };
  /** Share-link fields for the kind. */
  shareFields(kind: ConditionKind): Pick<ShareParams, 'endImage' | 'videoFrames' | 'keepFrames'>;
  /** Exact frames from a link or the history (no re-crop). */
  applyShare(p: ShareParams): Promise<void>;
}

export function setupConditionInputs(o: { panel: HTMLElement; firstFrame: HTMLElement; before: HTMLElement; target: Target; onChange: () => void }): ConditionInputs {
  let target = o.target;
  let kind: ConditionKind = 'i2v';
  let end: EndState | null = null;
  let clip: ClipState | null = null;
  let seq = 0;

  // What to start from.
  const kinds = el('fieldset', { class: 'mode cond-kind' }, el('legend', { text: 'Start from' }));
  for (const [k, label] of KIND_LABELS) {
    const r = el('input', { attrs: { type: 'radio', name: 'cond-kind', value: k } });
    if (k === 'i2v') r.checked = true;
    r.addEventListener('change', () => setKind(k));
    kinds.append(el('label', {}, r, ` ${label}`));
  }

  // The last frame.
  const endError = el('p', { class: 'error', attrs: { id: 'end-error', role: 'alert' } });
  const endView = new CropView('end', 'Crop position of the last frame. Drag, or use the arrow keys, to move the crop.', 'The last frame the model will use', 'the last frame',
    (dx, dy, from) => moveEnd(dx, dy, from), () => {
      if (!end) return;
      end.center = undefined;
      void refitEnd();
    }, () => {
      end?.bitmap.close();
      end = null;
      endView.summary.textContent = '';
      endView.draw();
      o.onChange();
    }, () => end, () => target);
  const endSection = el('section', { class: 'cond-section', attrs: { id: 'end-section', 'aria-labelledby': 'end-heading' } },
    el('h3', { text: 'Last frame', attrs: { id: 'end-heading' } }),
    dropZone('end', 'Drop the photo the video should end on, or choose a file. Any size: it is cropped like the first frame.', 'Choose the last frame', 'image/*', (f) => void setEnd(f), () => {
      endError.textContent = 'Drop an image file (PNG, JPEG, WebP, …) for the last frame.';
    }),
    endError, endView.root, endView.summary, endView.buttons);

  // The video to continue.
  const clipError = el('p', { class: 'error', attrs: { id: 'video-error', role: 'alert' } });
  const keepSel = el('select', { attrs: { id: 'keep-frames', 'aria-describedby': 'keep-help' } });
  const keepHelp = el('p', { class: 'muted small', attrs: { id: 'keep-help' } });
  const clipView = new CropView('video', 'Crop position of the video (the same crop for every kept frame). Drag, or use the arrow keys, to move it.', 'The video frames the model keeps', 'the video',
    (dx, dy, from) => moveClip(dx, dy, from), () => {
      if (!clip) return;
      clip.center = undefined;
      void refitClip();
    }, () => {
      dropClip();
      clipView.summary.textContent = '';
      clipView.draw();
      o.onChange();
    }, () => clip, () => target);
  const linkNote = el('p', { class: 'muted small', text: 'A share link carries the kept frames as one small lossless image (at this model size), not the whole video.' });
  const clipSection = el('section', { class: 'cond-section', attrs: { id: 'video-section', 'aria-labelledby': 'video-heading' } },
    el('h3', { text: 'Video to continue', attrs: { id: 'video-heading' } }),
    dropZone('video', 'Drop a short clip (MP4, WebM, MOV), or choose a file. Its first frames are kept; the model generates what follows.', 'Choose a video', 'video/*', (f) => void setClip(f), () => {
      clipError.textContent = 'Drop a video file (MP4, WebM or MOV).';
    }),
    clipError,
    el('label', { text: 'Frames to keep', attrs: { for: 'keep-frames' } }), keepSel, keepHelp,
    clipView.root, clipView.summary, clipView.buttons, linkNote);
  let keepTouched = false; // until the user picks a count, it follows the default (⌊frames/2⌋) as frames change
  keepSel.addEventListener('change', () => {
    keepTouched = true;
    void refitClip();
  });

  o.panel.insertBefore(kinds, o.firstFrame);
  o.panel.insertBefore(endSection, o.before);
  o.panel.insertBefore(clipSection, o.before);

  function setKind(k: ConditionKind): void {
    kind = k;
    (kinds.querySelector<HTMLInputElement>(`input[value="${k}"]`) as HTMLInputElement).checked = true;
    show(o.firstFrame, k !== 'continuation');
    show(endSection, k === 'transition');
    show(clipSection, k === 'continuation');
    o.onChange();
  }

  function keepOptions(): void {
    const max = Math.max(0, target.frames - 1);
    if (clip?.exact) {
      // Frames from a link/history are used exactly: all of them (the strip PNG is what the link carries).
      const n = clip.fitted?.frames.length ?? 0;
      keepSel.replaceChildren(...(n <= max ? [el('option', { text: String(n), attrs: { value: String(n) } })] : []));
      keepHelp.textContent = n <= max ? `The ${n} frames from the link are kept; the rest of the ${target.frames} frames are generated.` : `The link keeps ${n} frames, more than ${target.frames} frames allow: choose more frames, or the video again.`;
      return;
    }
    const available = clip?.clip?.frames.length ?? max;
    const upTo = Math.min(max, available || max);
    const cur = (keepTouched && Number(keepSel.value)) || defaultKeep(target.frames);
    keepSel.replaceChildren(...Array.from({ length: upTo }, (_, i) => el('option', { text: String(i + 1), attrs: { value: String(i + 1) } })));
    keepSel.value = String(Math.min(Math.max(1, cur), Math.max(1, upTo)));
    keepHelp.textContent = max < 1
      ? 'A continuation needs more than 1 frame: choose more frames below.'
      : `Of the ${target.frames} frames, the first ${keepSel.value || 0} come from the video and the rest are generated (1 to ${max}${clip && available < max ? `; this clip has ${available}` : ''}).`;
  }

  // ---- last frame
  async function setEnd(f: Blob): Promise<void> {
    endError.textContent = '';
    try {
      const bitmap = await readPhoto(f);
      end?.bitmap.close();
      end = { bitmap, fitted: null, exact: false };
      await refitEnd();
    } catch (e) {
      endError.textContent = errorText(e);
    }
  }

  async function refitEnd(): Promise<void> {
    const s = end;
    if (!s) return;
    endView.draw();
    const id = ++seq;
    if (s.exact && s.fitted?.rgba.width === target.width && s.fitted.rgba.height === target.height) {
      endView.drawFrames([s.fitted.rgba]);
      endView.summary.textContent = `The last frame from the link (${target.width}×${target.height}, already the model's size).`;
      o.onChange();
      return;
    }
    s.exact = false;
    try {
      const fitted = await conditioningImage(s.bitmap, target.width, target.height, s.center);
      if (id !== seq || end !== s) return;
      s.fitted = fitted;
      endView.drawFrames([fitted.rgba]);
      endView.summary.textContent = `Last frame: ${s.center ? fitted.report.summary.replace('center crop', 'crop') : fitted.report.summary}.`;
      o.onChange();
    } catch (e) {
      endError.textContent = errorText(e);
    }
  }

  function moveEnd(dx: number, dy: number, from?: Point): void {
    if (!end) return;
    end.center = moveCrop(end.bitmap, target, from ?? end.center, dx, dy);
    end.exact = false;
    endView.draw();
    void refitEnd();
  }

  // ---- video
  function dropClip(): void {
    if (clip?.clip) closeClip(clip.clip);
    clip?.bitmap.close();
    clip = null;
    keepOptions();
  }

  async function decode(blob: Blob): Promise<ClipFrames> {
    const maxSide = Math.max(512, 2 * Math.max(target.width, target.height));
    return readClipFrames(blob, Math.max(1, target.frames - 1), maxSide);
  }

  async function setClip(f: File | Blob): Promise<void> {
    clipError.textContent = '';
    clipView.summary.textContent = 'Reading the video…';
    try {
      const c = await decode(f);
      dropClip();
      const bitmap = await createImageBitmap(c.frames[0]);
      clip = { clip: c, blob: f, bitmap, fitted: null, exact: false, name: f instanceof File ? f.name : 'video' };
      keepSel.value = String(Math.min(defaultKeep(target.frames), c.frames.length));
      keepOptions();
      await refitClip();
    } catch (e) {
      clipView.summary.textContent = '';
      clipError.textContent = errorText(e);
    }
  }

  async function refitClip(): Promise<void> {
    const s = clip;
    keepOptions();
    if (!s) return;
    clipView.draw();
    const keep = Number(keepSel.value);
    const id = ++seq;
    if (s.exact) {
      if (s.fitted && s.fitted.frames[0].width === target.width && s.fitted.frames[0].height === target.height) {
        const frames = s.fitted.frames.slice(0, keep);
        clipView.drawFrames(frames);
        clipView.summary.textContent = `${frames.length} frame${frames.length === 1 ? '' : 's'} from the link (${target.width}×${target.height}, already the model's size).`;
      } else {
        clipView.summary.textContent = '';
        clipError.textContent = `The video frames from the link are ${s.fitted?.frames[0].width}×${s.fitted?.frames[0].height}; choose the video again to use another size.`;
      }
      o.onChange();
      return;
    }
    if (!s.clip || !s.blob) return;
    if (!(keep >= 1)) {
      // e.g. Frames = 1: nothing can be kept; say so instead of fitting nothing.
      clipView.summary.textContent = '';
      clipError.textContent = keepHelp.textContent ?? '';
      o.onChange();
      return;
    }
    clipError.textContent = '';
    try {
      if (s.clip.frames.length < Math.min(keep, target.frames - 1) && s.clip.frames.length >= 1) {
        // More frames asked than decoded (the frame count grew): decode again.
        const again = await decode(s.blob);
        if (clip !== s) {
          closeClip(again);
          return;
        }
        closeClip(s.clip);
        s.clip = again;
        keepOptions();
      }
      const fitted = await fitFrames(s.clip, Number(keepSel.value), target.width, target.height, s.center);
      // One PNG strip: the pixels used are the ones a link carries (lossless round trip).
      const n = fitted.frames.length;
      const strip = new Uint8Array(target.width * target.height * 4 * n);
      fitted.frames.forEach((f, i) => strip.set(f.data, i * f.data.length));
      const png = await encodePng({ width: target.width, height: target.height * n, data: strip });
      const { rgba, bitmap } = await decodeImage(png, target.width, target.height * n);
      bitmap.close();
      if (id !== seq || clip !== s) return;
      const plane = target.width * target.height * 4;
      s.fitted = { png, frames: Array.from({ length: n }, (_, i) => ({ width: target.width, height: target.height, data: rgba.data.slice(i * plane, (i + 1) * plane) })) };
      clipView.drawFrames(s.fitted.frames);
      clipView.summary.textContent = `Kept: ${fitted.report.summary}.`;
      o.onChange();
    } catch (e) {
      clipError.textContent = errorText(e);
    }
  }

  function moveClip(dx: number, dy: number, from?: Point): void {
    if (!clip || clip.exact) return;
    clip.center = moveCrop(clip.bitmap, target, from ?? clip.center, dx, dy);
    clipView.draw();
    void refitClip();
  }

  keepOptions();
  endView.draw(); // nothing chosen yet: the crop views stay hidden
  clipView.draw();
  setKind('i2v');

  return {
    kind: () => kind,
    setKind,
    setTarget(t) {
      const sizeChanged = t.width !== target.width || t.height !== target.height;
      const framesChanged = t.frames !== target.frames;
      target = t;
      if (sizeChanged && end) void refitEnd();
      if ((sizeChanged || framesChanged) && clip) void refitClip();
      else keepOptions();
    },
    missing(k) {
      if (k === 'transition') {
        if (target.frames < 2) return 'A transition needs more than 1 frame: choose more frames.';
        if (!end?.fitted) return 'Add the last frame first (drop or choose a photo under “Last frame”).';
      }
      if (k === 'continuation') {
        if (target.frames < 2) return 'A continuation needs more than 1 frame: choose more frames.';
        if (!clip?.fitted) return 'Add the video to continue first (drop or choose a clip under “Video to continue”).';
        if (!(Number(keepSel.value) >= 1) || Number(keepSel.value) > target.frames - 1) return keepHelp.textContent || 'Choose how many frames of the video to keep.';
        if (clip.fitted.frames[0].width !== target.width || clip.fitted.frames[0].height !== target.height) return 'The video frames are not at the model size: choose the video again.';
      }
      return null;
    },
    requestFields(k) {
      if (k === 'transition' && end?.fitted) return { endImage: end.fitted.rgba };
      if (k === 'continuation' && clip?.fitted) return { video: { frames: clip.fitted.frames.slice(0, Number(keepSel.value)) } };
      return {};
    },
    shareFields(k) {
      if (k === 'transition' && end?.fitted) return { endImage: end.fitted.png };
      if (k === 'continuation' && clip?.fitted) return { videoFrames: clip.fitted.png, keepFrames: clip.fitted.frames.length };
      return {};
    },
    async applyShare(p) {
      target = { width: p.width, height: p.height, frames: p.frames };
      if (p.mode === 'transition' && p.endImage) {
        const { rgba, bitmap } = await decodeImage(p.endImage, p.width, p.height);
        end?.bitmap.close();
        end = { bitmap, fitted: { png: p.endImage, rgba, report: { sourceWidth: p.width, sourceHeight: p.height, crop: { x: 0, y: 0, width: p.width, height: p.height }, targetWidth: p.width, targetHeight: p.height, summary: `${p.width}×${p.height} (exact)` } }, exact: true };
        await refitEnd();
      }
      if (p.mode === 'continuation' && p.videoFrames && p.keepFrames) {
        const n = p.keepFrames;
        const { rgba, bitmap } = await decodeImage(p.videoFrames, p.width, p.height * n);
        bitmap.close();
        const plane = p.width * p.height * 4;
        const frames = Array.from({ length: n }, (_, i) => ({ width: p.width, height: p.height, data: rgba.data.slice(i * plane, (i + 1) * plane) }));
        dropClip();
        const first = await createImageBitmap(new ImageData(new Uint8ClampedArray(frames[0].data), p.width, p.height));
        clip = { clip: null, blob: null, bitmap: first, fitted: { png: p.videoFrames, frames }, exact: true, name: 'link' };
        keepOptions();
        keepSel.value = String(n);
        await refitClip();
      }
      if (p.mode !== 't2v') setKind(p.mode);
    },
  };
}
