// What the page checks about a parsed share link before it applies anything (parseShare has already checked the
// absolute caps, MAX_LINK_PIXELS included, so nothing here can decode more than that):
// - every image in it decodes (a refused link must leave the form as it was, so this runs before the form is filled);
// - its steps and frames fit the loaded model (a link from another model is filled in with a warning, the values
//   brought into range — never left to fail later with the engine's raw message).
import { ShareLinkError, type ShareParams } from './share';

/** The PNGs a link carries, with what they are called in a message. */
function linkImages(p: ShareParams): { what: string; png: Uint8Array }[] {
  const out: { what: string; png: Uint8Array }[] = [];
  if (p.image) out.push({ what: p.mode === 'transition' ? 'first frame' : 'image', png: p.image });
  if (p.endImage) out.push({ what: 'last frame', png: p.endImage });
  if (p.videoFrames) out.push({ what: 'video frame strip', png: p.videoFrames });
  return out;
}

/** Decodes each image of the link once (off the main thread: createImageBitmap) and drops it; throws ShareLinkError. */
export async function verifyLinkImages(p: ShareParams): Promise<void> {
  for (const { what, png } of linkImages(p)) {
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(new Blob([png as BlobPart], { type: 'image/png' }));
    } catch {
      throw new ShareLinkError(`the ${what} in it could not be read as an image (the PNG is damaged)`);
    }
    bitmap.close();
  }
}

export interface ModelRange {
  modelId: string;
  maxSteps: number;
  /** The frame counts the model makes (1 + temporal·k up to its maxFrames), ascending. */
  frameOptions: number[];
}

/** Steps/frames brought into the model's range, and one sentence per change (empty when the link fits). */
export function fitLinkToModel(p: Pick<ShareParams, 'steps' | 'frames' | 'mode' | 'keepFrames'>, m: ModelRange): { steps: number; frames: number; problems: string[] } {
  const problems: string[] = [];
  let { steps, frames } = p;
  if (steps > m.maxSteps) {
    problems.push(`The link asks for ${steps} steps; ${m.modelId} takes at most ${m.maxSteps}: steps were set to ${m.maxSteps}.`);
    steps = m.maxSteps;
  }
  if (!m.frameOptions.includes(frames)) {
    // A continuation must keep its kept frames plus at least one new one.
    const least = p.mode === 'continuation' ? (p.keepFrames ?? 0) + 1 : p.mode === 'transition' ? 2 : 1;
    const below = m.frameOptions.filter((f) => f <= frames && f >= least);
    const fit = below.length ? below[below.length - 1] : m.frameOptions.find((f) => f >= least) ?? m.frameOptions[m.frameOptions.length - 1];
    problems.push(`The link asks for ${frames} frames, which ${m.modelId} does not make: frames were set to ${fit}.`);
    frames = fit;
  }
  return { steps, frames, problems };
}
