// The model panel's cache line: how much of the model this browser keeps (IndexedDB, src/models/idb-file-cache.ts)
// and a "Remove cached model" button; plus the status texts for a load's ModelCacheReport.
import type { ModelCacheReport } from '../engine/types';
import { openModelFileCache, type ModelFileCache, type OpenedCache } from '../models/idb-file-cache';
import { el, formatBytes, show } from './dom';

export interface ModelCachePanel {
  /** The page's handle on the cache (null: IndexedDB unavailable). */
  cache(): Promise<ModelFileCache | null>;
  /** Re-reads the cache size (after a load). */
  refresh(): Promise<void>;
}

/**
 * Deletes every Cache Storage entry under `folder` (the service worker keeps a network copy of model files there),
 * so "Remove cached model" frees all the space the model takes. Returns how many.
 */
export async function removeCacheStorageCopies(folder: URL): Promise<number> {
  if (typeof caches === 'undefined') return 0;
  let removed = 0;
  for (const name of await caches.keys()) {
    const c = await caches.open(name);
    for (const req of await c.keys()) if (req.url.startsWith(folder.href) && (await c.delete(req))) removed++;
  }
  return removed;
}

/** Adds the cache line after `after` (inside the model panel); `folder`: the model folder's URL. */
export function setupModelCachePanel(after: HTMLElement, folder: () => URL): ModelCachePanel {
  const size = el('span', { attrs: { id: 'model-cache-size' } });
  const remove = el('button', { text: 'Remove cached model', attrs: { id: 'model-cache-remove', type: 'button' } });
  const row = el('p', { class: 'muted', attrs: { id: 'model-cache' } }, size, ' ', remove);
  after.after(row);
  let opened: Promise<OpenedCache> | null = null;
  const cache = async () => (await (opened ??= openModelFileCache())).cache;

  const refresh = async () => {
    const c = await cache();
    if (!c) {
      size.textContent = `The model cannot be cached in this browser (${(await opened)?.reason ?? 'no IndexedDB'}).`;
      show(remove, false);
      return;
    }
    try {
      const u = await c.usage();
      size.textContent = u.files ? `Cached in this browser: ${formatBytes(u.bytes)} (${u.files} files).` : 'Not cached in this browser.';
      row.dataset.bytes = String(u.bytes);
      show(remove, u.files > 0);
    } catch (e) {
      size.textContent = `The model cache could not be read (${(e as Error).message}).`;
      show(remove, false);
    }
  };

  remove.addEventListener('click', () => {
    void (async () => {
      const c = await cache();
      remove.disabled = true;
      try {
        await c?.clear();
        await removeCacheStorageCopies(folder()).catch(() => 0);
        await refresh();
        size.textContent += ' The model stays loaded until you leave; the next visit downloads it again.';
      } catch (e) {
        size.textContent = `The cached model could not be removed (${(e as Error).message}).`;
      } finally {
        remove.disabled = false;
      }
    })();
  });
  show(remove, false);
  void refresh();
  return { cache, refresh };
}

/** The model status line's note about the cache ('' when all is well). */
export function cacheStatusNote(r: ModelCacheReport): string {
  return r.problem ? ` It could not be cached in this browser (${r.problem}), so the next visit downloads it again.` : '';
}

/** The model detail's sentence about where the files came from. */
export function cacheDetail(r: ModelCacheReport): string {
  const parts: string[] = [];
  if (r.hits) parts.push(`${r.hits} file${r.hits === 1 ? '' : 's'} from this browser's cache`);
  if (r.stored) parts.push(`${r.stored} downloaded and cached`);
  if (r.discarded) parts.push(`${r.discarded} damaged cache entr${r.discarded === 1 ? 'y' : 'ies'} replaced`);
  if (r.evicted) parts.push(`${r.evicted} outdated cache entr${r.evicted === 1 ? 'y' : 'ies'} removed`);
  return parts.length ? ` Model files: ${parts.join(', ')}.` : '';
}
