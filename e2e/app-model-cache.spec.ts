import { expect, test, type Page, type Request } from '@playwright/test';
import type { ModelManifest } from '../src/models/manifest';
import { serveToyModel } from './fixtures/app/toy-model';

// The persistent model cache (src/models/idb-file-cache.ts): model files in IndexedDB keyed by sha256. A second
// visit loads without a single model-file request; a damaged entry is caught by the sha256 check and re-fetched;
// entries the manifest no longer lists are evicted; a full disk or no IndexedDB only means "not cached".
test.describe.configure({ timeout: 120_000 });

/** Model files (not the manifest, which is always asked for) requested by the page or its worker. */
function countModelFiles(page: Page): { urls: string[] } {
  const seen = { urls: [] as string[] };
  page.on('request', (r: Request) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/models/') && !path.endsWith('/manifest.json')) seen.urls.push(path.split('/').pop()!);
  });
  return seen;
}

async function ready(page: Page): Promise<void> {
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
}

/** The cache's entries (key → size), read with the raw IndexedDB API. */
function cacheEntries(page: Page): Promise<Record<string, number>> {
  return page.evaluate(
    () =>
      new Promise<Record<string, number>>((resolve, reject) => {
        const req = indexedDB.open('osp-models');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const out: Record<string, number> = {};
          const cur = db.transaction('files').objectStore('files').openCursor();
          cur.onsuccess = () => {
            const c = cur.result;
            if (!c) return resolve(out);
            out[String(c.key)] = c.value instanceof Blob ? c.value.size : -1;
            c.continue();
          };
          cur.onerror = () => reject(cur.error);
        };
      }),
  );
}

/** Replaces the entry `key` with `make(old bytes)` (a Blob, as the cache stores it). */
async function rewriteEntry(page: Page, key: string, how: 'flip' | 'truncate' | 'add'): Promise<void> {
  await page.evaluate(
    ([key, how]) =>
      new Promise<void>((resolve, reject) => {
        const req = indexedDB.open('osp-models');
        req.onerror = () => reject(req.error);
        req.onsuccess = async () => {
          const db = req.result;
          const get = db.transaction('files').objectStore('files').get(key);
          await new Promise((r) => (get.onsuccess = r));
          const old = get.result instanceof Blob ? new Uint8Array(await get.result.arrayBuffer()) : new Uint8Array(1000);
          if (how === 'flip') old[old.length >> 1] ^= 0x5a;
          const bytes = how === 'truncate' ? old.subarray(0, old.length >> 1) : old;
          const tx = db.transaction('files', 'readwrite');
          tx.objectStore('files').put(new Blob([bytes]), key);
          tx.oncomplete = () => resolve();
          tx.onerror = () => reject(tx.error);
        };
      }),
    [key, how] as const,
  );
}

/** Every text the model status line shows during a page load (a MutationObserver from the first script on). */
async function recordStatusTexts(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const texts: string[] = ((window as unknown as { statusTexts: string[] }).statusTexts = []);
    new MutationObserver(() => {
      const t = document.getElementById('model-status')?.textContent;
      if (t && texts[texts.length - 1] !== t) texts.push(t);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
}
const statusTexts = (page: Page) => page.evaluate(() => (window as unknown as { statusTexts: string[] }).statusTexts);

test('model cache: the first visit downloads and stores every file; the second loads from IndexedDB with zero model-file requests', async ({ page }) => {
  const manifest = await serveToyModel(page);
  await recordStatusTexts(page);
  const first = countModelFiles(page);
  await page.goto('/');
  await ready(page);
  expect(first.urls.length).toBeGreaterThanOrEqual(4);
  expect((await statusTexts(page)).some((t) => /^Downloading the model: .* of /.test(t))).toBe(true);
  expect((await statusTexts(page)).some((t) => t.includes('from this browser'))).toBe(false);
  await expect(page.locator('#model-detail')).toContainText(/Model files: \d+ downloaded and cached\./);
  // Each file the load used is stored under its sha256 with its exact size.
  const entries = await cacheEntries(page);
  const used = manifest.files.filter((f) => first.urls.includes(f.path));
  expect(used.length).toBe(new Set(first.urls).size);
  for (const f of used) expect(entries[f.sha256]).toBe(f.bytes);
  const total = used.reduce((a, f) => a + f.bytes, 0);
  await expect(page.locator('#model-cache-size')).toContainText(`Cached in this browser: ${(total / 1024 ** 2).toFixed(1)} MB (${used.length} files)`);

  const second = countModelFiles(page);
  const t0 = Date.now();
  await page.reload();
  await ready(page);
  const pageToReady = Date.now() - t0;
  expect(second.urls).toEqual([]);
  const texts = await statusTexts(page);
  expect(texts.some((t) => /^Loading the model from this browser's cache: .* of .*\(file \d+ of \d+\)/.test(t)), texts.join(' | ')).toBe(true);
  expect(texts.some((t) => t.startsWith('Downloading the model')), texts.join(' | ')).toBe(false);
  // The worker's files (the page reads the vocabulary itself, from the same cache).
  await expect(page.locator('#model-detail')).toContainText(`Model files: ${used.filter((f) => f.role !== 'tokenizer-vocab').length} files from this browser's cache.`);
  // What the cache path costs by itself (read every entry + sha256, as loadFiles does), for the record.
  const readMs = await page.evaluate(async (files) => {
    const paths = ['/src/models/idb-file-cache.ts', '/src/models/fetch.ts'];
    const { openModelFileCache } = await import(/* @vite-ignore */ paths[0]);
    const { sha256Hex } = await import(/* @vite-ignore */ paths[1]);
    const { cache } = await openModelFileCache();
    const t = performance.now();
    for (const f of files) if ((await sha256Hex((await cache.get(f.sha256))!)) !== f.sha256) throw new Error(f.path);
    return performance.now() - t;
  }, used as ModelManifest['files']);
  console.log(`model cache: ${used.length} files, ${(total / 1e6).toFixed(1)} MB: read + verify ${readMs.toFixed(0)} ms; reload → ready ${pageToReady} ms`);
  expect(readMs).toBeLessThan(5000);

  // "Remove cached model" empties the cache — and the service worker's Cache Storage copies of the model folder
  // (here one put by hand: the dev server has no service worker); the next visit downloads again.
  const swCopy = new URL('/models/osp-v13-tiny/vae_decoder.weights', page.url()).href;
  const other = new URL('/index.html', page.url()).href;
  await page.evaluate(async ([a, b]) => {
    const c = await caches.open('osp-runtime-v1');
    await c.put(a, new Response('x'));
    await c.put(b, new Response('y'));
  }, [swCopy, other]);
  await page.locator('#model-cache-remove').click();
  await expect(page.locator('#model-cache-size')).toContainText('Not cached in this browser.');
  expect(await cacheEntries(page)).toEqual({});
  expect(await page.evaluate(async () => (await (await caches.open('osp-runtime-v1')).keys()).map((r) => new URL(r.url).pathname))).toEqual(['/index.html']);
  const third = countModelFiles(page);
  await page.reload();
  await ready(page);
  expect(new Set(third.urls).size).toBe(used.length);
});

test('model cache: a flipped byte and a truncated entry are caught by the sha256 check, discarded and re-fetched', async ({ page }) => {
  const manifest = await serveToyModel(page);
  await page.goto('/');
  await ready(page);
  const weights = manifest.files.find((f) => f.path === 'vae_decoder.weights')!;
  const schedule = manifest.files.find((f) => f.path === 'vae_decoder_chunk.json')!;
  await rewriteEntry(page, weights.sha256, 'flip');
  await rewriteEntry(page, schedule.sha256, 'truncate');
  const seen = countModelFiles(page);
  await page.reload();
  await ready(page);
  expect(seen.urls.sort()).toEqual(['vae_decoder.weights', 'vae_decoder_chunk.json']);
  await expect(page.locator('#model-detail')).toContainText('2 downloaded and cached, 2 damaged cache entries replaced');
  // The replaced entries hold the good bytes again: the next visit needs no request at all.
  expect((await cacheEntries(page))[weights.sha256]).toBe(weights.bytes);
  const again = countModelFiles(page);
  await page.reload();
  await ready(page);
  expect(again.urls).toEqual([]);
  await page.locator('#steps').fill('2');
  await page.locator('#generate').click();
  await expect(page.locator('#result-meta')).toContainText('seed', { timeout: 60_000 });
});

test('model cache: entries the manifest no longer lists are evicted after a successful load; listed ones stay', async ({ page }) => {
  const manifest = await serveToyModel(page);
  await page.goto('/');
  await ready(page);
  const before = await cacheEntries(page);
  const stale = 'f'.repeat(64); // e.g. a file of an older export of the model
  await rewriteEntry(page, stale, 'add');
  expect(Object.keys(await cacheEntries(page))).toContain(stale);
  await page.reload();
  await ready(page);
  await expect(page.locator('#model-detail')).toContainText('1 outdated cache entry removed');
  const after = await cacheEntries(page);
  expect(after[stale]).toBeUndefined();
  expect(after).toEqual(before);
  // What remains: files of this manifest, and the manifest itself (kept for offline visits).
  for (const k of Object.keys(after)) expect(k.startsWith('manifest:') || manifest.files.some((f) => f.sha256 === k)).toBe(true);
});

test('model cache: a full disk (real quota) → the model still loads and says it could not be cached', async ({ page }) => {
  await serveToyModel(page);
  await page.goto('/e2e/harness.html');
  const cdp = await page.context().newCDPSession(page);
  const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin, quotaSize: usage + 200_000 });
  await page.goto('/');
  await ready(page);
  await expect(page.locator('#model-status')).toContainText("could not be cached in this browser (the browser's storage for this site is full)");
  await expect(page.locator('#model-status')).toContainText('the next visit downloads it again');
  await page.locator('#steps').fill('2');
  await page.locator('#generate').click();
  await expect(page.locator('#result-meta')).toContainText('seed', { timeout: 60_000 });
});

test('model cache: no IndexedDB (page and worker) → the model loads from the network and says it could not be cached', async ({ page }) => {
  await serveToyModel(page);
  // The page through an init script, the engine worker by prefixing its module (init scripts do not reach workers).
  const kill = 'Object.defineProperty(globalThis, "indexedDB", { value: undefined, configurable: true });';
  await page.addInitScript(kill);
  let patched = 0;
  await page.route(/\/src\/engine\/worker\.ts\?/, async (route) => {
    const res = await route.fetch();
    patched++;
    await route.fulfill({ response: res, body: `${kill}\n${await res.text()}` });
  });
  await page.goto('/');
  await ready(page);
  expect(patched).toBe(1);
  await expect(page.locator('#model-status')).toContainText('could not be cached in this browser (IndexedDB is not available)');
  await expect(page.locator('#model-cache-size')).toContainText('The model cannot be cached in this browser');
  await expect(page.locator('#model-cache-remove')).toBeHidden();
});
