// The memory plan in the playground (issue #32): what the model needs per component against what this browser allows,
// shown as soon as the engine has planned it — before the download starts — and left in place after a refusal so the
// numbers behind "does not fit" stay readable. DOM APIs only (no HTML strings).
import type { MemoryPlan } from '../models/memory-plan';
import { formatBytes } from '../models/memory-plan';
import { el } from './dom';

/** A <details> element placed after `anchor`; render() fills it from a plan. */
export function memoryPlanPanel(anchor: HTMLElement): { render(plan: MemoryPlan): void; clear(): void } {
  const panel = el('details', { class: 'memory-plan', attrs: { 'data-testid': 'memory-plan' } });
  panel.hidden = true;
  anchor.after(panel);
  return {
    render(plan) {
      const verdict = plan.fits ? (plan.freeTextEncoder ? 'fits only if the text encoder is freed' : 'fits') : 'does not fit';
      const budget = Number.isFinite(plan.budgetBytes) ? formatBytes(plan.budgetBytes) : 'unknown';
      const summary = el('summary', { text: `Memory plan (${plan.backend}): peak ${formatBytes(plan.peakBytes)} of ${budget} — ${verdict}` });
      const head = el('tr', {}, ...['component', 'weights', 'activations', 'largest buffer'].map((t) => el('th', { text: t, attrs: { scope: 'col' } })));
      const rows = plan.components.map((c) => el('tr', { attrs: { title: c.note } },
        el('th', { text: c.name, attrs: { scope: 'row' } }),
        ...[c.weightBytes, c.activationBytes, c.largestBufferBytes].map((b) => el('td', { text: formatBytes(b) }))));
      const t = plan.target;
      const caption = el('caption', { text: `${t.width}×${t.height}, ${t.frames} frames${t.tokens ? `, ${t.tokens} tokens` : ''}; budget: ${plan.budgetSource}` });
      const table = el('table', {}, caption, el('thead', {}, head), el('tbody', {}, ...rows));
      panel.replaceChildren(summary, table, ...(plan.fits ? [] : [el('p', { class: 'error', text: plan.refusal })]));
      panel.dataset.fits = String(plan.fits);
      panel.hidden = false;
    },
    clear() {
      panel.replaceChildren();
      panel.hidden = true;
    },
  };
}
