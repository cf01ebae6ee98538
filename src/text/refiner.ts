// The prompt refiner (the browser's stand-in for Open-Sora Plan's LLM refiner, spec §7): parses an English prompt
// into this model's closed world — objects with colour / shape / size / motion / speed, a background colour, a
// camera motion — and writes it back in the training caption grammar (training/data/shapes_world.py form 0:
// "a big red circle moves left quickly on a blue background"). It is deterministic and explains itself: every
// word is either grammar, understood (with the mapping shown when it was not already the caption word), or
// reported as not placed, with the reason. training/refiner.py is its line-by-line twin (sample.py uses it).
import { lemmaCandidates, lookup, RULE_PHRASES, RULES, MODEL_WORDS, type Kind, type Meaning } from './refiner-lexicon';
import { splitWords } from './tokenizer';

export const REFINER_VERSION: number = RULES.version;

export interface SceneObject {
  color: string | null;
  shape: string;
  size: string | null;
  motion: string | null;
  speed: string | null;
}
export interface Scene {
  objects: SceneObject[];
  background: string | null;
  camera: { motion: string; speed: string | null } | null;
}
export interface Mapping { from: string; to: string; why: string }
export interface Unplaced { word: string; why: string }
export interface Refined {
  version: number;
  /** The canonical caption; '' when nothing of the world was recognised (then use the prompt as written). */
  caption: string;
  scene: Scene;
  mappings: Mapping[];
  unplaced: Unplaced[];
}

interface Item extends Meaning { words: string[] }

const SHAPES_TEXT = 'it draws circles, squares, triangles and stars';
// Grammar words that may sit inside one noun phrase ("red and blue circles", "a plain white background"); any other
// (an article, a verb, a preposition) ends it, so "the background is ivory and a big triangle" keeps ivory apart.
const NP_GLUE = new Set(['and', 'colored', 'coloured', 'plain', 'solid']);

/** Words → items: hand-written phrases first (longest), then one word at a time. */
function tag(words: string[]): (Item | { kind: 'unknown'; words: string[] })[] {
  const bases = words.map((w) => lookup(w)?.base ?? w);
  const phraseLens = [...new Set(Object.keys(RULE_PHRASES).map((p) => p.split(' ').length))].sort((a, b) => b - a);
  const out: (Item | { kind: 'unknown'; words: string[] })[] = [];
  for (let i = 0; i < words.length;) {
    let matched = false;
    for (const n of phraseLens) {
      if (i + n > words.length) continue;
      // the first word may be inflected: "pulls back" matches "pull back"
      const rest = words.slice(i + 1, i + n);
      const firsts = [words[i], bases[i], ...lemmaCandidates(words[i]).map((c) => c.base)];
      const key = firsts.map((f) => [f, ...rest].join(' ')).find((k) => RULE_PHRASES[k]);
      if (!key) continue;
      const e = RULE_PHRASES[key];
      out.push({ kind: e[0] as Kind, value: String(e[1]), how: 'rule', base: key, via: '', plural: false, spelled: false, words: words.slice(i, i + n) });
      i += n;
      matched = true;
      break;
    }
    if (matched) continue;
    const m = lookup(words[i]);
    out.push(m ? { ...m, words: [words[i]] } : { kind: 'unknown', words: [words[i]] });
    i++;
  }
  return out;
}

function canonicalWord(kind: string, value: string): string {
  const c = RULES.canonical as { motion: Record<string, string>; speed: Record<string, string> };
  if (kind === 'motion') return c.motion[value];
  if (kind === 'speed') return c.speed[value];
  return value;
}

function why(m: Item): string {
  if (m.spelled) return `spelling: one letter from "${m.base}"`;
  if (m.how === 'wn') return m.via === m.base ? 'WordNet synonym' : `WordNet: related to "${m.via}"`;
  if (m.how === 'css' || m.how === 'cnl') return 'nearest of the model\'s colours (CIELAB)';
  return 'synonym';
}

export function refinePrompt(prompt: string): Refined {
  const items = tag(splitWords(prompt));
  const objects: SceneObject[] = [];
  const mappings: Mapping[] = [];
  const unplaced: Unplaced[] = [];
  const unknownAt: number[] = [];
  let background: string | null = null;
  let camera: Scene['camera'] = null;
  let cameraMode = false;
  let camVerb: string | null = null;
  let camSpeed: string | null = null;
  let mods: { colors: Item[]; size: Item | null; count: Item | null; speed: Item | null } = { colors: [], size: null, count: null, speed: null };
  let pending: SceneObject[] = [];
  let lastGroup: SceneObject[] = [];
  let held: { motion: string | null; speed: string | null } = { motion: null, speed: null };
  let neg: Item | null = null;
  let bgAwait: Item | null = null;

  const text = (it: { words: string[] }) => it.words.join(' ');
  const note = (it: { words: string[] }, reason: string) => unplaced.push({ word: text(it), why: reason });
  // Shown only when the word is not already (an inflection of) a word of what it became: "crimson → red",
  // "rotating → spins", "squres → square"; not "moves left → left" or "bounce → bounces".
  const mapped = (it: Item, to: string) => {
    const from = text(it);
    const toWords = to.split(' ');
    const same = !it.spelled && it.words.length === 1 && toWords.some((t) => t === from || t === it.base || lemmaCandidates(t).some((c) => c.base === it.base));
    if (!same && from !== to && !mappings.some((m) => m.from === from && m.to === to)) mappings.push({ from, to, why: why(it) });
  };
  // The next item that is not grammar / a modifier: decides whether a colour or size is before its noun.
  const nextHead = (i: number): string | null => {
    for (let j = i + 1; j < items.length; j++) {
      const k = items[j].kind;
      if (k === 'filler' && NP_GLUE.has(items[j].words.join(' '))) continue;
      if (k === 'shade' || k === 'color' || k === 'size' || k === 'count') continue;
      return k;
    }
    return null;
  };
  const setMotion = (targets: SceneObject[], motion: string, it: Item) => {
    for (const o of targets) {
      if (o.motion && o.motion !== motion) note(it, `an object does one thing here; kept "${canonicalWord('motion', o.motion)}"`);
      else o.motion = motion;
    }
  };
  const applyMotion = (motion: string, it: Item) => {
    if (neg) {
      const n = neg;
      neg = null;
      if (motion !== 'still') {
        note({ words: [...n.words, ...it.words] }, 'the model cannot show "not doing" something, except "does not move" (still)');
        return;
      }
    }
    if (cameraMode && camera === null) {
      const cam = cameraFor(camVerb, motion);
      if (cam) { camera = { motion: cam, speed: camSpeed }; mapped(it, cam.replace('_', ' ')); return; }
    }
    mapped(it, canonicalWord('motion', motion));
    const targets = pending.length ? pending : lastGroup.length ? lastGroup : null;
    if (!targets) { held.motion = motion; return; }
    setMotion(targets, motion, it);
    lastGroup = targets;
    pending = [];
  };

  items.forEach((raw, i) => {
    if (raw.kind === 'unknown') {
      unknownAt.push(unplaced.length);
      note(raw, '');
      return;
    }
    const it = raw as Item;
    switch (it.kind) {
      case 'filler':
      case 'zoomdir':
        if (it.kind === 'zoomdir' && cameraMode && camVerb === 'zoom' && camera === null) {
          camera = { motion: it.value === 'in' ? 'zoom_in' : 'zoom_out', speed: camSpeed };
        }
        return;
      case 'shade':
        mappings.push({ from: text(it), to: '', why: 'the model has one shade of each colour' });
        return;
      case 'neg':
        neg = it;
        return;
      case 'ref': {
        // "the first …, the second …": the next verb is for that object
        const o = objects[Number(it.value)];
        if (o) { pending = [o]; lastGroup = [o]; }
        return;
      }
      case 'count':
        mods.count = it;
        return;
      case 'color': {
        const head = nextHead(i);
        if (head === 'shape' || head === 'bg') { mods.colors.push(it); return; }
        // a colour-list-only name counts as a colour only where a colour is expected ("the background is pumpkin")
        if (it.how === 'cnl' && !bgAwait) { note(it, `not something this model knows; ${SHAPES_TEXT}`); return; }
        mapped(it, it.value);
        if (bgAwait) { background = it.value; bgAwait = null; return; }
        const target = [...pending, ...lastGroup, ...objects].reverse().find((o) => o.color === null);
        if (target) target.color = it.value;
        else mods.colors.push(it);
        return;
      }
      case 'size': {
        const head = nextHead(i);
        if (head === 'shape' || head === 'bg' || head === null && !objects.length) { mods.size = it; return; }
        mapped(it, it.value);
        const target = [...pending, ...lastGroup, ...objects].reverse().find((o) => o.size === null);
        if (target) target.size = it.value;
        else mods.size = it;
        return;
      }
      case 'speed': {
        mapped(it, canonicalWord('speed', it.value));
        if (cameraMode && !objects.length) { camSpeed = it.value; if (camera) camera.speed = it.value; return; }
        const head = nextHead(i);
        if (head === 'shape') { mods.speed = it; return; }
        const targets = pending.length ? pending : lastGroup.length ? lastGroup : null;
        if (targets) for (const o of targets) o.speed = o.speed ?? it.value;
        else held.speed = it.value;
        return;
      }
      case 'shape': {
        cameraMode = false;
        const colorItems = mods.colors;
        let n = mods.count ? Number(mods.count.value) : it.plural ? Math.max(2, Math.min(colorItems.length, 2)) : 1;
        if (n > RULES.maxObjects) { note(mods.count ?? it, `this model draws at most ${RULES.maxObjects} objects`); n = RULES.maxObjects; }
        mapped(it, it.value);
        if (it.plural && !mods.count && n > 1) mappings.push({ from: text(it), to: `${n} × ${it.value}`, why: 'a plural: two objects' });
        const perObject = n > 1 && colorItems.length >= n;
        const created: SceneObject[] = [];
        for (let k = 0; k < n; k++) {
          const c = perObject ? colorItems[k] : colorItems[colorItems.length - 1];
          created.push({ color: c ? c.value : null, shape: it.value, size: mods.size ? mods.size.value : null, motion: held.motion, speed: mods.speed ? mods.speed.value : held.speed });
        }
        for (const c of colorItems) mapped(c, c.value);
        if (!perObject && colorItems.length > 1) {
          for (const c of colorItems.slice(0, -1)) note(c, `one colour per object; "${colorItems[colorItems.length - 1].words.join(' ')}" names this one`);
        }
        if (mods.size) mapped(mods.size, mods.size.value);
        if (mods.speed) mapped(mods.speed, canonicalWord('speed', mods.speed.value));
        held = { motion: null, speed: null };
        mods = { colors: [], size: null, count: null, speed: null };
        const room = RULES.maxObjects - objects.length;
        if (room < created.length) note(it, `this model draws at most ${RULES.maxObjects} objects`);
        const kept = created.slice(0, Math.max(0, room));
        objects.push(...kept);
        pending.push(...kept);
        return;
      }
      case 'bg': {
        const c = mods.colors[mods.colors.length - 1];
        if (c) {
          background = c.value;
          for (const x of mods.colors) mapped(x, x.value);
          for (const x of mods.colors.slice(0, -1)) note(x, `one colour per background; "${text(c)}" names it`);
        } else bgAwait = it;
        if (mods.size) note(mods.size, 'only objects have a size');
        if (mods.count) note(mods.count, 'there is one background');
        mods = { colors: [], size: null, count: null, speed: null };
        return;
      }
      case 'camera':
      case 'pan':
      case 'tilt':
      case 'zoom':
        cameraMode = true;
        if (it.kind !== 'camera') camVerb = it.kind;
        return;
      case 'zoomcam':
        cameraMode = true;
        if (camera === null) { camera = { motion: `zoom_${it.value}`, speed: camSpeed }; mapped(it, `zoom ${it.value}`); }
        return;
      case 'move':
        if (neg) { applyMotion('still', { ...it, words: [...neg.words, ...it.words] }); return; }
        if (!nextMotionBefore(items, i)) note(it, 'no direction given (left, right, up or down)');
        return;
      case 'dir':
      case 'motion':
        applyMotion(it.value, it);
        return;
    }
  });

  // "a static shot", "slowly, the camera …": a move named before the camera word
  const heldCam = cameraMode && camera === null && held.motion && !objects.length ? cameraFor(camVerb, held.motion) : null;
  if (heldCam) { camera = { motion: heldCam, speed: camSpeed }; held.motion = null; }
  if (cameraMode && camera === null && camVerb === 'zoom') {
    camera = { motion: 'zoom_in', speed: camSpeed };
    mappings.push({ from: 'zoom', to: 'zoom in', why: 'no in or out given: read as zoom in' });
  } else if (cameraMode && camera === null && camVerb) note({ words: [camVerb] }, 'no direction given');
  for (const c of mods.colors) note(c, 'no shape or background follows it');
  if (mods.size) note(mods.size, 'no shape follows it');
  if (mods.count) note(mods.count, 'no shape follows it');
  if (bgAwait) note(bgAwait, 'no colour given for it');
  if (held.motion && !objects.length && !camera) note({ words: [held.motion] }, 'no object to do it');
  if (neg) note(neg, 'nothing this model can negate follows it');
  if (camera && !objects.length && camera.speed === null && held.speed) camera.speed = held.speed; // "slowly tilt up"
  for (const o of objects) if (o.motion === null || o.motion === 'still') o.speed = null;
  if (camera && objects.length) {
    note({ words: [camera.motion.replace('_', ' ')] }, 'camera moves go with a starting image (image-to-video); a shapes scene has a still camera');
    camera = null;
  }

  // Unknown words: with a camera move (image-to-video) the photo brings the scene, so subject words are expected.
  for (const k of unknownAt) {
    const w = unplaced[k].word;
    unplaced[k].why = camera && !objects.length
      ? `${MODEL_WORDS.has(w) ? 'describes' : 'not a word this model knows; it may describe'} the photo: the scene comes from the starting image`
      : `not something this model knows; ${SHAPES_TEXT}`;
  }
  const scene: Scene = { objects, background, camera };
  return { version: REFINER_VERSION, caption: captionOf(scene), scene, mappings, unplaced };
}

/** Is there a direction or motion after a generic verb before the next verb / object? */
function nextMotionBefore(items: { kind: string }[], i: number): boolean {
  for (let j = i + 1; j < items.length; j++) {
    const k = items[j].kind;
    if (k === 'dir' || k === 'motion' || k === 'zoomdir') return true;
    if (k === 'move' || k === 'shape') return false;
  }
  return false;
}

function cameraFor(verb: string | null, motion: string): string | null {
  if (motion === 'still') return 'still';
  if (motion === 'left' || motion === 'right') return `pan_${motion}`;
  if (motion === 'up' || motion === 'down') return `pan_${motion}`;
  if ((verb === 'zoom' || verb === null) && (motion === 'grow' || motion === 'shrink')) return motion === 'grow' ? 'zoom_in' : 'zoom_out';
  return null;
}

const article = (next: string) => ('aeiou'.includes(next[0]) ? 'an' : 'a');

/** The scene in the training caption grammar ('' when there is nothing in it). */
export function captionOf(scene: Scene): string {
  const c = RULES.canonical as { motion: Record<string, string>; speed: Record<string, string>; camera: Record<string, string> };
  if (!scene.objects.length) {
    if (scene.camera) return c.camera[scene.camera.motion] + (scene.camera.speed && scene.camera.motion !== 'still' ? ` ${c.speed[scene.camera.speed]}` : '');
    return scene.background ? `${article(scene.background)} ${scene.background} background` : '';
  }
  const clauses = scene.objects.map((o) => {
    const np = [o.size, o.color, o.shape].filter(Boolean).join(' ');
    let s = `${article(np)} ${np}`;
    if (o.motion) s += ` ${c.motion[o.motion]}`;
    if (o.motion && o.speed) s += ` ${c.speed[o.speed]}`;
    return s;
  });
  return clauses.join(' and ') + (scene.background ? ` on ${article(scene.background)} ${scene.background} background` : '');
}
