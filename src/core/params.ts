// The generation parameters, once: a request (all optional but the prompt), a resolved request, the result's
// metadata, a share link and the manifest's defaults extend this. Bottom layer (src/core): imports nothing.

export interface GenerationParams {
  /** May be empty (unconditional generation). */
  prompt: string;
  negativePrompt: string;
  /** Non-negative safe integer. */
  seed: number;
  steps: number;
  cfgScale: number;
  /** Pixel frames, 1 + 4k. */
  frames: number;
  width: number;
  height: number;
  fps: number;
}
