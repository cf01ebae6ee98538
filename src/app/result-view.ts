// How the result is shown and offered: the model's videos are tiny (64×64), so the page scales them up smoothly by
// default (a "show pixels" box switches to nearest-neighbour), and besides the native MP4 offers a ×4 download
// upscaled the same smooth way. Only the download is upscaled: the share link and the history keep native frames.
import { readMp4 } from '../video/mp4-reader';
import { Mp4Writer } from '../video/mp4-writer';

export const UPSCALE_FACTOR = 4;

/** Re-encodes an MP4 with every frame scaled ×factor (bilinear/high-quality canvas smoothing). */
export async function upscaleMp4(mp4: Blob, factor = UPSCALE_FACTOR): Promise<Blob> {
  const d = await readMp4(mp4, { frames: true });
  const [w, h] = [d.width * factor, d.height * factor];
  const src = new OffscreenCanvas(d.width, d.height);
  const dst = new OffscreenCanvas(w, h);
  const sctx = src.getContext('2d')!;
  const dctx = dst.getContext('2d', { willReadFrequently: true })!;
  dctx.imageSmoothingEnabled = true;
  dctx.imageSmoothingQuality = 'high';
  const writer = await Mp4Writer.create({ width: w, height: h, fps: d.fps });
  try {
    for (const [i, rgba] of (d.frames ?? []).entries()) {
      sctx.putImageData(new ImageData(new Uint8ClampedArray(rgba), d.width, d.height), 0, 0);
      dctx.drawImage(src, 0, 0, w, h);
      await writer.addFrame(dctx.getImageData(0, 0, w, h).data, i);
    }
    return await writer.finalize();
  } catch (e) {
    await writer.abort();
    throw e;
  }
}

export interface ResultViewDeps {
  video: HTMLVideoElement;
  /** "Show pixels" checkbox. */
  pixelated: HTMLInputElement;
  upscaleButton: HTMLButtonElement;
  status: HTMLElement;
  /** The result on screen: its native MP4 and the download name of that MP4. */
  current: () => { mp4: Blob; fileName: string; width: number; height: number } | null;
  errorText: (e: unknown) => string;
}

export interface ResultView {
  /** A new result is on screen: label the ×4 button with its size. */
  shown(): void;
}

export function setupResultView(deps: ResultViewDeps): ResultView {
  const { video, pixelated, upscaleButton: button, status } = deps;
  const applyPixelated = () => video.classList.toggle('pixelated', pixelated.checked);
  pixelated.addEventListener('change', applyPixelated);
  applyPixelated();
  const label = () => {
    const r = deps.current();
    button.textContent = r ? `Download ×${UPSCALE_FACTOR} (${r.width * UPSCALE_FACTOR}×${r.height * UPSCALE_FACTOR})` : `Download ×${UPSCALE_FACTOR}`;
  };
  button.addEventListener('click', async () => {
    const r = deps.current();
    if (!r || button.disabled) return;
    button.disabled = true;
    button.textContent = 'Upscaling…';
    status.textContent = '';
    try {
      const big = await upscaleMp4(r.mp4);
      const url = URL.createObjectURL(big);
      const a = document.createElement('a');
      a.href = url;
      a.download = r.fileName.replace(/\.mp4$/, `-x${UPSCALE_FACTOR}.mp4`);
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      status.textContent = `The upscaled video could not be made: ${deps.errorText(e)}. The native-size download still works.`;
    } finally {
      button.disabled = false;
      label();
    }
  });
  return { shown: label };
}
