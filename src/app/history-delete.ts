// History delete with undo: the video is removed at once (so a reload never brings it back), its record and MP4
// are kept in memory until the next delete so "Undo" can put them back; focus goes to the Undo button (then to the
// restored card), never to the page body; the Output panel is told so it can clear a video that no longer exists.
import { el } from './dom';
import type { HistoryItem, HistoryStore } from './history';

export interface HistoryDeleteDeps {
  store: () => HistoryStore | null;
  /** The gallery (#history-list): cards carry data-id. */
  list: HTMLElement;
  /** Where "Deleted … Undo" is shown (#history-undo). */
  notice: HTMLElement;
  rerender: () => Promise<void>;
  /** The item is gone from the store (the page clears its Output if it shows this video). */
  onDeleted: (id: string) => void;
  errorText: (e: unknown) => string;
}

export interface HistoryDelete {
  remove(item: HistoryItem): Promise<void>;
}

const quoted = (item: HistoryItem) => (item.params.prompt ? `“${item.params.prompt}”` : 'the video with no prompt');

export function setupHistoryDelete(deps: HistoryDeleteDeps): HistoryDelete {
  const say = (text: string, ...extra: HTMLElement[]) => {
    deps.notice.replaceChildren(el('span', { text }), ...extra);
    deps.notice.hidden = false;
  };

  async function undo(item: HistoryItem, mp4: Blob): Promise<void> {
    const store = deps.store();
    if (!store) return;
    try {
      await store.add(item, mp4);
    } catch (e) {
      say(`It could not be restored: ${deps.errorText(e)}`);
      return;
    }
    await deps.rerender();
    say(`Restored ${quoted(item)}.`);
    const card = [...deps.list.children].find((c) => (c as HTMLElement).dataset.id === item.id);
    card?.querySelector('button')?.focus();
  }

  return {
    async remove(item) {
      const store = deps.store();
      if (!store) return;
      // Read the MP4 before deleting it: that copy is what Undo puts back.
      const mp4 = await store.mp4(item.id).catch(() => undefined);
      try {
        await store.remove(item.id);
      } catch (e) {
        say(deps.errorText(e));
        return;
      }
      deps.onDeleted(item.id);
      await deps.rerender();
      if (!mp4) {
        say(`Deleted ${quoted(item)}.`);
        deps.list.closest('section')?.querySelector('h2')?.focus();
        return;
      }
      const undoBtn = el('button', { text: 'Undo', attrs: { type: 'button', 'aria-label': `Undo: put back ${quoted(item)}` } });
      undoBtn.addEventListener('click', () => void undo(item, mp4), { once: true });
      say(`Deleted ${quoted(item)}. `, undoBtn);
      undoBtn.focus();
    },
  };
}
