// Generation history in IndexedDB (idb-keyval): one record per generation (`item:<id>`: parameters, metadata,
// thumbnail) and its MP4 (`mp4:<id>`), written in one transaction. Storage problems become HistoryError with a
// kind the page can act on: 'quota' (offer to delete old items; the current result stays on screen) and
// 'unavailable' (no IndexedDB: generation still works, nothing is saved).
import { createStore, delMany, get, getMany, keys, setMany, type UseStore } from 'idb-keyval';
import type { GenerationMeta } from '../engine/types';
import type { ShareParams } from './share';

export interface HistoryItem {
  id: string;
  createdAt: number;
  params: ShareParams;
  meta: GenerationMeta;
  /** WebP/PNG thumbnail of the first frame (null if it could not be made). */
  thumb: Blob | null;
  mp4Bytes: number;
}

export type HistoryErrorKind = 'quota' | 'unavailable' | 'failed';

export class HistoryError extends Error {
  override name = 'HistoryError';
  constructor(message: string, readonly kind: HistoryErrorKind) {
    super(message);
  }
}

export function isQuotaError(e: unknown): boolean {
  const name = (e as { name?: unknown } | null)?.name;
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || (e instanceof DOMException && e.code === 22);
}

function wrap(e: unknown, what: string): HistoryError {
  if (e instanceof HistoryError) return e;
  if (isQuotaError(e)) return new HistoryError(`The browser's storage for this site is full, so ${what} failed.`, 'quota');
  return new HistoryError(`${what} failed: ${(e as Error)?.message ?? String(e)}`, 'failed');
}

export class HistoryStore {
  private constructor(private readonly store: UseStore) {}

  /** Opens the store, checking IndexedDB really works (it can be missing or blocked, e.g. in some private modes). */
  static async open(name = 'osp-web'): Promise<HistoryStore> {
    let store: UseStore;
    try {
      if (typeof indexedDB === 'undefined' || !indexedDB) throw new Error('IndexedDB is not available');
      store = createStore(name, 'history');
      await get('probe', store);
    } catch (e) {
      throw new HistoryError(`History is off: this browser does not let the page use IndexedDB (${(e as Error)?.message ?? String(e)}). Videos can still be generated and downloaded.`, 'unavailable');
    }
    return new HistoryStore(store);
  }

  /** Newest first. */
  async list(): Promise<HistoryItem[]> {
    try {
      const ks = (await keys(this.store)).filter((k): k is string => typeof k === 'string' && k.startsWith('item:'));
      const items = (await getMany<HistoryItem | undefined>(ks, this.store)).filter((i): i is HistoryItem => Boolean(i));
      return items.sort((a, b) => b.createdAt - a.createdAt);
    } catch (e) {
      throw wrap(e, 'reading the history');
    }
  }

  async mp4(id: string): Promise<Blob | undefined> {
    try {
      return await get<Blob>(`mp4:${id}`, this.store);
    } catch (e) {
      throw wrap(e, 'reading the video');
    }
  }

  /** Saves the record and its MP4 together (all or nothing). */
  async add(item: HistoryItem, mp4: Blob): Promise<void> {
    try {
      await setMany([[`mp4:${item.id}`, mp4], [`item:${item.id}`, item]], this.store);
    } catch (e) {
      throw wrap(e, 'saving this video to the history');
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await delMany([`item:${id}`, `mp4:${id}`], this.store);
    } catch (e) {
      throw wrap(e, 'deleting the video');
    }
  }

  /** Deletes the `n` oldest items; returns their ids. */
  async removeOldest(n: number): Promise<string[]> {
    const items = await this.list();
    const old = items.slice(-n).map((i) => i.id);
    for (const id of old) await this.remove(id);
    return old;
  }
}

export function newId(): string {
  const a = new Uint32Array(2);
  crypto.getRandomValues(a);
  return `${Date.now().toString(36)}-${a[0].toString(36)}${a[1].toString(36)}`;
}
