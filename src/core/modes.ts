// Generation modes and their display names. Bottom layer (src/core): imports nothing.

/** What a generation is conditioned on: text only, first frame, first + last frame, or the first frames of a clip. */
export type GenerationMode = 't2v' | 'i2v' | 'transition' | 'continuation';

export const GENERATION_MODES: readonly GenerationMode[] = ['t2v', 'i2v', 'transition', 'continuation'];

/** What the page calls each mode. */
export const MODE_NAMES: Record<GenerationMode, string> = {
  t2v: 'Text to video',
  i2v: 'Image to video',
  transition: 'Transition',
  continuation: 'Continuation',
};

/** The short tag a history entry starts with (none for text-to-video). */
export const MODE_TAGS: Partial<Record<GenerationMode, string>> = { i2v: 'image→video · ', transition: 'transition · ', continuation: 'continuation · ' };
