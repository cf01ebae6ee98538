// The in-browser half of `npm run generate`: drives the engine worker exactly as the playground does and hands the
// MP4 back to Node as base64. Progress goes to Node through `window.cliProgress` (a Playwright binding). Input files
// are fetched from the CLI's dev server, which streams them from disk (scripts/headless.mjs).
import { createEngine } from '../engine/api';
import type { GenerateProgress, GenerateRequest, LoadOptions, LoadProgress, ModelSource, RgbaImage } from '../engine/types';
import { fitImage, type FitReport } from '../media/fit-image';
import { closeClip, fitFrames, readClipFrames, VideoInputError } from '../media/video-frames';
import { refinePrompt, type Refined } from '../text/refiner';

export interface CliJob {
  model: ModelSource;
  backend: LoadOptions['backend'];
  request: Omit<GenerateRequest, 'image' | 'endImage' | 'video'>;
  /** Same-origin URL of the conditioning image file (any format the browser decodes). */
  image?: string;
  /** Transition: URL of the last frame's image file. */
  endImage?: string;
  /** Continuation: URL of a video file; its first `keepFrames` frames are kept. */
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
    /** The page's prompt refiner (src/text/refiner.ts), so the CLI refines exactly as the playground does. */
    cliRefine(prompt: string): Refined;
    cliProgress?: ProgressSink;
  }
}

async function toBase64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** An input file, fetched from the CLI's dev server (scripts/headless.mjs streams it from disk). */
async function takeInput(url: string): Promise<Blob> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`the input ${url} could not be read from the CLI (HTTP ${res.status})`);
  return res.blob();
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
    const fit = async (url: string) => fitImage(await takeInput(url), width, height);
    let image: RgbaImage | undefined;
    let endImage: RgbaImage | undefined;
    let video: { frames: RgbaImage[] } | undefined;
    const out: Omit<CliResult, 'mp4Base64' | 'meta' | 'backend'> = {};
    if (job.image) ({ image, report: out.imageFit } = await fit(job.image));
    if (job.endImage) ({ image: endImage, report: out.endImageFit } = await fit(job.endImage));
    if (job.video) {
      const keep = job.keepFrames ?? Math.max(1, Math.floor(frames / 2));
      const clip = await readClipFrames(await takeInput(job.video), keep);
      try {
        // By default keep what the clip has (like sample.py, which pads a short clip); an explicit count must exist.
        if (job.keepFrames !== undefined && clip.frames.length < keep) throw new VideoInputError(`--keep-frames ${keep}: the video has only ${clip.frames.length} frame${clip.frames.length === 1 ? '' : 's'}`);
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
