// RGBA frames → WebCodecs VideoEncoder → mediabunny MP4 muxer → Blob, streaming: frames are encoded as they
// arrive (`addFrame`), the file is assembled in memory at `finalize()`. Works in a page or a (module) Worker.
//
// Codec choice: H.264 first (every player reads it; `avc: {format: 'avc'}` puts the SPS/PPS in the MP4 header),
// then VP9 → AV1 → VP8, whichever `VideoEncoder.isConfigSupported` accepts first for the size.
import { BufferTarget, EncodedPacket, EncodedVideoPacketSource, Mp4OutputFormat, Output, type VideoCodec } from 'mediabunny';

export interface CodecCandidate {
  /** mediabunny's codec family name. */
  family: VideoCodec;
  /** WebCodecs codec string. */
  codec: string;
}

/** Preference order: H.264 baseline 3.1 (≤ 1280×720), H.264 high 4.0, VP9 profile 0, AV1 main, VP8. */
export const DEFAULT_CODECS: readonly CodecCandidate[] = [
  { family: 'avc', codec: 'avc1.42001f' },
  { family: 'avc', codec: 'avc1.640028' },
  { family: 'vp9', codec: 'vp09.00.10.08' },
  { family: 'av1', codec: 'av01.0.04M.08' },
  { family: 'vp8', codec: 'vp8' },
];

export interface Mp4WriterOptions {
  width: number;
  height: number;
  /** Frames per second (the model's native rate is 8). */
  fps: number;
  /** Bits per second; default 2 bits per pixel, at least 500 kb/s (Chromium's H.264 encoder ignores it for tiny frames). */
  bitrate?: number;
  /** A key frame every this many frames (default: 2 seconds' worth). */
  keyFrameInterval?: number;
  /** Codec candidates in preference order (default DEFAULT_CODECS). */
  codecs?: readonly CodecCandidate[];
  /** Extra VideoEncoderConfig fields (e.g. latencyMode), applied to every candidate. */
  encoderConfig?: Partial<VideoEncoderConfig>;
}

export interface ChosenEncoder {
  candidate: CodecCandidate;
  config: VideoEncoderConfig;
}

export class Mp4WriterError extends Error {
  override name = 'Mp4WriterError';
}

function checkOptions(o: Mp4WriterOptions): void {
  for (const k of ['width', 'height'] as const) {
    const v = o[k];
    if (!Number.isInteger(v) || v < 2 || v > 8192) throw new Mp4WriterError(`${k} must be an integer in [2, 8192], got ${v}`);
    if (v % 2 !== 0) throw new Mp4WriterError(`${k} must be even (4:2:0 video), got ${v}`);
  }
  if (!Number.isFinite(o.fps) || o.fps <= 0 || o.fps > 240) throw new Mp4WriterError(`fps must be in (0, 240], got ${o.fps}`);
  if (o.bitrate !== undefined && !(o.bitrate > 0)) throw new Mp4WriterError(`bitrate must be positive, got ${o.bitrate}`);
}

export function defaultBitrate(width: number, height: number, fps: number): number {
  return Math.max(500_000, Math.round(width * height * fps * 2));
}

/** The first candidate the browser's encoder accepts for this size, with its full encoder config. */
export async function chooseEncoder(o: Mp4WriterOptions): Promise<ChosenEncoder> {
  checkOptions(o);
  if (typeof VideoEncoder === 'undefined') throw new Mp4WriterError('WebCodecs VideoEncoder is not available in this context');
  const bitrate = o.bitrate ?? defaultBitrate(o.width, o.height, o.fps);
  const tried: string[] = [];
  for (const candidate of o.codecs ?? DEFAULT_CODECS) {
    const config: VideoEncoderConfig = {
      codec: candidate.codec,
      width: o.width,
      height: o.height,
      bitrate,
      framerate: o.fps,
      ...(candidate.family === 'avc' ? { avc: { format: 'avc' } } : {}),
      ...o.encoderConfig,
    };
    try {
      const support = await VideoEncoder.isConfigSupported(config);
      if (support.supported) return { candidate, config: support.config ?? config };
      tried.push(`${candidate.codec}: unsupported`);
    } catch (e) {
      tried.push(`${candidate.codec}: ${(e as Error).message}`);
    }
  }
  throw new Mp4WriterError(`no video encoder for ${o.width}×${o.height} @ ${o.fps} fps (${tried.join('; ')})`);
}

/**
 * Streaming MP4 writer. `await Mp4Writer.create(opts)`, then `await addFrame(rgba, i)` for i = 0, 1, 2, … in order
 * (RGBA, width·height·4 bytes, row-major, top row first), then `await finalize()` → MP4 Blob.
 */
export class Mp4Writer {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly codec: string;
  readonly family: VideoCodec;
  private readonly encoder: VideoEncoder;
  private readonly output: Output<Mp4OutputFormat, BufferTarget>;
  private readonly target: BufferTarget;
  private readonly keyFrameInterval: number;
  private muxChain: Promise<void> = Promise.resolve();
  private failure: Error | null = null;
  private signalFailure: () => void = () => undefined;
  /** Resolves when the encoder or muxer fails (wakes a backpressure wait that would otherwise never end). */
  private readonly failed = new Promise<void>((resolve) => {
    this.signalFailure = resolve;
  });
  private frames = 0;
  private state: 'open' | 'finalized' | 'aborted' = 'open';

  private constructor(o: Mp4WriterOptions, chosen: ChosenEncoder, output: Output<Mp4OutputFormat, BufferTarget>,
    target: BufferTarget, source: EncodedVideoPacketSource) {
    this.width = o.width;
    this.height = o.height;
    this.fps = o.fps;
    this.codec = chosen.candidate.codec;
    this.family = chosen.candidate.family;
    this.output = output;
    this.target = target;
    this.keyFrameInterval = Math.max(1, Math.round(o.keyFrameInterval ?? o.fps * 2));
    this.encoder = new VideoEncoder({
      output: (chunk, meta) => {
        const packet = EncodedPacket.fromEncodedChunk(chunk);
        // Packets must reach the muxer in decode order, one at a time (source.add respects backpressure).
        this.muxChain = this.muxChain.then(() => (this.failure ? undefined : source.add(packet, meta))).catch((e: unknown) => {
          this.fail(e instanceof Error ? e : new Error(String(e)));
        });
      },
      error: (e) => this.fail(new Mp4WriterError(`video encoder error: ${e.message}`)),
    });
    this.encoder.configure(chosen.config);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.signalFailure();
  }

  static async create(o: Mp4WriterOptions): Promise<Mp4Writer> {
    const chosen = await chooseEncoder(o);
    const target = new BufferTarget();
    const output = new Output({ format: new Mp4OutputFormat({ fastStart: 'in-memory' }), target });
    const source = new EncodedVideoPacketSource(chosen.candidate.family);
    output.addVideoTrack(source, { frameRate: o.fps });
    await output.start();
    return new Mp4Writer(o, chosen, output, target, source);
  }

  get frameCount(): number {
    return this.frames;
  }

  /** Encodes frame `index` (must be the next one: 0, 1, 2, …). Resolves when the encoder can take more. */
  async addFrame(rgba: Uint8Array | Uint8ClampedArray, index: number): Promise<void> {
    if (this.state !== 'open') throw new Mp4WriterError(`addFrame after ${this.state}`);
    if (this.failure) throw this.failure;
    if (index !== this.frames) throw new Mp4WriterError(`frames must arrive in order: expected index ${this.frames}, got ${index}`);
    const bytes = this.width * this.height * 4;
    if (rgba.byteLength !== bytes) {
      throw new Mp4WriterError(`frame ${index} has ${rgba.byteLength} bytes, ${this.width}×${this.height} RGBA needs ${bytes}`);
    }
    const frameUs = 1e6 / this.fps;
    const frame = new VideoFrame(rgba, {
      format: 'RGBA',
      codedWidth: this.width,
      codedHeight: this.height,
      timestamp: Math.round(index * frameUs),
      duration: Math.round(frameUs),
    });
    try {
      this.encoder.encode(frame, { keyFrame: index % this.keyFrameInterval === 0 });
    } finally {
      frame.close();
    }
    this.frames++;
    // Bounded memory: wait while the encoder holds more than a few frames.
    while (this.encoder.encodeQueueSize > 4 && !this.failure) {
      await Promise.race([new Promise<void>((resolve) => this.encoder.addEventListener('dequeue', () => resolve(), { once: true })), this.failed]);
    }
    if (this.failure) throw this.failure;
  }

  /** Flushes the encoder, finishes the MP4 (moov first) and returns it. */
  async finalize(): Promise<Blob> {
    if (this.state !== 'open') throw new Mp4WriterError(`finalize after ${this.state}`);
    if (this.frames === 0) {
      await this.abort();
      throw new Mp4WriterError('no frames were added');
    }
    try {
      await this.encoder.flush();
      await this.muxChain;
      if (this.failure) throw this.failure;
      this.encoder.close();
      await this.output.finalize();
    } catch (e) {
      await this.abort();
      throw e;
    }
    this.state = 'finalized';
    const buffer = this.target.buffer;
    if (!buffer) throw new Mp4WriterError('muxer produced no buffer');
    return new Blob([buffer], { type: 'video/mp4' });
  }

  /** Drops everything (safe to call at any time, e.g. on cancel). */
  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    if (this.encoder.state !== 'closed') this.encoder.close();
    if (this.output.state === 'started' || this.output.state === 'pending') await this.output.cancel().catch(() => undefined);
  }
}
