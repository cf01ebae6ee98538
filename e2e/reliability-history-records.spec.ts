// Issue #33, problem 4: one malformed history record used to switch the history off ("History is off: Cannot read
// properties of undefined"), hiding every saved video and saving no new one. Records are written straight into the
// page's IndexedDB store (the one src/app/history.ts opens), as another app version or a DevTools edit could leave them.
import { expect, test, type Page } from '@playwright/test';
import { serveToyModel } from './fixtures/app/toy-model';
import { recordFamily, type CaseResult } from './fixtures/bad-inputs/round-two';

test.describe.configure({ timeout: 240_000 });

/** The bad records, built in the page (they hold Blobs, typed arrays and odd types; the CSP forbids eval). */
const BAD = ['no params', 'params null', 'createdAt a string', 'prompt a number', 'unknown mode', 'thumb a string', 'a bare number', 'a string', 'image not bytes', 'no meta'];

async function putRecords(page: Page, records: { key: string; make: string }[]): Promise<void> {
  await page.evaluate(async (records) => {
    const good = (id: string) => ({
      id,
      createdAt: Date.now() - 60_000,
      params: { modelId: 'osp-v13-tiny', modelHash: 'a'.repeat(64), mode: 't2v', prompt: `saved ${id}`, negativePrompt: '', seed: 5, steps: 2, cfgScale: 3, frames: 5, width: 32, height: 32 },
      meta: { seed: 5, steps: 2, frames: 5, width: 32, height: 32, fps: 8 },
      thumb: null,
      mp4Bytes: 4,
    });
    const makers: Record<string, (id: string) => unknown> = {
      good,
      'no params': (id) => ({ ...good(id), params: undefined }),
      'params null': (id) => ({ ...good(id), params: null }),
      'createdAt a string': (id) => ({ ...good(id), createdAt: 'yesterday' }),
      'prompt a number': (id) => ({ ...good(id), params: { ...good(id).params, prompt: 42 } }),
      'unknown mode': (id) => ({ ...good(id), params: { ...good(id).params, mode: 'v2v' } }),
      'thumb a string': (id) => ({ ...good(id), thumb: 'data:image/png;base64,AAAA' }),
      'a bare number': () => 7,
      'a string': () => 'item',
      'image not bytes': (id) => ({ ...good(id), params: { ...good(id).params, mode: 'i2v', image: 'abc' } }),
      'no meta': (id) => ({ ...good(id), meta: undefined }),
    };
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('osp-web');
      r.onupgradeneeded = () => r.result.createObjectStore('history');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const tx = db.transaction('history', 'readwrite');
    for (const { key, make } of records) {
      const id = key.slice('item:'.length);
      tx.objectStore('history').put(makers[make](id), key);
      tx.objectStore('history').put(new Blob(['mp4!'], { type: 'video/mp4' }), `mp4:${id}`);
    }
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  }, records);
}

test('malformed history records are skipped and counted; the rest stay visible and new videos are still saved', async ({ page }) => {
  await serveToyModel(page);
  await page.goto('/');
  await expect(page.locator('#history-status')).toHaveAttribute('data-state', 'ok', { timeout: 60_000 });
  const results: CaseResult[] = [];
  // One bad record at a time next to a good one: the good one must stay listed, the bad one counted.
  for (const [i, b] of BAD.entries()) {
    await putRecords(page, [{ key: 'item:good', make: 'good' }, { key: `item:bad${i}`, make: b }]);
    await page.reload();
    const status = page.locator('#history-status');
    await expect(status).toContainText(/could not be read|History is off|Cannot read/, { timeout: 30_000 });
    const text = (await status.textContent()) ?? '';
    const cards = await page.locator('#history-list .card-prompt').allTextContents();
    const handled = /1 saved item could not be read/.test(text) && cards.join() === 'saved good' && !/History is off/.test(text);
    results.push({ input: b, handled, message: text.trim() });
    expect(text, b).toContain('1 saved item could not be read');
    expect(cards, b).toEqual(['saved good']);
    await page.evaluate((k) => new Promise((r) => {
      const o = indexedDB.open('osp-web');
      o.onsuccess = () => {
        const tx = o.result.transaction('history', 'readwrite');
        tx.objectStore('history').delete(k);
        tx.oncomplete = () => (o.result.close(), r(null));
      };
    }), `item:bad${i}`);
  }
  // All of them at once, then a generation: it is saved and listed next to the good record.
  await putRecords(page, BAD.map((b, i) => ({ key: `item:bad${i}`, make: b })));
  await page.reload();
  await expect(page.locator('#history-status')).toContainText(`${BAD.length} saved items could not be read`, { timeout: 30_000 });
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 150_000 });
  await page.locator('#prompt').fill('new after bad records');
  await page.locator('#steps').fill('2');
  await page.locator('#frames').selectOption('5');
  await page.locator('#generate').click();
  await expect(page.locator('#history-list .card-prompt')).toHaveText(['new after bad records', 'saved good'], { timeout: 120_000 });
  await page.reload();
  await expect(page.locator('#history-list .card-prompt')).toHaveText(['new after bad records', 'saved good'], { timeout: 30_000 });
  const saved = (await page.locator('#history-status').textContent()) ?? '';
  results.push({ input: `all ${BAD.length} at once, then a new generation`, handled: /2 videos/.test(saved), message: saved.trim() });
  expect(saved).toContain('2 videos');
  recordFamily('malformed-history-records', 'history records with missing or wrongly typed fields, next to a good one', results);
});
