import { describe, expect, it } from 'vitest';
import { IntegrityError, loadFiles, sha256Hex, type FileCache } from './fetch';
import { ManifestError, type ManifestFile } from './manifest';

const good = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);

async function fileOf(bytes: Uint8Array): Promise<ManifestFile> {
  return { path: 'w.bin', role: 'other', bytes: bytes.length, sha256: await sha256Hex(bytes) };
}

/** A fetch that answers w.bin with the given bodies in turn (the last one repeats) and records the cache modes. */
function server(bodies: (Uint8Array | number)[]): { fetchFn: typeof fetch; modes: (RequestCache | undefined)[] } {
  const modes: (RequestCache | undefined)[] = [];
  const fetchFn = (async (_url: URL, init?: RequestInit) => {
    const b = bodies[Math.min(modes.length, bodies.length - 1)];
    modes.push(init?.cache);
    return typeof b === 'number' ? new Response('no', { status: b }) : new Response(b as Uint8Array<ArrayBuffer>);
  }) as unknown as typeof fetch;
  return { fetchFn, modes };
}

function memoryCache(entries: Record<string, Uint8Array>): FileCache & { map: Map<string, Uint8Array>; deleted: string[] } {
  const map = new Map(Object.entries(entries));
  const deleted: string[] = [];
  return {
    map,
    deleted,
    get: async (k) => map.get(k),
    set: async (k, v) => void map.set(k, v),
    delete: async (k) => {
      deleted.push(k);
      map.delete(k);
    },
  };
}

describe('loadFiles: corrupt and partial files', () => {
  it('re-downloads once past the caches after a corrupt body, and returns the good bytes', async () => {
    const f = await fileOf(good);
    const bad = good.slice();
    bad[3] ^= 0xff;
    const s = server([bad, good]);
    const out = await loadFiles('http://x/', [f], { fetchFn: s.fetchFn });
    expect([...out.get('w.bin')!]).toEqual([...good]);
    expect(s.modes).toEqual([undefined, 'reload']);
  });

  it('fails with IntegrityError when the re-download is bad too (truncated), never returning bytes', async () => {
    const f = await fileOf(good);
    const s = server([good.subarray(0, 5)]);
    await expect(loadFiles('http://x/', [f], { fetchFn: s.fetchFn })).rejects.toThrow(IntegrityError);
    await expect(loadFiles('http://x/', [f], { fetchFn: server([good.subarray(0, 5)]).fetchFn })).rejects.toThrow(/has 5 bytes, the manifest lists 8 .*downloaded twice/);
  });

  it('drops a cache entry whose bytes do not verify, downloads and stores the good bytes', async () => {
    const f = await fileOf(good);
    const cache = memoryCache({ [f.sha256]: new Uint8Array([9, 9, 9, 9, 9, 9, 9, 9]) });
    const s = server([good]);
    const out = await loadFiles('http://x/', [f], { fetchFn: s.fetchFn, cache });
    expect([...out.get('w.bin')!]).toEqual([...good]);
    expect(cache.deleted).toEqual([f.sha256]);
    expect([...cache.map.get(f.sha256)!]).toEqual([...good]);
  });

  it('a cache that throws (storage unavailable) is ignored, and nothing is stored from a failed download', async () => {
    const f = await fileOf(good);
    const broken: FileCache = { get: () => Promise.reject(new DOMException('no', 'InvalidStateError')), set: () => Promise.reject(new DOMException('full', 'QuotaExceededError')) };
    const out = await loadFiles('http://x/', [f], { fetchFn: server([good]).fetchFn, cache: broken });
    expect(out.get('w.bin')!.length).toBe(8);
    const cache = memoryCache({});
    await expect(loadFiles('http://x/', [f], { fetchFn: server([good.subarray(0, 2)]).fetchFn, cache })).rejects.toThrow(IntegrityError);
    expect(cache.map.size).toBe(0);
  });

  it('a listed file the server lacks is a ManifestError (HTTP 404), an HTML fallback page too', async () => {
    const f = await fileOf(good);
    await expect(loadFiles('http://x/', [f], { fetchFn: server([404]).fetchFn })).rejects.toThrow(ManifestError);
    const html = (async () => new Response('<!doctype html>', { headers: { 'content-type': 'text/html' } })) as unknown as typeof fetch;
    await expect(loadFiles('http://x/', [f], { fetchFn: html })).rejects.toThrow(/missing on the server/);
  });
});
