import { expect, test } from '@playwright/test';
import { serveToyModel, watchErrors } from './fixtures/app/toy-model';

// What a newcomer meets first: the skip link, the prompt's word check, the progress wording, the image-to-video note.
test.describe.configure({ timeout: 240_000 });

test('the skip link and in-page anchors are not read as share links', async ({ page }) => {
  const errors = watchErrors(page);
  await serveToyModel(page);
  await page.goto('/');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
  await page.keyboard.press('Tab');
  await expect(page.locator('a.skip')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#gen-form$/);
  await expect(page.locator('#gen-form')).toBeFocused();
  await page.waitForTimeout(300); // the hashchange handler has run
  await expect(page.locator('#link-notice')).toBeHidden();
  // Opened directly with the anchor: the same.
  await page.goto('/#gen-form');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
  await expect(page.locator('#link-notice')).toBeHidden();
  // A real (broken) share link still says what is wrong.
  await page.evaluate(() => {
    location.hash = 'v=1&model=osp-v13-tiny';
  });
  await expect(page.locator('#link-notice')).toContainText('This link can’t be used');
  expect(errors).toEqual([]);
});

test('wording: one unknown word is "it", plurals of known words are known, no "about under a second"', async ({ page }) => {
  await serveToyModel(page, { stepDelayMs: 5 });
  await page.goto('/');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
  await page.locator('#prompt').fill('a red square');
  await expect(page.locator('#prompt-words')).toContainText('All 3 words are known');
  await page.locator('#prompt').fill('zorp red squares');
  await expect(page.locator('#prompt-words')).toHaveText('The model does not know this word (it is ignored): zorp');
  await page.locator('#prompt').fill('a red square');
  // Every status line of a short run (its ETA is under a second).
  await page.evaluate(() => {
    const w = window as unknown as { statuses: string[] };
    w.statuses = [];
    const s = document.getElementById('gen-status')!;
    new MutationObserver(() => w.statuses.push(s.textContent ?? '')).observe(s, { childList: true, characterData: true, subtree: true });
  });
  await page.locator('#steps').fill('12');
  await page.locator('#generate').click();
  await expect(page.locator('#result-figure')).toBeVisible({ timeout: 60_000 });
  const statuses = await page.evaluate(() => (window as unknown as { statuses: string[] }).statuses);
  expect(statuses.some((t) => /under a second left/.test(t))).toBe(true);
  expect(statuses.filter((t) => /about under/.test(t))).toEqual([]);
});

test('image-to-video while the model is still loading says so (not "it is not loaded")', async ({ page }) => {
  await serveToyModel(page);
  // Hold the model's graphs back for a few seconds, so the page is seen in its loading state.
  await page.route('**/models/osp-v13-tiny/*.onnx', async (route) => {
    await new Promise((r) => setTimeout(r, 4000));
    await route.fallback();
  });
  await page.goto('/');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'loading');
  await page.getByLabel('Image to video').check();
  await expect(page.locator('#i2v-support')).toHaveText('Image-to-video needs the model, which is still loading: add a photo meanwhile.');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
  await expect(page.locator('#i2v-support')).not.toContainText('loading');
});
