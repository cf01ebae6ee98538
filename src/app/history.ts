// Generation history in IndexedDB (idb-keyval): one record per generation (`item:<id>`: parameters, metadata,
// thumbnail) and its MP4 (`mp4:<id>`), written in one transaction. Storage problems become HistoryError with a
// kind the page can act on: 'quota' (offer to delete old items; the current result stays on screen) and
// 'unavailable' (no IndexedDB: generation still works, nothing is saved).
import { createStore, delMany, get, getMany, keys, promisifyRequest, type UseStore } from 'idb-keyval';
import type { GenerationMeta } from '../engine/types';
import type { ShareParams } from './share';
import { isHistoryRecord } from './history-record';

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

/** Rejects if `p` takes longer than `ms` (an IndexedDB open can stay pending forever, e.g. when blocked). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export class HistoryStore {
  private constructor(private readonly store: UseStore) {}

  /**
   * Opens the store, checking IndexedDB really works: it can be missing, throw on open (blocked by settings), fail
   * its open request (some private modes) or never answer — each gives HistoryError 'unavailable'.
   */
  static async open(name = 'osp-web', timeoutMs = 5000): Promise<HistoryStore> {
    let store: UseStore;
    try {
      if (typeof indexedDB === 'undefined' || !indexedDB) throw new Error('IndexedDB is not available');
      store = createStore(name, 'history');
      await within(get('probe', store), timeoutMs, 'IndexedDB');
    } catch (e) {
      throw new HistoryError(`History is off: this browser does not let the page use IndexedDB (${(e as Error)?.message ?? String(e)}). Videos can still be generated and downloaded.`, 'unavailable');
    }
    return new HistoryStore(store);
  }

  /** Newest first. */
  async list(): Promise<HistoryItem[]> {
    return (await this.read()).items;
  }

  /** The readable records, newest first, and how many `item:` records were skipped as unreadable (isHistoryRecord). */
  async read(): Promise<{ items: HistoryItem[]; unreadable: number }> {
    let records: unknown[];
    try {
      const ks = (await keys(this.store)).filter((k): k is string => typeof k === 'string' && k.startsWith('item:'));
      records = (await getMany<unknown>(ks, this.store)).filter((r) => r !== undefined);
    } catch (e) {
      throw wrap(e, 'reading the history');
    }
    const items = records.filter((r): r is HistoryItem => isHistoryRecord(r));
    return { items: items.sort((a, b) => b.createdAt - a.createdAt), unreadable: records.length - items.length };
  }

  async mp4(id: string): Promise<Blob | undefined> {
    try {
      return await get<Blob>(`mp4:${id}`, this.store);
    } catch (e) {
      throw wrap(e, 'reading the video');
    }
  }

  /**
   * Saves the record and its MP4 together, in one transaction: all or nothing (a quota failure aborts the whole
   * transaction, so there is never a record without its video or a video without its record). A quota error while
   * the history is empty means the browser gives this site no room at all (private browsing): said as such, since
   * deleting old videos cannot help.
   */
  async add(item: HistoryItem, mp4: Blob, o: { afterDeleting?: boolean } = {}): Promise<void> {
    try {
      await this.store('readwrite', (s) => {
        try {
          s.put(mp4, `mp4:${item.id}`);
          s.put(item, `item:${item.id}`);
        } catch (e) {
          // A put can throw synchronously (quota, DataCloneError): abort, or the transaction would commit the MP4
          // without its record (idb-keyval's setMany leaves the already queued puts to auto-commit).
          s.transaction.abort();
          throw e;
        }
        return promisifyRequest(s.transaction);
      });
    } catch (e) {
      const err = wrap(e, 'saving this video to the history');
      // After the page deleted old videos to make room, an empty store says nothing about private browsing: the
      // browser simply has not released their space yet.
      if (err.kind === 'quota' && !o.afterDeleting && (await this.isEmpty())) {
        throw new HistoryError('This video cannot be saved to the history: the browser gives this site no storage (private browsing, or storage blocked for this site).', 'unavailable');
      }
      throw err;
    }
  }

  private async isEmpty(): Promise<boolean> {
    try {
      return (await keys(this.store)).length === 0;
    } catch {
      return false;
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
