// MP4 → metadata and decoded RGBA frames (mediabunny demuxer + WebCodecs decoder). Used by the tests and by the app
// (e.g. to check or thumbnail a stored result). Works in a page or a Worker.
import { ALL_FORMATS, BlobSource, Input, VideoSampleSink, type VideoSample } from 'mediabunny';

export interface Mp4Info {
  /** mediabunny codec family ('avc', 'vp9', 'av1', 'vp8', …) or null if unknown. */
  codec: string | null;
  width: number;
  height: number;
  /** Packets per second of media time (= frame rate for constant-rate video). */
  fps: number;
  /** Number of encoded frames (packets). */
  packetCount: number;
  durationSec: number;
}

export interface DecodedMp4 extends Mp4Info {
  /** Frames actually decoded. */
  frameCount: number;
  /** Presentation timestamps (seconds) of the decoded frames. */
  timestamps: number[];
  /** RGBA frames (width·height·4), only with `{frames: true}`. */
  frames?: Uint8Array[];
  /** FNV-1a 32-bit hash of each frame's RGBA bytes, as hex. */
  hashes: string[];
}

export function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

async function sampleToRgba(sample: VideoSample, width: number, height: number): Promise<Uint8Array> {
  const out = new Uint8Array(width * height * 4);
  try {
    // WebCodecs converts to RGBA in copyTo (Chromium ≥ 127).
    await sample.copyTo(out, { format: 'RGBA', colorSpace: 'srgb' } as VideoFrameCopyToOptions);
    return out;
  } catch {
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D context for frame conversion');
    sample.draw(ctx, 0, 0);
    out.set(ctx.getImageData(0, 0, width, height).data);
    return out;
  }
}

/** Container and track metadata without decoding. */
export async function probeMp4(blob: Blob): Promise<Mp4Info> {
  const input = new Input({ formats: ALL_FORMATS, source: new BlobSource(blob) });
  try {
    return await infoOf(input);
  } finally {
    input.dispose();
  }
}

async function infoOf(input: Input): Promise<Mp4Info> {
  const track = await input.getPrimaryVideoTrack();
  if (!track) throw new Error('no video track');
  const stats = await track.computePacketStats();
  return {
    codec: track.codec,
    width: track.displayWidth,
    height: track.displayHeight,
    fps: stats.averagePacketRate,
    packetCount: stats.packetCount,
    durationSec: await track.computeDuration(),
  };
}

/** Demuxes and decodes every frame; returns metadata, per-frame hashes and (optionally) the RGBA frames. */
export async function readMp4(blob: Blob, options: { frames?: boolean } = {}): Promise<DecodedMp4> {
  const input = new Input({ formats: ALL_FORMATS, source: new BlobSource(blob) });
  try {
    const info = await infoOf(input);
    const track = (await input.getPrimaryVideoTrack())!;
    if (!(await track.canDecode())) throw new Error(`this browser cannot decode ${info.codec ?? 'this video codec (not one the reader knows: use H.264, VP9 or AV1)'}`);
    const sink = new VideoSampleSink(track);
    const frames: Uint8Array[] = [];
    const hashes: string[] = [];
    const timestamps: number[] = [];
    for await (const sample of sink.samples()) {
      try {
        const rgba = await sampleToRgba(sample, info.width, info.height);
        hashes.push(fnv1a(rgba));
        timestamps.push(sample.timestamp);
        if (options.frames) frames.push(rgba);
      } finally {
        sample.close();
      }
    }
    return { ...info, frameCount: hashes.length, timestamps, hashes, ...(options.frames ? { frames } : {}) };
  } finally {
    input.dispose();
  }
}
