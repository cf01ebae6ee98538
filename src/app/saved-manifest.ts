// The model manifest with an offline fallback: the copy saved in the model cache on the last successful fetch is
// used when the network is unreachable (not when the server answers 404 or sends a bad manifest: those are real).
// Without it, a page that works offline (service worker) could not find its cached model: the worker did not yet
// control the page when the manifest was first fetched, so only this copy exists.
import { ModelUnreachableError } from '../core/errors';
import { parseManifest, type ModelManifest } from '../models/manifest';
import { fetchManifest } from '../models/fetch';
import type { ModelFileCache } from '../models/idb-file-cache';

export async function fetchManifestOrSaved(url: URL, cache: ModelFileCache | null): Promise<ModelManifest> {
  try {
    const manifest = await fetchManifest(url);
    await cache?.saveManifest(url.href, manifest).catch(() => undefined); // a full disk: no offline copy, that's all
    return manifest;
  } catch (e) {
    const unreachable = e instanceof ModelUnreachableError;
    const saved = unreachable && cache ? await cache.savedManifest(url.href).catch(() => undefined) : undefined;
    if (saved === undefined) throw e;
    return parseManifest(saved);
  }
}
