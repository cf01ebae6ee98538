// The TS refiner against the Python twin (training/refiner.py): the shared vectors (every construction + bad input,
// whole results) and the held-out paraphrase eval (docs/eval/refiner.json: scene accuracy ≥ 98 % and the same caption
// as Python for every prompt). Regenerate the vectors with `python3 -m training.tests.test_refiner --write`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withinOneEdit } from './refiner-lexicon';
import { captionOf, refinePrompt, REFINER_VERSION } from './refiner';

const vectors = JSON.parse(readFileSync('training/fixtures/refiner_vectors.json', 'utf8'));
const evalDoc = JSON.parse(readFileSync('docs/eval/refiner.json', 'utf8'));

describe('refiner = training/refiner.py', () => {
  it('has the same version', () => expect(REFINER_VERSION).toBe(vectors.refiner_version));
  const cases = vectors.cases as { prompt: string; result: unknown }[];
  it.each(cases)('vector $prompt', (c) => {
    expect(JSON.parse(JSON.stringify(refinePrompt(c.prompt)))).toEqual(c.result);
  });
});

describe('held-out paraphrases (docs/eval/refiner.json)', () => {
  it('gets ≥ 98 % of scenes right, caption for caption as Python', () => {
    let right = 0;
    const captions: string[] = [];
    for (const item of evalDoc.items) {
      const r = refinePrompt(item.prompt);
      captions.push(r.caption);
      if (JSON.stringify(r.scene) === JSON.stringify(item.scene)) right++;
    }
    expect(evalDoc.items.length).toBeGreaterThanOrEqual(300);
    expect(right / evalDoc.items.length).toBeGreaterThanOrEqual(0.98);
    expect(Math.round((right / evalDoc.items.length) * 1e4) / 1e4).toBe(evalDoc.scene_accuracy);
    expect(captions).toEqual(vectors.eval_captions);
  });
});

describe('constructions', () => {
  const cap = (p: string) => refinePrompt(p).caption;
  it('any clause order: background first = background last', () => {
    expect(cap('on a blue background, a small red circle moves left')).toBe(cap('a small red circle moves left on a blue background'));
    expect(cap('on a blue background, a small red circle moves left')).toBe('a small red circle moves left on a blue background');
  });
  it('there is / are, plurals, counts, with', () => {
    expect(cap('there are two squares moving up')).toBe('a square moves up and a square moves up');
    expect(cap('a white background with a big pink square moving down')).toBe('a big pink square moves down on a white background');
    expect(refinePrompt('squares').unplaced).toEqual([]);
  });
  it('adverbs, negation, spelling, case and punctuation', () => {
    expect(cap('A circle goes LEFTWARD slowly!!')).toBe('a circle moves left slowly');
    expect(cap("the square doesn't move")).toBe('a square stays still');
    expect(cap('a yelow squre moves rigth')).toBe('a yellow square moves right');
  });
  it('explains mappings and reports what it cannot place', () => {
    const r = refinePrompt('a crimson ball and a dog fly leftward');
    expect(r.mappings).toContainEqual({ from: 'crimson', to: 'red', why: "nearest of the model's colours (CIELAB)" });
    expect(r.mappings.some((m) => m.from === 'ball' && m.to === 'circle')).toBe(true);
    expect(r.unplaced).toEqual([{ word: 'dog', why: 'not something this model knows; it draws circles, squares, triangles and stars' }]);
  });
  it('bad input: empty, 2000 characters, emoji, RTL, control characters', () => {
    for (const p of ['', 'x'.repeat(2000), '🙂🙂🙂', '\u202eدائرة', 'a red\u0000circle\u0007']) {
      const r = refinePrompt(p);
      expect(typeof r.caption).toBe('string');
    }
    expect(cap('a red\u0000circle\u0007')).toBe('a red circle');
  });
  it('one edit', () => {
    expect(withinOneEdit('squre', 'square')).toBe(true);
    expect(withinOneEdit('sqre', 'square')).toBe(false);
    expect(captionOf({ objects: [], background: null, camera: null })).toBe('');
  });
});
