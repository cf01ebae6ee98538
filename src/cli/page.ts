// The in-browser half of `npm run generate`: drives the engine worker exactly as the playground does and hands the
// MP4 back to Node as base64. Progress goes to Node through `window.cliProgress` (a Playwright binding).
import { createEngine } from '../engine/api';
import type { GenerateProgress, GenerateRequest, LoadOptions, LoadProgress, ModelSource, RgbaImage } from '../engine/types';
import { fitImage, type FitReport } from '../media/fit-image';

export interface CliJob {
  model: ModelSource;
  backend: LoadOptions['backend'];
  request: Omit<GenerateRequest, 'image'>;
  /** Base64 bytes of the conditioning image file (any format the browser decodes). */
  imageBase64?: string;
}

export interface CliResult {
  mp4Base64: string;
  meta: unknown;
  backend: string;
  imageFit?: FitReport;
}

type ProgressSink = (kind: 'load' | 'generate', p: LoadProgress | GenerateProgress) => void;
declare global {
  interface Window {
    cliRun(job: CliJob): Promise<CliResult>;
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

window.cliRun = async (job: CliJob): Promise<CliResult> => {
  const engine = createEngine();
  const report: ProgressSink = (kind, p) => window.cliProgress?.(kind, p);
  try {
    const loaded = await engine.load(job.model, (p) => report('load', p), { backend: job.backend });
    let image: RgbaImage | undefined;
    let imageFit: FitReport | undefined;
    if (job.imageBase64) {
      const width = job.request.width ?? loaded.defaults.width;
      const height = job.request.height ?? loaded.defaults.height;
      const fitted = await fitImage(new Blob([fromBase64(job.imageBase64) as BlobPart]), width, height);
      image = fitted.image;
      imageFit = fitted.report;
    }
    const result = await engine.generate({ ...job.request, image }, (p) => report('generate', { ...p, preview: undefined }));
    return { mp4Base64: await toBase64(result.mp4), meta: result.meta, backend: loaded.backend, imageFit };
  } finally {
    engine.terminate();
  }
};
