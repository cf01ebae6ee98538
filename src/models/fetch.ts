// Downloads a model folder's files with streaming progress and SHA-256 verification (WebCrypto). Works in pages,
// Workers and Node ≥ 20 (global fetch + crypto.subtle).
import { ManifestError, parseManifest, type ManifestFile, type ModelManifest } from './manifest';
import { modelFileUrl } from './model-path';
import { throwIfCancelled, type CancelFlag } from '../core/cancel';
import { IntegrityError, ModelNotFoundError, ModelUnreachableError } from '../core/errors';

export interface DownloadProgress {
  /** File being downloaded. */
  file: string;
  /** Bytes of this file received so far / its size. */
  loaded: number;
  total: number;
  /** 0-based index of the file among those requested, and their count. */
  fileIndex: number;
  fileCount: number;
  /** Bytes of all requested files received so far / their total. */
  overallLoaded: number;
  overallTotal: number;
  /** 'cached' when the bytes came from the cache (no download). */
  phase: 'download' | 'verify' | 'done' | 'cached';
}

/** Optional persistent store (e.g. IndexedDB) keyed by sha256; must return exactly what was stored. */
export interface FileCache {
  get(sha256: string): Promise<Uint8Array | undefined>;
  set(sha256: string, bytes: Uint8Array): Promise<void>;
  /** Drops an entry whose bytes failed verification (so it is never served again). */
  delete?(sha256: string): Promise<void>;
}

export interface LoadFilesOptions {
  onProgress?: (p: DownloadProgress) => void;
  cancel?: CancelFlag;
  cache?: FileCache;
  fetchFn?: typeof fetch;
}

export { IntegrityError };

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Base URL of a model folder ('…/' terminated). */
export function folderUrl(manifestUrl: string | URL): URL {
  return new URL('./', manifestUrl);
}

/** The URL of a listed file, refused (ManifestError) unless it stays inside the model folder (model-path.ts). */
function fileUrl(base: string | URL, path: string): URL {
  try {
    return modelFileUrl(base, path);
  } catch (e) {
    throw new ManifestError((e as Error).message);
  }
}

/** Fetches and validates manifest.json. */
export async function fetchManifest(url: string | URL, fetchFn: typeof fetch = fetch): Promise<ModelManifest> {
  let res: Response;
  try {
    res = await fetchFn(url);
  } catch (e) {
    throw new ModelUnreachableError(`cannot fetch manifest ${url}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new (res.status === 404 ? ModelNotFoundError : ManifestError)(`manifest ${url}: HTTP ${res.status}`);
  // Dev servers with an SPA fallback answer unknown paths with index.html (200).
  if ((res.headers.get('content-type') ?? '').includes('text/html')) throw new ModelNotFoundError(`manifest ${url}: not found (HTTP 404 / an HTML page)`);
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    throw new ManifestError(`manifest ${url} is not valid JSON`);
  }
  return parseManifest(json);
}

/**
 * Downloads `files` from `base` (a folder URL), streaming each into a buffer of the manifest's size, verifying size
 * and SHA-256. Returns path → bytes. A file that fails verification has its cached copies discarded and is fetched
 * once more past every cache; if that fails too: IntegrityError (the bytes are never returned). A listed file the
 * server lacks: ManifestError (HTTP 404).
 */
export async function loadFiles(base: string | URL, files: readonly ManifestFile[], o: LoadFilesOptions = {}): Promise<Map<string, Uint8Array>> {
  const fetchFn = o.fetchFn ?? fetch;
  const overallTotal = files.reduce((a, f) => a + f.bytes, 0);
  let overallLoaded = 0;
  const out = new Map<string, Uint8Array>();
  for (let fileIndex = 0; fileIndex < files.length; fileIndex++) {
    throwIfCancelled(o.cancel);
    const f = files[fileIndex];
    const url = fileUrl(base, f.path);
    const report = (loaded: number, phase: DownloadProgress['phase']) =>
      o.onProgress?.({ file: f.path, loaded, total: f.bytes, fileIndex, fileCount: files.length, overallLoaded: overallLoaded + loaded, overallTotal, phase });
    const cached = o.cache ? await o.cache.get(f.sha256).catch(() => undefined) : undefined;
    if (cached) {
      if (cached.byteLength === f.bytes && (await sha256Hex(cached)) === f.sha256) {
        out.set(f.path, cached);
        report(f.bytes, 'cached');
        overallLoaded += f.bytes;
        continue;
      }
      await o.cache!.delete?.(f.sha256).catch(() => undefined); // a damaged cache entry is never served again
    }
    let buf: Uint8Array;
    try {
      buf = await downloadVerified(fetchFn, url, f, report, o.cancel, false);
    } catch (e) {
      if (!(e instanceof IntegrityError)) throw e;
      // Corrupt or cut short: drop every cached copy (Cache Storage of the service worker, the HTTP cache via
      // 'reload') and fetch once more from the server before giving up.
      await discardCachedCopies(url);
      try {
        buf = await downloadVerified(fetchFn, url, f, report, o.cancel, true);
      } catch (e2) {
        if (e2 instanceof IntegrityError) {
          await discardCachedCopies(url);
          throw new IntegrityError(`${e2.message} (downloaded twice, the second time past every cache)`);
        }
        throw e2;
      }
    }
    report(f.bytes, 'done');
    overallLoaded += f.bytes;
    out.set(f.path, buf);
    if (o.cache) await o.cache.set(f.sha256, buf).catch(() => undefined);
  }
  return out;
}

/** One download of `f` into a buffer of its listed size, verified (size, then sha256). Throws IntegrityError. */
async function downloadVerified(
  fetchFn: typeof fetch,
  url: URL,
  f: ManifestFile,
  report: (loaded: number, phase: DownloadProgress['phase']) => void,
  cancel: CancelFlag | undefined,
  reload: boolean,
): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetchFn(url, reload ? { cache: 'reload' } : undefined);
  } catch (e) {
    throw new Error(`download of ${f.path} failed: ${(e as Error).message}`);
  }
  // A file the manifest lists but the server lacks (dev servers answer unknown paths with index.html).
  const html = (res.headers.get('content-type') ?? '').includes('text/html') && !/\.html?$/i.test(f.path);
  if (res.status === 404 || (res.ok && html)) {
    await res.body?.cancel().catch(() => undefined);
    throw new ModelNotFoundError(`${f.path} is listed in the manifest but missing on the server (HTTP 404${html ? ' / an HTML page' : ''})`);
  }
  if (!res.ok || !res.body) throw new Error(`download of ${f.path} failed: HTTP ${res.status}`);
  const buf = new Uint8Array(f.bytes);
  let loaded = 0;
  report(0, 'download');
  const reader = res.body.getReader();
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw new Error(`download of ${f.path} was interrupted after ${loaded} of ${f.bytes} bytes (${(e as Error).message})`);
      }
      const { done, value } = chunk;
      if (done) break;
      if (loaded + value.byteLength > f.bytes) throw new IntegrityError(`${f.path} is larger than the ${f.bytes} bytes the manifest lists`);
      buf.set(value, loaded);
      loaded += value.byteLength;
      report(loaded, 'download');
      if (cancel?.aborted) {
        await reader.cancel();
        throwIfCancelled(cancel);
      }
    }
  } finally {
    reader.releaseLock();
  }
  if (loaded !== f.bytes) throw new IntegrityError(`${f.path} has ${loaded} bytes, the manifest lists ${f.bytes} (a truncated download?)`);
  report(loaded, 'verify');
  const got = await sha256Hex(buf);
  if (got !== f.sha256) throw new IntegrityError(`${f.path}: sha256 ${got} does not match the manifest (${f.sha256})`);
  return buf;
}

/**
 * Deletes `url` from every Cache Storage cache of this origin (the service worker keeps model files there): a
 * copy that failed verification must not be served again, online or offline. No-op where Cache Storage is missing.
 */
export async function discardCachedCopies(url: URL): Promise<number> {
  const cs = (globalThis as { caches?: CacheStorage }).caches;
  if (!cs) return 0;
  let removed = 0;
  try {
    for (const name of await cs.keys()) {
      if (await (await cs.open(name)).delete(url.href, { ignoreVary: true, ignoreSearch: true })) removed++;
    }
  } catch {
    /* storage unavailable (private mode, quota, security): nothing cached to discard */
  }
  return removed;
}
