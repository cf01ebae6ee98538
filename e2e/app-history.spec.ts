import { expect, test, type Page } from '@playwright/test';
import { downloadVia, mp4FrameHashes, serveToyModel } from './fixtures/app/toy-model';

test.describe.configure({ timeout: 150_000 });

async function generate(page: Page, prompt: string, seed: number): Promise<void> {
  await page.locator('#prompt').fill(prompt);
  await page.locator('#seed').fill(String(seed));
  await page.locator('#steps').fill('2');
  await page.locator('#frames').selectOption('5');
  await page.locator('#generate').click();
  await expect(page.locator('#result-meta')).toContainText(`seed ${seed} ·`, { timeout: 60_000 });
}

test('history: generations are saved in IndexedDB, survive a reload, and can be re-opened, re-shared, downloaded and deleted', async ({ page }) => {
  await serveToyModel(page);
  await page.goto('/');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await generate(page, 'a red circle', 11);
  await expect(page.locator('#history-list .card')).toHaveCount(1, { timeout: 20_000 });
  await generate(page, 'a blue square', 12);
  await expect(page.locator('#history-list .card')).toHaveCount(2, { timeout: 20_000 });
  await expect(page.locator('#history-list .card-prompt')).toHaveText(['a blue square', 'a red circle']); // newest first
  await expect(page.locator('#history-list .card img')).toHaveCount(2); // thumbnails

  await page.reload();
  await expect(page.locator('#history-list .card')).toHaveCount(2);
  await expect(page.locator('#history-status')).toContainText('2 videos');
  // Re-open the older one: the form and the video come back.
  await page.getByRole('button', { name: 'Open: a red circle' }).click();
  await expect(page.locator('#prompt')).toHaveValue('a red circle');
  await expect(page.locator('#seed')).toHaveValue('11');
  await expect(page.locator('#result-meta')).toContainText('seed 11 ·');
  await expect(page.locator('#result-figure')).toBeVisible();
  // Download from the gallery = the same video.
  const fromGallery = await downloadVia(page, 'button[aria-label="Download: a red circle"]');
  expect(fromGallery.name).toBe('osp-a-red-circle-seed11.mp4');
  const shown = await downloadVia(page, '#download');
  expect((await mp4FrameHashes(page, fromGallery.bytes)).hashes).toEqual((await mp4FrameHashes(page, shown.bytes)).hashes);
  // Re-share.
  await page.getByRole('button', { name: 'Copy link: a red circle' }).click();
  await expect(page.locator('#share-url')).toHaveValue(/#v=1&.*&p=a\+red\+circle&.*&seed=11&/);
  // Delete.
  await page.getByRole('button', { name: 'Delete: a blue square' }).click();
  await expect(page.locator('#history-list .card')).toHaveCount(1);
  await page.reload();
  await expect(page.locator('#history-list .card-prompt')).toHaveText(['a red circle']);
});

test('history: a full storage quota keeps the current result, says so, and offers to delete old items', async ({ page }) => {
  // Simulated quota: while window.storageFull is set, storing an MP4 fails like a full disk does.
  await page.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (value: unknown, key?: IDBValidKey) {
      if ((window as unknown as { storageFull?: boolean }).storageFull && String(key).startsWith('mp4:')) {
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
  await page.evaluate(() => {
    (window as unknown as { storageFull: boolean }).storageFull = true;
  });
  await generate(page, 'the second one', 2);
  const status = page.locator('#history-status');
  await expect(status).toContainText('storage for this site is full', { timeout: 20_000 });
  await expect(status).toContainText('not saved to the history — it is still shown above');
  await expect(page.locator('#result-figure')).toBeVisible();
  await expect(page.locator('#result-meta')).toContainText('seed 2 ·');
  await expect(page.locator('#history-list .card')).toHaveCount(1);
  const retry = page.locator('#history-save-retry');
  await expect(retry).toBeVisible();
  await page.evaluate(() => {
    (window as unknown as { storageFull: boolean }).storageFull = false;
  });
  await retry.click();
  await expect(page.locator('#history-list .card-prompt')).toHaveText(['the second one']);
  await expect(retry).toBeHidden();
  await expect(page.locator('#result-meta')).toContainText('seed 2 ·');
});

test('history: without IndexedDB, generation still works and the history says it cannot save', async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', { get: () => undefined });
  });
  await serveToyModel(page);
  await page.goto('/');
  await expect(page.locator('#history-status')).toHaveAttribute('data-state', 'unavailable');
  await expect(page.locator('#history-status')).toContainText('History is off: this browser does not let the page use IndexedDB');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await generate(page, 'no storage', 5);
  await expect(page.locator('#result-figure')).toBeVisible();
  await expect(page.locator('#history-list .card')).toHaveCount(0);
});

test('history: Delete can be undone, keeps the focus in the history, and clears the Output when it showed that video', async ({ page }) => {
  await serveToyModel(page);
  await page.goto('/');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await generate(page, 'a red circle', 11);
  await expect(page.locator('#history-list .card')).toHaveCount(1, { timeout: 20_000 });
  await generate(page, 'a blue square', 12);
  await expect(page.locator('#history-list .card')).toHaveCount(2, { timeout: 20_000 });

  // Deleting a video that is not on screen leaves the Output alone.
  await page.getByRole('button', { name: 'Delete: a red circle' }).click();
  await expect(page.locator('#history-list .card-prompt')).toHaveText(['a blue square']);
  await expect(page.locator('#result-figure')).toBeVisible();
  const undo = page.getByRole('button', { name: 'Undo: put back “a red circle”' });
  await expect(undo).toBeFocused();
  await undo.click();
  await expect(page.locator('#history-list .card-prompt')).toHaveText(['a blue square', 'a red circle']);
  await expect(page.getByRole('button', { name: 'Open: a red circle' })).toBeFocused();
  await expect(page.locator('#history-undo')).toContainText('Restored “a red circle”');

  // Deleting the video the Output shows (just generated) empties the Output.
  await page.getByRole('button', { name: 'Delete: a blue square' }).click();
  await expect(page.locator('#result-figure')).toBeHidden();
  await expect(page.locator('#result-actions')).toBeHidden();
  await expect(page.locator('#gen-status')).toHaveText('The video shown here was deleted from the history.');
  expect(await page.evaluate(() => document.activeElement?.tagName)).not.toBe('BODY');
  await page.reload();
  await expect(page.locator('#history-list .card-prompt')).toHaveText(['a red circle']); // the undone delete stays undone
  // An item re-opened from the history counts too.
  await page.getByRole('button', { name: 'Open: a red circle' }).click();
  await expect(page.locator('#result-figure')).toBeVisible();
  await page.getByRole('button', { name: 'Delete: a red circle' }).click();
  await expect(page.locator('#result-figure')).toBeHidden();
  await expect(page.locator('#history-list .card')).toHaveCount(0);
});
