// The in-browser half of `npm run generate`: drives the engine worker exactly as the playground does and hands the
// MP4 back to Node as base64. Progress goes to Node through `window.cliProgress` (a Playwright binding). Input files
// arrive before the job in pieces (`cliPut`, a few MB each): one call carrying 200 MB of base64 closes the page.
import { createEngine } from '../engine/api';
import type { GenerateProgress, GenerateRequest, LoadOptions, LoadProgress, ModelSource, RgbaImage } from '../engine/types';
import { fitImage, type FitReport } from '../media/fit-image';
import { closeClip, fitFrames, readClipFrames } from '../media/video-frames';
import { refinePrompt, type Refined } from '../text/refiner';

export interface CliJob {
  model: ModelSource;
  backend: LoadOptions['backend'];
  request: Omit<GenerateRequest, 'image' | 'endImage' | 'video'>;
  /** Name (given to cliPut) of the conditioning image file (any format the browser decodes). */
  image?: string;
  /** Transition: name of the last frame's image file. */
  endImage?: string;
  /** Continuation: name of a video file; its first `keepFrames` frames are kept. */
  video?: string;
  /** Frames of the video to keep (default: max(1, ⌊frames/2⌋), training/sample.py's default). */
  keepFrames?: number;
}

export interface CliResult {
  mp4Base64: string;
  meta: unknown;
  backend: string;
  imageFit?: FitReport;
  endImageFit?: FitReport;
  videoFit?: FitReport;
}

type ProgressSink = (kind: 'load' | 'generate', p: LoadProgress | GenerateProgress) => void;
declare global {
  interface Window {
    cliRun(job: CliJob): Promise<CliResult>;
    cliPut(name: string, base64Chunk: string): void;
    /** The page's prompt refiner (src/text/refiner.ts), so the CLI refines exactly as the playground does. */
    cliRefine(prompt: string): Refined;
    cliProgress?: ProgressSink;
  }
}

function fromBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function toBase64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

const inputs = new Map<string, Uint8Array[]>();

window.cliPut = (name, base64Chunk) => {
  inputs.set(name, [...(inputs.get(name) ?? []), fromBase64(base64Chunk)]);
};

/** The file sent under `name` as a Blob (its pieces are released here: the Blob holds the bytes). */
function takeInput(name: string): Blob {
  const parts = inputs.get(name);
  if (!parts) throw new Error(`no input named ${name} was sent`);
  inputs.delete(name);
  return new Blob(parts as BlobPart[]);
}

window.cliRefine = (prompt: string) => refinePrompt(prompt);

window.cliRun = async (job: CliJob): Promise<CliResult> => {
  const engine = createEngine();
  const report: ProgressSink = (kind, p) => window.cliProgress?.(kind, p);
  try {
    const loaded = await engine.load(job.model, (p) => report('load', p), { backend: job.backend });
    const width = job.request.width ?? loaded.defaults.width;
    const height = job.request.height ?? loaded.defaults.height;
    const frames = job.request.frames ?? loaded.defaults.frames;
    const fit = async (name: string) => fitImage(takeInput(name), width, height);
    let image: RgbaImage | undefined;
    let endImage: RgbaImage | undefined;
    let video: { frames: RgbaImage[] } | undefined;
    const out: Omit<CliResult, 'mp4Base64' | 'meta' | 'backend'> = {};
    if (job.image) ({ image, report: out.imageFit } = await fit(job.image));
    if (job.endImage) ({ image: endImage, report: out.endImageFit } = await fit(job.endImage));
    if (job.video) {
      const keep = job.keepFrames ?? Math.max(1, Math.floor(frames / 2));
      const clip = await readClipFrames(takeInput(job.video), keep);
      try {
        // By default keep what the clip has (like sample.py, which pads a short clip); an explicit count must exist.
        if (job.keepFrames !== undefined && clip.frames.length < keep) throw new Error(`--keep-frames ${keep}: the video has only ${clip.frames.length} frame${clip.frames.length === 1 ? '' : 's'}`);
        const fitted = await fitFrames(clip, keep, width, height);
        video = { frames: fitted.frames };
        out.videoFit = fitted.report;
      } finally {
        closeClip(clip);
      }
    }
    const result = await engine.generate({ ...job.request, image, endImage, video }, (p) => report('generate', { ...p, preview: undefined }));
    return { mp4Base64: await toBase64(result.mp4), meta: result.meta, backend: loaded.backend, ...out };
  } finally {
    engine.terminate();
  }
};
