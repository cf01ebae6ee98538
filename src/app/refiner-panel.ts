// The prompt refiner in the page: under the prompt, "Understood as: …" with every mapping ("crimson → red") and every
// word it could not place, updated as the user types; a toggle to give the model the prompt as written. A link or a
// history item pins the caption it was made with (its own refiner version), so it replays exactly, until the prompt
// is edited. All text goes through textContent (the prompt is user / link text).
import { lookup } from '../text/refiner-lexicon';
import { refinePrompt, REFINER_VERSION, type Refined } from '../text/refiner';
import { el, show } from './dom';
import type { ShareParams } from './share';

export interface RefinerPanelDeps {
  prompt: HTMLTextAreaElement;
  /** The panel is inserted right after this element. */
  after: HTMLElement;
  /** Called when the toggle changes (what the model gets changed). */
  onChange: () => void;
}

export interface RefinerPanel {
  /** Re-reads the prompt and redraws the explanation (call on every prompt change, typed or programmatic). */
  render(): void;
  /** The text the model is given for the current prompt. */
  modelPrompt(): string;
  /**
   * While the refiner rewrites the prompt: the prompt's words it does not know at all (they are left out of the
   * caption), for the vocabulary marks; null when the model gets the prompt as written (then the marks are the
   * tokenizer's unknown words, as before).
   */
  unknownWords(): string[] | null;
  /** What a link / history item records besides the prompt: the refined caption when it differs. */
  shareFields(): Pick<ShareParams, 'refined'>;
  /** Replays a link or history item: its caption (or the prompt as written when it has none) until the prompt is edited. */
  pin(p: Pick<ShareParams, 'prompt' | 'refined'>): void;
}

const STORAGE_KEY = 'osp-refine-prompts';

export function setupRefinerPanel(deps: RefinerPanelDeps): RefinerPanel {
  const toggle = el('input', { attrs: { type: 'checkbox', id: 'refine-toggle' } }) as HTMLInputElement;
  toggle.checked = readSetting();
  const label = el('label', { attrs: { for: 'refine-toggle' }, text: ' Rewrite my prompt in the words this model was trained on (prompt refiner)' });
  const caption = el('q', { attrs: { id: 'refined-caption' } });
  const headline = el('p', { attrs: { id: 'refined' } });
  const pinned = el('p', { class: 'muted', attrs: { id: 'refine-pinned' } });
  const mappings = el('ul', { class: 'refine-list', attrs: { id: 'refine-mappings', 'aria-label': 'How words were read' } });
  const unplaced = el('ul', { class: 'refine-list', attrs: { id: 'refine-unplaced', 'aria-label': 'Words the refiner could not place' } });
  const root = el('div', { class: 'refiner words', attrs: { id: 'refiner', 'aria-live': 'polite' } }, el('div', { class: 'row' }, toggle, label), headline, pinned, mappings, unplaced);
  deps.after.after(root);

  let pin: { prompt: string; refined?: ShareParams['refined'] } | null = null;
  let last: Refined = refinePrompt('');

  const activePin = () => (pin && pin.prompt === deps.prompt.value ? pin : null);

  function modelPrompt(): string {
    const p = activePin();
    if (p) return p.refined ? p.refined.caption : p.prompt;
    if (!toggle.checked) return deps.prompt.value;
    return last.caption || deps.prompt.value;
  }

  function render(): void {
    last = refinePrompt(deps.prompt.value);
    const p = activePin();
    if (!p) pin = null;
    headline.replaceChildren();
    mappings.replaceChildren();
    unplaced.replaceChildren();
    show(pinned, Boolean(p));
    if (p) {
      pinned.textContent = p.refined
        ? `From the link or history: the model gets the caption it was made with (prompt refiner v${p.refined.version}${p.refined.version !== REFINER_VERSION ? `; this page has v${REFINER_VERSION}` : ''}). Edit the prompt to refine it again.`
        : 'From the link or history: the prompt is used as written, as it was then. Edit the prompt to refine it.';
    }
    const text = deps.prompt.value.trim();
    if (!text) return;
    if (p || !toggle.checked) {
      if (p?.refined) {
        caption.textContent = p.refined.caption;
        headline.append('The model gets: ', caption);
      } else headline.textContent = 'The model gets the prompt as written.';
      return;
    }
    if (!last.caption) {
      headline.textContent = 'Nothing of this model’s world was recognised, so the prompt is used as written.';
    } else {
      caption.textContent = last.caption;
      headline.append('Understood as: ', caption);
    }
    for (const m of last.mappings) mappings.append(el('li', { text: m.to ? `${m.from} → ${m.to} (${m.why})` : `${m.from}: ignored (${m.why})` }));
    for (const u of last.unplaced) unplaced.append(el('li', { class: 'warn-text', text: `${u.word}: ${u.why}` }));
  }

  toggle.addEventListener('change', () => {
    writeSetting(toggle.checked);
    pin = null;
    render();
    deps.onChange();
  });

  return {
    render,
    modelPrompt,
    unknownWords() {
      if (activePin() || !toggle.checked || !last.caption) return null;
      const words = last.unplaced.map((u) => u.word).filter((w) => !w.includes(' ') && lookup(w) === null);
      return [...new Set(words)];
    },
    shareFields() {
      const mp = modelPrompt();
      return mp !== deps.prompt.value ? { refined: { caption: mp, version: activePin()?.refined?.version ?? REFINER_VERSION } } : {};
    },
    pin(p) {
      pin = { prompt: p.prompt, ...(p.refined ? { refined: p.refined } : {}) };
      render();
    },
  };
}

function readSetting(): boolean {
  try {
    return localStorage.getItem(STORAGE_KEY) !== 'off';
  } catch {
    return true; // storage blocked: the default
  }
}

function writeSetting(on: boolean): void {
  try {
    localStorage.setItem(STORAGE_KEY, on ? 'on' : 'off');
  } catch {
    /* storage blocked: the toggle still works for this visit */
  }
}
