import { describe, expect, it } from 'vitest';
import { loadFiles, sha256Hex } from './fetch';
import { ModelFileCache, openModelFileCache, type KeyValueBackend } from './idb-file-cache';
import type { ManifestFile } from './manifest';

/** An in-memory stand-in for the IndexedDB store; `failSet` makes writes fail like a full disk. */
function memory(failSet = false): KeyValueBackend & { map: Map<string, unknown> } {
  const map = new Map<string, unknown>();
  return {
    map,
    get: async (k) => map.get(k),
    set: async (k, v) => {
      if (failSet) throw new DOMException('quota', 'QuotaExceededError');
      map.set(k, v);
    },
    del: async (k) => void map.delete(k),
    delMany: async (ks) => ks.forEach((k) => map.delete(String(k))),
    entries: async () => [...map.entries()],
    clear: async () => map.clear(),
  };
}

const bytes = new Uint8Array([5, 4, 3, 2, 1, 0, 9]);
const file = async (b = bytes, path = 'w.bin'): Promise<ManifestFile> => ({ path, role: 'other', bytes: b.length, sha256: await sha256Hex(b) });
const serve = (b: Uint8Array) => {
  let n = 0;
  const fetchFn = (async () => {
    n++;
    return new Response(b.slice() as Uint8Array<ArrayBuffer>);
  }) as unknown as typeof fetch;
  return { fetchFn, count: () => n };
};

describe('ModelFileCache', () => {
  it('stores Blobs keyed by sha256; a second load is served from it without a request', async () => {
    const kv = memory();
    const cache = new ModelFileCache(kv);
    const f = await file();
    const s = serve(bytes);
    await loadFiles('http://x/', [f], { fetchFn: s.fetchFn, cache });
    expect(kv.map.get(f.sha256)).toBeInstanceOf(Blob);
    expect(cache.report()).toEqual({ hits: 0, stored: 1, discarded: 0, storeError: null });
    cache.begin();
    const out = await loadFiles('http://x/', [f], { fetchFn: s.fetchFn, cache });
    expect([...out.get('w.bin')!]).toEqual([...bytes]);
    expect(s.count()).toBe(1);
    expect(cache.report()).toEqual({ hits: 1, stored: 0, discarded: 0, storeError: null });
    expect(await cache.usage()).toEqual({ files: 1, bytes: bytes.length });
  });

  it('a damaged entry is counted as discarded (not a hit), deleted and replaced by the verified download', async () => {
    const kv = memory();
    const cache = new ModelFileCache(kv);
    const f = await file();
    const bad = bytes.slice();
    bad[2] ^= 1;
    kv.map.set(f.sha256, new Blob([bad]));
    kv.map.set('legacy', bytes); // not a Blob: a miss, never served
    const s = serve(bytes);
    await loadFiles('http://x/', [f], { fetchFn: s.fetchFn, cache });
    expect(s.count()).toBe(1);
    expect(cache.report()).toEqual({ hits: 0, stored: 1, discarded: 1, storeError: null });
    expect(new Uint8Array(await (kv.map.get(f.sha256) as Blob).arrayBuffer())).toEqual(bytes);
    expect(await cache.get('legacy')).toBeUndefined();
  });

  it('retainOnly evicts every key not listed (non-string keys too) and keeps the listed ones', async () => {
    const kv = memory();
    const cache = new ModelFileCache(kv);
    for (const k of ['a', 'b', 'c']) kv.map.set(k, new Blob([bytes]));
    expect(await cache.retainOnly(['b', 'z'])).toBe(2);
    expect([...kv.map.keys()]).toEqual(['b']);
    expect(await cache.retainOnly(['b'])).toBe(0);
  });

  it('a refused write (quota) is reported once, in words, and loading still returns the verified bytes', async () => {
    const cache = new ModelFileCache(memory(true));
    const a = await file();
    const b = await file(new Uint8Array([1]), 'v.bin');
    const out = await loadFiles('http://x/', [a, b], { fetchFn: (async (u: URL) => new Response(String(u).endsWith('v.bin') ? new Uint8Array([1]) : bytes.slice())) as unknown as typeof fetch, cache });
    expect(out.size).toBe(2);
    expect(cache.report()).toEqual({ hits: 0, stored: 0, discarded: 0, storeError: "the browser's storage for this site is full" });
  });

  it('keeps the last manifest per URL beside the files: never evicted, not counted as a file, gone with clear()', async () => {
    const kv = memory();
    const cache = new ModelFileCache(kv);
    kv.map.set('a', new Blob([bytes]));
    await cache.saveManifest('http://x/m.json', { id: 'm', n: 1 });
    expect(await cache.savedManifest('http://x/m.json')).toEqual({ id: 'm', n: 1 });
    expect(await cache.savedManifest('http://y/m.json')).toBeUndefined();
    expect(await cache.usage()).toEqual({ files: 1, bytes: bytes.length });
    expect(await cache.retainOnly([])).toBe(1);
    expect(await cache.savedManifest('http://x/m.json')).toEqual({ id: 'm', n: 1 });
    await cache.clear();
    expect(await cache.savedManifest('http://x/m.json')).toBeUndefined();
  });

  it('without IndexedDB (Node) opening says why instead of throwing', async () => {
    expect(await openModelFileCache()).toEqual({ cache: null, reason: 'IndexedDB is not available' });
  });
});
