// The persistent model cache: model files in IndexedDB (idb-keyval, its own database), keyed by their sha256 from the
// manifest. Content-addressed, so a re-exported file (new bytes ⇒ new hash) can never be served from an old entry,
// and loadFiles (fetch.ts) re-verifies every hit, discarding damaged entries. Values are Blobs: their size is known
// without reading them (the cache-size display), and browsers keep large Blobs out of line.
// Used by the engine worker (model loading) and the page (vocabulary, the "Remove cached model" control).
import { clear, createStore, del, delMany, entries, get, set, type UseStore } from 'idb-keyval';
import type { FileCache } from './fetch';

/** The few key-value operations the cache needs (IndexedDB in browsers; a Map in unit tests). */
export interface KeyValueBackend {
  get(key: string): Promise<unknown>;
  set(key: string, value: Blob): Promise<void>;
  del(key: string): Promise<void>;
  delMany(keys: IDBValidKey[]): Promise<void>;
  entries(): Promise<[IDBValidKey, unknown][]>;
  clear(): Promise<void>;
}

export const MODEL_CACHE_DB = 'osp-models';
export const MODEL_CACHE_STORE = 'files';
const MANIFEST_PREFIX = 'manifest:';

/** What happened to the cache during one model load (the worker reports it with the LoadResult). */
export interface CacheActivity {
  /** Files served from the cache (and verified by loadFiles). */
  hits: number;
  /** Files written to the cache after a verified download. */
  stored: number;
  /** Entries discarded because their bytes failed verification. */
  discarded: number;
  /** The first error from storing a file (quota, storage off): the model then downloads again next visit. */
  storeError: string | null;
}

export function isQuotaError(e: unknown): boolean {
  const name = (e as { name?: unknown } | null)?.name;
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || (e instanceof DOMException && e.code === 22);
}

function describe(e: unknown): string {
  if (isQuotaError(e)) return "the browser's storage for this site is full";
  return (e as Error)?.message || String(e);
}

export class ModelFileCache implements FileCache {
  private activity: CacheActivity = { hits: 0, stored: 0, discarded: 0, storeError: null };

  constructor(private readonly kv: KeyValueBackend) {}

  /** Resets the activity counters (call at the start of a model load). */
  begin(): void {
    this.activity = { hits: 0, stored: 0, discarded: 0, storeError: null };
  }

  report(): CacheActivity {
    return { ...this.activity };
  }

  async get(sha256: string): Promise<Uint8Array | undefined> {
    const v = await this.kv.get(sha256);
    if (!(v instanceof Blob)) return undefined; // missing, or not written by this module: a miss
    const bytes = new Uint8Array(await v.arrayBuffer());
    this.activity.hits++;
    return bytes;
  }

  async set(sha256: string, bytes: Uint8Array): Promise<void> {
    try {
      await this.kv.set(sha256, new Blob([bytes as Uint8Array<ArrayBuffer>]));
      this.activity.stored++;
    } catch (e) {
      this.activity.storeError ??= describe(e);
      throw e;
    }
  }

  /** Called by loadFiles when an entry's bytes failed verification. */
  async delete(sha256: string): Promise<void> {
    // The failed hit was counted in get(): it did not serve the model.
    this.activity.hits = Math.max(0, this.activity.hits - 1);
    this.activity.discarded++;
    await this.kv.del(sha256);
  }

  /**
   * Keeps the manifest a page last loaded from `url` (plain JSON, next to the files), so a visit without network can
   * still find the model (the service worker may not have been in control when the manifest was first fetched).
   */
  async saveManifest(url: string, manifest: unknown): Promise<void> {
    await this.kv.set(MANIFEST_PREFIX + url, new Blob([JSON.stringify(manifest)], { type: 'application/json' }));
  }

  async savedManifest(url: string): Promise<unknown> {
    const v = await this.kv.get(MANIFEST_PREFIX + url);
    return v instanceof Blob ? JSON.parse(await v.text()) : undefined;
  }

  /** Deletes every file entry whose key is not in `keep` (the current manifest's hashes). Returns how many. */
  async retainOnly(keep: Iterable<string>): Promise<number> {
    const wanted = new Set(keep);
    const isManifest = (k: IDBValidKey) => typeof k === 'string' && k.startsWith(MANIFEST_PREFIX);
    const stale = (await this.kv.entries()).map(([k]) => k).filter((k) => !isManifest(k) && !(typeof k === 'string' && wanted.has(k)));
    if (stale.length) await this.kv.delMany(stale);
    return stale.length;
  }

  /** Entries and their total size in bytes (Blob sizes: nothing is read). */
  async usage(): Promise<{ files: number; bytes: number }> {
    let files = 0;
    let bytes = 0;
    for (const [k, v] of await this.kv.entries()) {
      if (!(v instanceof Blob) || (typeof k === 'string' && k.startsWith(MANIFEST_PREFIX))) continue;
      files++;
      bytes += v.size;
    }
    return { files, bytes };
  }

  async clear(): Promise<void> {
    await this.kv.clear();
  }
}

/** Rejects if `p` takes longer than `ms` (an IndexedDB open can stay pending forever, e.g. when blocked). */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`IndexedDB did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export type OpenedCache = { cache: ModelFileCache; reason?: undefined } | { cache: null; reason: string };

/**
 * Opens the model cache in IndexedDB, checking that it answers: IndexedDB can be missing, throw on open, fail its
 * open request (some private modes) or never answer. Then `cache` is null and `reason` says why — model loading
 * goes on without a cache.
 */
export async function openModelFileCache(timeoutMs = 5000): Promise<OpenedCache> {
  try {
    if (typeof indexedDB === 'undefined' || !indexedDB) throw new Error('IndexedDB is not available');
    const store: UseStore = createStore(MODEL_CACHE_DB, MODEL_CACHE_STORE);
    await within(get('probe', store), timeoutMs);
    return {
      cache: new ModelFileCache({
        get: (k) => get(k, store),
        set: (k, v) => set(k, v, store),
        del: (k) => del(k, store),
        delMany: (ks) => delMany(ks, store),
        entries: () => entries(store),
        clear: () => clear(store),
      }),
    };
  } catch (e) {
    return { cache: null, reason: describe(e) };
  }
}
