// Browser side of e2e/video-mp4.spec.ts: synthetic frames → Mp4Writer → MP4 → readMp4 → compare.
import { Mp4Writer, type CodecCandidate } from '../../src/video/mp4-writer';
import { readMp4 } from '../../src/video/mp4-reader';

export interface RoundTripCase {
  width: number;
  height: number;
  frames: number;
  fps: number;
  codecs?: CodecCandidate[];
  bitrate?: number;
  encoderConfig?: Partial<VideoEncoderConfig>;
}

export interface RoundTripResult {
  codec: string;
  family: string;
  bytes: number;
  mime: string;
  decoded: { codec: string | null; width: number; height: number; fps: number; packetCount: number; frameCount: number; durationSec: number };
  /** PSNR (dB, RGB) of each decoded frame against the frame that was encoded. */
  psnr: number[];
  /** PSNR of decoded frame i against source frame i+1 (must be clearly lower: frames are distinct and in order). */
  psnrShifted: number[];
  firstTimestamps: number[];
}

/**
 * A moving pattern: smooth colour gradients, a travelling sine wave and a soft yellow disc sliding diagonally (soft
 * edges: a hard-edged square at odd offsets loses ~8 dB to 4:2:0 chroma subsampling alone, whatever the bitrate).
 */
export function syntheticFrame(w: number, h: number, i: number): Uint8Array {
  const out = new Uint8Array(w * h * 4);
  const radius = Math.max(3, Math.min(w, h) / 6);
  const cx = radius + ((i * 3) % Math.max(1, w - 2 * radius));
  const cy = radius + ((i * 2) % Math.max(1, h - 2 * radius));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 4;
      const d2 = ((x - cx) ** 2 + (y - cy) ** 2) / (radius * radius);
      const a = Math.exp(-d2 * 1.5);
      const r = (x / w) * 200 + 20;
      const g = (y / h) * 180 + 30;
      const b = 128 + 60 * Math.sin((x + y) / 6 + i * 0.5);
      out[o] = r + (240 - r) * a;
      out[o + 1] = g + (230 - g) * a;
      out[o + 2] = b + (40 - b) * a;
      out[o + 3] = 255;
    }
  }
  return out;
}

export function psnrRgb(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`size mismatch ${a.length} vs ${b.length}`);
  let se = 0;
  let n = 0;
  for (let i = 0; i < a.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      const d = a[i + c] - b[i + c];
      se += d * d;
      n++;
    }
  }
  const mse = se / n;
  return mse === 0 ? 99 : 10 * Math.log10((255 * 255) / mse);
}

export async function encode(c: RoundTripCase): Promise<{ blob: Blob; codec: string; family: string; source: Uint8Array[] }> {
  const writer = await Mp4Writer.create({ width: c.width, height: c.height, fps: c.fps, codecs: c.codecs, bitrate: c.bitrate, encoderConfig: c.encoderConfig });
  const source: Uint8Array[] = [];
  for (let i = 0; i < c.frames; i++) {
    const f = syntheticFrame(c.width, c.height, i);
    source.push(f);
    await writer.addFrame(f, i);
  }
  const blob = await writer.finalize();
  return { blob, codec: writer.codec, family: writer.family, source };
}

export async function compare(blob: Blob, source: Uint8Array[], codec: string, family: string): Promise<RoundTripResult> {
  const d = await readMp4(blob, { frames: true });
  const frames = d.frames!;
  const psnr = frames.map((f, i) => (source[i] ? psnrRgb(f, source[i]) : 0));
  const psnrShifted = frames.slice(0, -1).map((f, i) => psnrRgb(f, source[i + 1]));
  return {
    codec,
    family,
    bytes: blob.size,
    mime: blob.type,
    decoded: { codec: d.codec, width: d.width, height: d.height, fps: d.fps, packetCount: d.packetCount, frameCount: d.frameCount, durationSec: d.durationSec },
    psnr,
    psnrShifted,
    firstTimestamps: d.timestamps.slice(0, 3),
  };
}

export async function roundTrip(c: RoundTripCase): Promise<RoundTripResult> {
  const { blob, codec, family, source } = await encode(c);
  return compare(blob, source, codec, family);
}

/** The same round trip with the encoding done inside a dedicated module Worker (e2e/harness/video-worker.ts). */
export async function roundTripInWorker(c: RoundTripCase): Promise<RoundTripResult & { inWorker: boolean }> {
  const worker = new Worker(new URL('./video-worker.ts', import.meta.url), { type: 'module' });
  try {
    const reply = await new Promise<{ ok: boolean; blob?: Blob; codec?: string; family?: string; error?: string; inWorker?: boolean }>((resolve) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => resolve({ ok: false, error: e.message });
      worker.postMessage(c);
    });
    if (!reply.ok) throw new Error(`worker failed: ${reply.error}`);
    const source = Array.from({ length: c.frames }, (_, i) => syntheticFrame(c.width, c.height, i));
    return { ...(await compare(reply.blob!, source, reply.codec!, reply.family!)), inWorker: Boolean(reply.inWorker) };
  } finally {
    worker.terminate();
  }
}

/** Error messages of misuse (each must throw, with a clear message). */
export async function misuse(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const attempt = async (name: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      out[name] = '(no error)';
    } catch (e) {
      out[name] = (e as Error).message;
    }
  };
  await attempt('oddWidth', () => Mp4Writer.create({ width: 63, height: 64, fps: 8 }));
  await attempt('zeroFps', () => Mp4Writer.create({ width: 64, height: 64, fps: 0 }));
  await attempt('noCodec', () => Mp4Writer.create({ width: 64, height: 64, fps: 8, codecs: [{ family: 'avc', codec: 'avc1.ffffff' }] }));
  const w = await Mp4Writer.create({ width: 64, height: 64, fps: 8 });
  await attempt('wrongSize', () => w.addFrame(new Uint8Array(10), 0));
  await attempt('outOfOrder', () => w.addFrame(new Uint8Array(64 * 64 * 4), 1));
  await w.addFrame(new Uint8Array(64 * 64 * 4), 0);
  await w.abort();
  await attempt('afterAbort', () => w.addFrame(new Uint8Array(64 * 64 * 4), 1));
  const empty = await Mp4Writer.create({ width: 64, height: 64, fps: 8 });
  await attempt('emptyFinalize', () => empty.finalize());
  return out;
}
