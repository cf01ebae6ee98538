import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModelFileCache, type KeyValueBackend } from '../models/idb-file-cache';
import { buildDevManifest } from '../models/dev-manifest';
import { fetchManifestOrSaved } from './saved-manifest';

function memoryCache(): ModelFileCache {
  const map = new Map<string, unknown>();
  const kv: KeyValueBackend = {
    get: async (k) => map.get(k),
    set: async (k, v) => void map.set(k, v),
    del: async (k) => void map.delete(k),
    delMany: async (ks) => ks.forEach((k) => map.delete(String(k))),
    entries: async () => [...map.entries()],
    clear: async () => map.clear(),
  };
  return new ModelFileCache(kv);
}

const url = new URL('http://x/models/m/manifest.json');
const answer = (r: () => Response) => vi.stubGlobal('fetch', vi.fn(async () => r()));

afterEach(() => vi.unstubAllGlobals());

describe('fetchManifestOrSaved', () => {
  it('saves a fetched manifest and falls back to it only when the network is unreachable', async () => {
    const cache = memoryCache();
    const json = buildDevManifest('public/models/osp-v13-tiny');
    answer(() => Response.json(json));
    expect((await fetchManifestOrSaved(url, cache)).id).toBe(json.id);
    answer(() => {
      throw new TypeError('Failed to fetch');
    });
    expect((await fetchManifestOrSaved(url, cache)).id).toBe(json.id);
    // A server that answers 404 is not "offline": the saved copy must not hide it.
    answer(() => new Response('no', { status: 404 }));
    await expect(fetchManifestOrSaved(url, cache)).rejects.toThrow(/HTTP 404/);
  });

  it('offline without a saved copy (or without a cache) → the network error', async () => {
    answer(() => {
      throw new TypeError('Failed to fetch');
    });
    await expect(fetchManifestOrSaved(url, memoryCache())).rejects.toThrow(/cannot fetch/);
    await expect(fetchManifestOrSaved(url, null)).rejects.toThrow(/cannot fetch/);
  });
});
