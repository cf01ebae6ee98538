import { expect, test } from '@playwright/test';
import { serveToyModel } from './fixtures/app/toy-model';

test.describe.configure({ timeout: 120_000 });

test('model loading: the memory plan is shown before the download, as a table per component', async ({ page }) => {
  await serveToyModel(page);
  // Hold the weights back: the plan must already be on the page while they download.
  await page.route('**/models/osp-v13-tiny/vae_decoder.weights', async (route) => {
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue();
  });
  await page.goto('/');
  await expect(page.locator('#model-status')).toContainText(/Downloading the model/);
  const plan = page.getByTestId('memory-plan');
  await expect(plan).toBeVisible();
  await expect(plan.locator('summary')).toHaveText(/^Memory plan \(wasm\): peak \d+\.\d MiB of 4\.0 GiB — fits$/);
  await expect(plan).toHaveAttribute('data-fits', 'true');
  await plan.locator('summary').click();
  await expect(plan.locator('tbody th')).toContainText(['VAE decode']);
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(plan).toBeVisible();
});
