// Word → meaning lookup of the prompt refiner: the hand-written rules (refiner-rules.json) first, then the packed
// WordNet / colour-name lexicon (refiner-lexicon.json, built by scripts/pack-refiner-lexicon.mjs), then inflections
// (plural, -ing, -ed), then spelling within one edit. training/refiner.py implements the same order over the same
// two files; keep them in step (training/tests/test_refiner.py + src/text/refiner.test.ts check shared vectors).
import LEXICON from './refiner-lexicon.json';
import RULES from './refiner-rules.json';

export type Kind =
  | 'color' | 'shape' | 'size' | 'dir' | 'move' | 'motion' | 'speed' | 'count' | 'bg' | 'camera' | 'pan' | 'tilt'
  | 'zoom' | 'zoomdir' | 'zoomcam' | 'neg' | 'shade' | 'ref' | 'filler';

/** How a word was understood; `how` says why (shown to the user). */
export interface Meaning {
  kind: Kind;
  value: string;
  /** rule: hand-written table; wn: WordNet; css / cnl: colour lists; each may be reached through `base`. */
  how: 'rule' | 'wn' | 'css' | 'cnl';
  /** The dictionary word the surface word was matched to (its lemma, or its spelling correction). */
  base: string;
  /** WordNet seed word the entry came from. */
  via: string;
  plural: boolean;
  spelled: boolean;
}

type Entry = [string, string | number, ...string[]];
const RULE_WORDS = RULES.words as unknown as Record<string, Entry>;
const LEX_WORDS = LEXICON.words as unknown as Record<string, Entry>;
const IRREGULAR = RULES.irregular as Record<string, string>;
export const MODEL_WORDS: ReadonlySet<string> = new Set(LEXICON.modelWords);

function entry(word: string, allowColorList: boolean): Omit<Meaning, 'plural' | 'spelled' | 'base'> | null {
  const r = RULE_WORDS[word];
  if (r) return { kind: r[0] as Kind, value: String(r[1]), how: 'rule', via: '' };
  const l = LEX_WORDS[word];
  if (l && (allowColorList || l[2] !== 'cnl')) return { kind: l[0] as Kind, value: String(l[1]), how: l[2] as Meaning['how'], via: l[3] ?? '' };
  return null;
}

/** Candidate lemmas of an inflected word, in a fixed order; `plural` marks the noun-plural ones. */
export function lemmaCandidates(w: string): { base: string; plural: boolean }[] {
  const out: { base: string; plural: boolean }[] = [];
  const add = (base: string, plural = false) => {
    if (base.length >= 2 && !out.some((c) => c.base === base)) out.push({ base, plural });
  };
  if (IRREGULAR[w]) add(IRREGULAR[w]);
  if (w.endsWith('ies') && w.length > 4) add(w.slice(0, -3) + 'y', true);
  if (w.endsWith('s') && !w.endsWith('ss') && w.length > 2) add(w.slice(0, -1), true);
  if (w.endsWith('es') && w.length > 3) add(w.slice(0, -2), true);
  if (w.endsWith('ing') && w.length > 5) {
    const b = w.slice(0, -3);
    add(b);
    add(b + 'e');
    if (b.length > 2 && b[b.length - 1] === b[b.length - 2]) add(b.slice(0, -1));
  }
  if (w.endsWith('ied') && w.length > 4) add(w.slice(0, -3) + 'y');
  if (w.endsWith('ed') && w.length > 4) {
    const b = w.slice(0, -2);
    add(b);
    add(w.slice(0, -1));
    if (b.length > 2 && b[b.length - 1] === b[b.length - 2]) add(b.slice(0, -1));
  }
  return out;
}

/** Exact, then inflected lookup (no spelling). Colour-list-only names are allowed: the parser decides where. */
export function lookupExact(w: string): Meaning | null {
  const e = entry(w, true);
  if (e) return { ...e, base: w, plural: false, spelled: false };
  // Colour-list names last: "cubes" is the plural of cube, not the colour "Cub".
  for (const allowColorList of [false, true]) {
    for (const c of lemmaCandidates(w)) {
      const m = entry(c.base, allowColorList);
      if (m) return { ...m, base: c.base, plural: c.plural && m.kind === 'shape', spelled: false };
    }
  }
  return null;
}

// Words spelling may correct to: the hand-written ones and WordNet / CSS ones, never the 5000 colour-list names
// (too many ordinary words among them: a typo would too easily become a colour).
const SPELL_KEYS: string[] = [
  ...Object.keys(RULE_WORDS),
  ...Object.keys(LEX_WORDS).filter((w) => LEX_WORDS[w][2] !== 'cnl'),
].filter((w) => w.length >= RULES.spelling.minLength - 1).sort();

/** Damerau–Levenshtein distance ≤ 1 (one insertion, deletion, substitution or swap of neighbours). */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a[i] === b[i]) i++;
  if (la === lb) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true; // substitution
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2); // swap
  }
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/** Full lookup: exact / inflected, then one edit away (only when all such words agree on one meaning). */
export function lookup(w: string): Meaning | null {
  const exact = lookupExact(w);
  if (exact || w.length < RULES.spelling.minLength || MODEL_WORDS.has(w) || /\d/.test(w)) return exact;
  const forms = [{ base: w, plural: false }, ...lemmaCandidates(w)];
  const hits: Meaning[] = [];
  for (const f of forms) {
    for (const k of SPELL_KEYS) {
      if (k !== f.base && withinOneEdit(f.base, k)) {
        const m = entry(k, false)!;
        hits.push({ ...m, base: k, plural: f.plural && m.kind === 'shape', spelled: true });
      }
    }
    if (hits.length) break;
  }
  if (!hits.length) return null;
  const same = hits.every((h) => h.kind === hits[0].kind && h.value === hits[0].value);
  return same ? hits[0] : null;
}

export const RULE_PHRASES = RULES.phrases as unknown as Record<string, Entry>;
export { RULES };
