// The prompt's words as the model sees them: the manifest's word-level vocabulary (vocab.json, verified against its
// sha256) through the engine's tokenizer rules (src/text/tokenizer.ts: lower-case, runs of letters/digits).
import { loadFiles, type FileCache } from '../models/fetch';
import type { ModelManifest } from '../models/manifest';
import { splitWords, WordTokenizer, type VocabJson } from '../text/tokenizer';

export interface PromptWords {
  words: string[];
  unknown: string[];
  /** Words past the tokenizer's length (dropped by the model). */
  truncated: number;
}

/**
 * Loads and checks the model's vocabulary (from the browser's model cache when given and it has it); null when the
 * model has no word-level tokenizer.
 */
export async function loadTokenizer(manifest: ModelManifest, base: URL, cache?: FileCache): Promise<WordTokenizer | null> {
  const cfg = manifest.tokenizer;
  if (!cfg || cfg.type !== 'word') return null;
  const file = manifest.files.find((f) => f.path === cfg.vocab);
  if (!file) throw new Error(`the manifest names vocabulary ${cfg.vocab} but does not list it`);
  const bytes = (await loadFiles(base, [file], { cache })).get(file.path)!; // size + sha256 verified
  return new WordTokenizer(JSON.parse(new TextDecoder().decode(bytes)) as VocabJson, { maxLength: cfg.maxLength });
}

export function promptWords(text: string, tok: WordTokenizer | null): PromptWords {
  const words = splitWords(text);
  if (!tok) return { words, unknown: [], truncated: 0 };
  return { words, unknown: tok.unknownWords(text), truncated: tok.truncatedWords(text) };
}

/** Example prompts (made of the tiny model's training words); filtered to fully known ones when a vocab is loaded. */
export const EXAMPLE_PROMPTS = [
  'a big red circle moves right on a blue background',
  'a small green square moves up on a black background',
  'a yellow triangle bounces on a gray background',
  'a red ball and a blue square move left on a white background',
  'the camera pans left across a forest',
];

export const CAMERA_PROMPTS = [
  'the camera zooms in',
  'the camera zooms out',
  'the camera pans left',
  'the camera pans right',
  'the camera tilts up',
  'the camera tilts down',
  'the camera stays still',
];

export function knownExamples(list: readonly string[], tok: WordTokenizer | null): string[] {
  return tok ? list.filter((p) => tok.unknownWords(p).length === 0) : [...list];
}
