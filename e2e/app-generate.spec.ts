import { expect, test } from '@playwright/test';
import { downloadVia, resultFrameHashes, serveToyModel, watchErrors } from './fixtures/app/toy-model';

test.describe.configure({ timeout: 120_000 });

test('playground: without a model manifest the page says "model not available" and Generate is disabled', async ({ page }) => {
  const errors = watchErrors(page);
  // A server without the bundled model (the manifest 404s).
  await page.route('**/models/osp-v13-tiny/manifest.json', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.goto('/');
  const status = page.locator('#model-status');
  await expect(status).toHaveAttribute('data-state', 'missing', { timeout: 30_000 });
  await expect(status).toContainText('Model not available');
  await expect(page.locator('#model-detail')).toContainText('models/osp-v13-tiny/manifest.json');
  await expect(page.locator('#generate')).toBeDisabled();
  await expect(page.locator('#model-retry')).toBeVisible();
  expect(errors.filter((e) => !/manifest\.json|404 \(Not Found\)/.test(e))).toEqual([]);
});

test('playground: generate with the toy model — progress, ETA, live preview, decoded frames, looping video, download, unknown words', async ({ page }) => {
  const errors = watchErrors(page);
  await serveToyModel(page, { stepDelayMs: 120 });
  await page.goto('/');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  // Defaults from the manifest.
  await expect(page.locator('#steps')).toHaveValue('4');
  await expect(page.locator('#frames')).toHaveValue('9');
  await expect(page.locator('#cfg')).toHaveValue('4.5');
  // Vocabulary: example chips, unknown words marked.
  await page.locator('#example-chips .chip').first().click();
  await expect(page.locator('#prompt')).toHaveValue('a big red circle moves right on a blue background');
  await expect(page.locator('#prompt-words')).toContainText('All 10 words are known');
  await page.locator('#prompt').fill('a zebra moves right, on a blue background quickly!');
  await expect(page.locator('#prompt-words mark.unknown')).toHaveText(['zebra']);
  await page.locator('#seed').fill('7');
  await page.locator('#steps').fill('6');
  await page.locator('#generate').click();
  await expect(page.locator('#generate')).toHaveText('Cancel');
  await expect(page.locator('#gen-status')).toContainText(/Denoising: step \d of 6/);
  await expect(page.locator('#gen-status')).toContainText(/left/);
  await expect(page.locator('#preview-figure')).toBeVisible();
  await expect(page.locator('#result-figure')).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('#generate')).toHaveText('Generate');
  await expect(page.locator('#frame-strip')).toHaveAttribute('data-decoded', '9');
  await expect(page.locator('#frame-strip .cell.done')).toHaveCount(9);
  // Each decoded frame's thumbnail is drawn into its cell while the VAE streams (thumbnails in the chunk events).
  const drawn = await page.locator('#frame-strip canvas.cell.done').evaluateAll((cells) =>
    cells.filter((c) => {
      const cv = c as HTMLCanvasElement;
      const px = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
      return cv.width <= 48 && px.some((v, i) => i % 4 === 3 && v > 0);
    }).length);
  expect(drawn).toBe(9);
  await expect(page.locator('#gen-status')).toContainText('Done');
  await expect(page.locator('#result-meta')).toContainText('seed 7 · 6 steps · CFG 4.5 · 9 frames 32×32 @ 8 fps');
  const video = await page.locator('#result-video').evaluate((v: HTMLVideoElement) => ({ loop: v.loop, src: v.src }));
  expect(video.loop).toBe(true);
  expect(video.src).toMatch(/^blob:/);
  await expect(page.locator('#download')).toHaveAttribute('download', 'osp-a-zebra-moves-right-on-a-blue-background-seed7.mp4');
  const file = await downloadVia(page, '#download');
  expect(file.name).toBe('osp-a-zebra-moves-right-on-a-blue-background-seed7.mp4');
  expect(file.bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
  const r = await resultFrameHashes(page);
  expect(r).toMatchObject({ frames: 9, width: 32, height: 32 });
  // Saved to the history.
  await expect(page.locator('#history-list .card')).toHaveCount(1, { timeout: 20_000 });
  await expect(page.locator('#history-list .card-prompt')).toHaveText('a zebra moves right, on a blue background quickly!');
  await page.screenshot({ path: 'test-results/app/generate.png', fullPage: true });
  expect(errors).toEqual([]);
});

test('playground: Generate becomes Cancel and cancelling stops the job; the next run works', async ({ page }) => {
  await serveToyModel(page, { stepDelayMs: 250 });
  await page.goto('/');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await page.locator('#steps').fill('40');
  await page.locator('#generate').click();
  await expect(page.locator('#gen-status')).toContainText(/step \d+ of 40/);
  await page.locator('#generate').click();
  await expect(page.locator('#gen-status')).toHaveText('Cancelled.', { timeout: 10_000 });
  await expect(page.locator('#generate')).toHaveText('Generate');
  await expect(page.locator('#result-figure')).toBeHidden();
  await page.locator('#steps').fill('2');
  await page.locator('#generate').click();
  await expect(page.locator('#result-figure')).toBeVisible({ timeout: 60_000 });
});

test('playground: a model with several trained sizes offers a size choice, used by the generation and the link', async ({ page }) => {
  const { toyManifest } = await import('./fixtures/app/toy-model');
  const m = toyManifest();
  await serveToyModel(page, { manifest: { ...m, limits: { maxFrames: 17, maxSteps: 50, sizes: [{ width: 32, height: 32 }, { width: 48, height: 32 }] } } });
  await page.goto('/');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(page.locator('#size-field')).toBeVisible();
  await expect(page.locator('#frames option')).toHaveCount(5); // 1, 5, 9, 13, 17
  await page.locator('#size').selectOption('48x32');
  await page.locator('#steps').fill('2');
  await page.locator('#frames').selectOption('5');
  await page.locator('#generate').click();
  await expect(page.locator('#result-meta')).toContainText('5 frames 48×32', { timeout: 60_000 });
  await page.locator('#result-copy-link').click();
  await expect(page.locator('#share-url')).toHaveValue(/&size=48x32/);
});
