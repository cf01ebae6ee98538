import { expect, test } from '@playwright/test';
import { serveToyModel } from './fixtures/app/toy-model';

test.describe.configure({ timeout: 120_000 });

test('model loading: a progress bar while the weights download, then ready', async ({ page }) => {
  await serveToyModel(page);
  // Hold the big weights file back a moment so the download state is observable.
  await page.route('**/models/osp-v13-tiny/vae_decoder.weights', async (route) => {
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue();
  });
  await page.goto('/');
  await expect(page.locator('#model-status')).toContainText(/Downloading the model: .* of 7\.\d MB \(file \d of 2\)/); // the VAE encoder opens at its first use (issue #27), not at load
  await expect(page.locator('#model-progress')).toBeVisible();
  await expect(page.locator('#generate')).toBeDisabled();
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(page.locator('#model-progress')).toBeHidden();
  await expect(page.locator('#generate')).toBeEnabled();
  await expect(page.locator('#model-detail')).toContainText('Backend: WASM');
});

test('model loading: an integrity failure says so and offers a retry that works', async ({ page }) => {
  await serveToyModel(page);
  await page.route('**/models/osp-v13-tiny/vae_decoder_chunk.json', async (route) => {
    const res = await route.fetch();
    const body = (await res.text()).replace(/\d/, (d) => String((Number(d) + 1) % 10)); // same size, other bytes
    await route.fulfill({ response: res, body });
  });
  await page.goto('/');
  const status = page.locator('#model-status');
  await expect(status).toHaveAttribute('data-state', 'error', { timeout: 60_000 });
  await expect(status).toContainText('failed their integrity check');
  await expect(page.locator('#model-detail')).toContainText('sha256');
  await expect(page.locator('#generate')).toBeDisabled();
  await page.unroute('**/models/osp-v13-tiny/vae_decoder_chunk.json');
  await page.locator('#model-retry').click();
  await expect(status).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(page.locator('#model-retry')).toBeHidden();
});

test('model loading: without WebGPU the page says so and uses WASM', async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined });
  });
  await serveToyModel(page);
  await page.goto('/');
  await expect(page.locator('#backend-help')).toContainText('WebGPU is not available here');
  await expect(page.locator('#backend-help')).toContainText('WASM is used');
  await expect(page.locator('#backend option[value="webgpu"]')).toBeDisabled();
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(page.locator('#model-detail')).toContainText('Backend: WASM');
});

test('model loading: changing the backend reloads the model with it', async ({ page }) => {
  await serveToyModel(page);
  await page.goto('/');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(page.locator('#model-detail')).toContainText('fallback (software) WebGPU adapter');
  await page.locator('#backend').selectOption('wasm');
  await expect(page.locator('#model-detail')).toContainText('— requested.', { timeout: 60_000 });
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready');
  await page.locator('#steps').fill('2');
  await page.locator('#generate').click();
  await expect(page.locator('#result-meta')).toContainText('WASM', { timeout: 60_000 });
});
