import { expect, test } from '@playwright/test';

test('the page reports the WebGPU adapter and is cross-origin isolated', async ({ page }) => {
  await page.goto('/');
  const status = page.locator('#gpu-status');
  await expect(status).toHaveAttribute('data-state', 'ok', { timeout: 30_000 });
  const text = await status.textContent();
  console.log(`adapter: ${text}`);
  expect(text).toMatch(/WebGPU adapter: /);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
});

test('without WebGPU the page says why instead of failing silently', async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined });
  });
  await page.goto('/');
  const status = page.locator('#gpu-status');
  await expect(status).toHaveAttribute('data-state', 'unavailable');
  await expect(status).toContainText('navigator.gpu is missing');
});
