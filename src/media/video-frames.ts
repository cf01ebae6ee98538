// The first frames of a video file (continuation input): mediabunny demuxes (MP4, MOV, WebM, …) and WebCodecs
// decodes; each frame is kept as a bitmap at most `maxSide` px on its longer side (enough to crop any model size
// from, without holding full-HD frames), then `fitFrames` crops + resizes all of them with ONE crop (the clip's
// framing must not jump between frames) exactly like a conditioning image (fit-image.ts). Works in pages and workers.
import { ALL_FORMATS, BlobSource, Input, VideoSampleSink } from 'mediabunny';
import type { RgbaImage } from '../core/image';
import { fitImage, type FitReport } from './fit-image';

export class VideoInputError extends Error {
  override name = 'VideoInputError';
}

export interface ClipFrames {
  /** Decoded frames in presentation order, scaled to ≤ maxSide (caller closes them, or calls `closeClip`). */
  frames: ImageBitmap[];
  /** The video's display size (before the ≤ maxSide scaling). */
  sourceWidth: number;
  sourceHeight: number;
  /** Average frame rate of the track (frames are taken consecutively, whatever the rate). */
  fps: number;
  codec: string | null;
}

export const MAX_VIDEO_BYTES = 500 * 2 ** 20;

/** Decodes the first `count` frames of `blob`. Throws VideoInputError with a message meant for the user. */
export async function readClipFrames(blob: Blob, count: number, maxSide = 1024): Promise<ClipFrames> {
  if (!(count >= 1)) throw new RangeError(`count must be ≥ 1, got ${count}`);
  if (blob.size > MAX_VIDEO_BYTES) throw new VideoInputError(`that file is ${Math.round(blob.size / 2 ** 20)} MB; use a clip under ${MAX_VIDEO_BYTES / 2 ** 20} MB`);
  const input = new Input({ formats: ALL_FORMATS, source: new BlobSource(blob) });
  const frames: ImageBitmap[] = [];
  try {
    let track;
    try {
      track = await input.getPrimaryVideoTrack();
    } catch (e) {
      throw new VideoInputError(`could not read that file as a video (${e instanceof Error ? e.message : String(e)}): use an MP4, MOV or WebM clip`);
    }
    if (!track) throw new VideoInputError('that file has no video track');
    if (!(await track.canDecode())) throw new VideoInputError(`this browser cannot decode ${track.codec ?? 'this'} video: use an H.264, VP9 or AV1 clip`);
    const sw = track.displayWidth;
    const sh = track.displayHeight;
    if (!(sw > 0 && sh > 0)) throw new VideoInputError('the video has no picture size');
    const scale = Math.min(1, maxSide / Math.max(sw, sh));
    const w = Math.max(1, Math.round(sw * scale));
    const h = Math.max(1, Math.round(sh * scale));
    const stats = await track.computePacketStats(Math.max(count, 8)).catch(() => null);
    for await (const sample of new VideoSampleSink(track).samples()) {
      try {
        const canvas = new OffscreenCanvas(w, h);
        const ctx = canvas.getContext('2d');
        if (!ctx) throw new VideoInputError('no 2D canvas available to read the video frames');
        ctx.imageSmoothingQuality = 'high';
        sample.draw(ctx, 0, 0, w, h); // honours rotation metadata
        frames.push(canvas.transferToImageBitmap());
      } finally {
        sample.close();
      }
      if (frames.length >= count) break;
    }
    if (!frames.length) throw new VideoInputError('no frame of the video could be decoded');
    return { frames, sourceWidth: sw, sourceHeight: sh, fps: stats?.averagePacketRate ?? 0, codec: track.codec };
  } catch (e) {
    for (const f of frames) f.close();
    if (e instanceof VideoInputError) throw e;
    throw new VideoInputError(`the video could not be decoded (${e instanceof Error ? e.message : String(e)})`);
  } finally {
    input.dispose();
  }
}

export function closeClip(clip: ClipFrames): void {
  for (const f of clip.frames) f.close();
}

/**
 * The first `count` frames of the clip at the model's size with one crop (`center` in the stored frames' pixels,
 * default: centred). The report describes the crop in the video's own pixels.
 */
export async function fitFrames(clip: ClipFrames, count: number, width: number, height: number, center?: { x: number; y: number }): Promise<{ frames: RgbaImage[]; report: FitReport }> {
  const n = Math.min(count, clip.frames.length);
  // e.g. a 1-frame request: nothing can be kept (without this the report below is undefined).
  if (!(n >= 1)) throw new VideoInputError(`no video frames to keep (asked for ${count}, the clip has ${clip.frames.length}): a continuation keeps 1 to frames − 1, so it needs more than 1 frame`);
  const frames: RgbaImage[] = [];
  let report: FitReport | undefined;
  for (let i = 0; i < n; i++) {
    const fitted = await fitImage(clip.frames[i], width, height, center);
    frames.push(fitted.image);
    report ??= fitted.report;
  }
  const r = report!;
  const k = clip.sourceWidth / clip.frames[0].width;
  const crop = { x: Math.round(r.crop.x * k), y: Math.round(r.crop.y * k), width: Math.round(r.crop.width * k), height: Math.round(r.crop.height * k) };
  const whole = crop.width >= clip.sourceWidth && crop.height >= clip.sourceHeight;
  const summary = `${n} frame${n === 1 ? '' : 's'} of a ${clip.sourceWidth}×${clip.sourceHeight} clip → ${whole ? 'no crop' : `crop ${crop.width}×${crop.height} at (${crop.x}, ${crop.y})`} → resized to ${width}×${height}`;
  return { frames, report: { sourceWidth: clip.sourceWidth, sourceHeight: clip.sourceHeight, crop, targetWidth: width, targetHeight: height, summary } };
}
