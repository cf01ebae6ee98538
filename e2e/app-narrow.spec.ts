import { expect, test, type Page } from '@playwright/test';
import { serveToyModel, watchErrors } from './fixtures/app/toy-model';

// A phone-width page (390 px): no view may scroll sideways, and the seed box shows a whole 16-digit seed.
test.use({ viewport: { width: 390, height: 844 } });

const sideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
/** Pixels of the seed's text that do not fit in the box (0: all of it is visible). */
const seedOverflow = (page: Page) => page.locator('#seed').evaluate((e: HTMLInputElement) => e.scrollWidth - e.clientWidth);

test('390 px: text-to-video, every image-to-video kind, a result and the history fit without horizontal scroll', async ({ page }) => {
  test.setTimeout(150_000);
  const errors = watchErrors(page);
  await serveToyModel(page);
  await page.goto('/');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  expect(await sideways(page), 'text to video').toBe(0);
  await page.getByLabel('Image to video').check();
  for (const kind of ['First and last frame (a transition)', 'The start of a video (continue it)', 'The first frame']) {
    const option = page.getByLabel(kind, { exact: false }).first();
    if (await option.count()) await option.check();
    expect(await sideways(page), kind).toBe(0);
  }
  await page.getByLabel('Text to video').check();
  await page.locator('#steps').fill('2');
  await page.locator('#generate').click();
  await expect(page.locator('#result-figure')).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('#history-list .card')).toHaveCount(1, { timeout: 20_000 });
  expect(await sideways(page), 'with a result and the history').toBe(0);
  expect(errors).toEqual([]);
});

for (const width of [390, 1280]) {
  test(`the seed box shows all 16 digits of the largest seed at ${width} px`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    await serveToyModel(page);
    await page.goto('/');
    await page.locator('#seed').fill('9007199254740991');
    expect(await seedOverflow(page)).toBeLessThanOrEqual(0);
  });
}
