import { expect, test, type Page } from '@playwright/test';
import { serveToyModel } from './fixtures/app/toy-model';

// Storage faults in the real page: IndexedDB broken in the ways browsers break it (open throws, the open request
// fails, the open never answers), a put refused mid-transaction, and a real quota (Chromium's
// Storage.overrideQuotaForOrigin over CDP, so the browser itself refuses the write). Generation must keep working, the history must say it cannot save, and the
// database must never hold half a record.
test.describe.configure({ timeout: 120_000 });

async function generate(page: Page, prompt: string, seed: number): Promise<void> {
  await page.locator('#prompt').fill(prompt);
  await page.locator('#seed').fill(String(seed));
  await page.locator('#steps').fill('2');
  await page.locator('#frames').selectOption('5');
  await page.locator('#generate').click();
  await expect(page.locator('#result-meta')).toContainText(`seed ${seed} ·`, { timeout: 60_000 });
  await expect(page.locator('#result-figure')).toBeVisible();
  await expect(page.locator('#download')).toBeVisible();
}

/** Keys of the history store, read with the raw IndexedDB API: item:<id> and mp4:<id> must always come in pairs. */
async function historyKeys(page: Page): Promise<{ items: string[]; mp4s: string[] }> {
  const all = await page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const req = indexedDB.open('osp-web');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          if (!db.objectStoreNames.contains('history')) return resolve([]);
          const k = db.transaction('history').objectStore('history').getAllKeys();
          k.onsuccess = () => resolve(k.result.map(String));
          k.onerror = () => reject(k.error);
        };
      }),
  );
  return { items: all.filter((k) => k.startsWith('item:')).map((k) => k.slice(5)).sort(), mp4s: all.filter((k) => k.startsWith('mp4:')).map((k) => k.slice(4)).sort() };
}

const brokenIdb: Record<string, () => void> = {
  // Storage blocked in the browser's settings: open() throws.
  'indexedDB.open throws (SecurityError)': () => {
    IDBFactory.prototype.open = () => {
      throw new DOMException('The user denied permission to access the database.', 'SecurityError');
    };
  },
  // Some private modes: the open request fails asynchronously.
  'the open request fails (InvalidStateError)': () => {
    IDBFactory.prototype.open = function () {
      const req = new EventTarget() as IDBOpenDBRequest & { onerror: ((e: Event) => void) | null };
      Object.defineProperty(req, 'error', { value: new DOMException('A mutation operation was attempted on a database that did not allow mutations.', 'InvalidStateError') });
      Object.defineProperty(req, 'result', { get: () => { throw new DOMException('not done', 'InvalidStateError'); } });
      setTimeout(() => req.onerror?.(new Event('error')), 10);
      return req;
    };
  },
  // A blocked or wedged database: the open request never answers.
  'the open request never answers': () => {
    IDBFactory.prototype.open = function () {
      return new EventTarget() as IDBOpenDBRequest;
    };
  },
};

for (const [fault, inject] of Object.entries(brokenIdb)) {
  test(`storage: ${fault} → the history says it is off, generation and download still work`, async ({ page }) => {
    await page.addInitScript(inject);
    await serveToyModel(page);
    await page.goto('/');
    const status = page.locator('#history-status');
    await expect(status).toHaveAttribute('data-state', 'unavailable', { timeout: 15_000 });
    await expect(status).toContainText('History is off: this browser does not let the page use IndexedDB');
    await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    await generate(page, 'no storage', 5);
    await expect(page.locator('#history-list .card')).toHaveCount(0);
    await expect(status).toHaveAttribute('data-state', 'unavailable');
  });
}

test('storage: the quota runs out in the middle of a save (the MP4 is queued, its record is refused) → the result stays, no half record; after room is made the save works', async ({ page }) => {
  // While window.storageFull is set, putting a history *record* fails like a full disk — after the same
  // transaction has already queued the MP4. Without an abort, the MP4 would be committed alone.
  await page.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (value: unknown, key?: IDBValidKey) {
      if ((window as unknown as { storageFull?: boolean }).storageFull && String(key).startsWith('item:')) {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      }
      return put.call(this, value, key);
    };
  });
  await serveToyModel(page);
  await page.goto('/');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await generate(page, 'the first one', 1);
  await expect(page.locator('#history-list .card')).toHaveCount(1, { timeout: 20_000 });
  const first = await historyKeys(page);
  expect(first.mp4s).toEqual(first.items);
  await page.evaluate(() => {
    (window as unknown as { storageFull: boolean }).storageFull = true;
  });
  await generate(page, 'the second one', 2);
  const status = page.locator('#history-status');
  await expect(status).toContainText('storage for this site is full', { timeout: 20_000 });
  await expect(status).toContainText('not saved to the history — it is still shown above');
  await expect(page.locator('#result-meta')).toContainText('seed 2 ·');
  await expect(page.locator('#history-list .card')).toHaveCount(1);
  // All or nothing: exactly the first record and its MP4, no orphaned second MP4.
  expect(await historyKeys(page)).toEqual(first);
  await page.evaluate(() => {
    (window as unknown as { storageFull: boolean }).storageFull = false;
  });
  await page.locator('#history-save-retry').click();
  await expect(page.locator('#history-list .card-prompt')).toHaveText(['the second one'], { timeout: 20_000 });
  const after = await historyKeys(page);
  expect(after.items).toHaveLength(1);
  expect(after.mp4s).toEqual(after.items);
  expect(after.items).not.toEqual(first.items);
});

test('storage: no room at all (quota ≈ 0, like private browsing) → "cannot be saved", not "delete old videos"; nothing half-written', async ({ page }) => {
  await serveToyModel(page);
  // The override is set before the origin's first write (set after the model cache has written, Chromium does not
  // apply it: docs/RELIABILITY.md, Storage faults, "Limit"): no room from the start, like private browsing — the
  // model loads uncached.
  await page.goto('/e2e/harness.html');
  const cdp = await page.context().newCDPSession(page);
  const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin, quotaSize: usage + 64 });
  await page.goto('/');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(page.locator('#model-status')).toContainText('could not be cached');
  await expect(page.locator('#history-status')).toHaveAttribute('data-state', 'ok');
  await generate(page, 'nowhere to keep it', 3);
  const status = page.locator('#history-status');
  await expect(status).toContainText('cannot be saved to the history: the browser gives this site no storage', { timeout: 20_000 });
  await expect(status).toContainText('still shown above and can be downloaded');
  await expect(page.locator('#history-save-retry')).toBeHidden();
  expect(await historyKeys(page)).toEqual({ items: [], mp4s: [] });
});
