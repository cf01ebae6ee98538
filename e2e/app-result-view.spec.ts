import { expect, test } from '@playwright/test';
import { downloadVia, mp4FrameHashes, serveToyModel, watchErrors } from './fixtures/app/toy-model';

// A tiny video is shown smoothly upscaled (pixels on request) and can be downloaded ×4; the native download, the
// share link and the history keep the native frames.
test('result: smooth display by default, "Show pixels" option, ×4 download besides the native one', async ({ page }) => {
  test.setTimeout(150_000);
  const errors = watchErrors(page);
  await serveToyModel(page);
  await page.goto('/');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await page.locator('#steps').fill('2');
  await page.locator('#generate').click();
  await expect(page.locator('#result-figure')).toBeVisible({ timeout: 60_000 });
  const rendering = () => page.locator('#result-video').evaluate((v) => getComputedStyle(v).imageRendering);
  expect(await rendering()).toBe('auto');
  await page.getByLabel('Show pixels').check();
  expect(await rendering()).toBe('pixelated');
  await page.getByLabel('Show pixels').uncheck();
  expect(await rendering()).toBe('auto');

  const native = await downloadVia(page, '#download');
  const n = await mp4FrameHashes(page, native.bytes);
  await expect(page.locator('#download-upscaled')).toHaveText(`Download ×4 (${n.width * 4}×${n.height * 4})`);
  const big = await downloadVia(page, '#download-upscaled');
  expect(big.name).toBe(native.name.replace(/\.mp4$/, '-x4.mp4'));
  const b = await mp4FrameHashes(page, big.bytes);
  expect(b).toMatchObject({ width: n.width * 4, height: n.height * 4, frames: n.frames });

  // The history keeps the native video.
  await expect(page.locator('#history-list .card')).toHaveCount(1, { timeout: 20_000 });
  const saved = await downloadVia(page, '#history-list .card button[aria-label^="Download"]');
  expect(await mp4FrameHashes(page, saved.bytes)).toMatchObject({ width: n.width, height: n.height, frames: n.frames });
  expect(errors).toEqual([]);
});
