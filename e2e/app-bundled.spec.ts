import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { resultFrameHashes, watchErrors } from './fixtures/app/toy-model';

// The playground as a user meets it: no mocked model, the bundled osp-v13-tiny is downloaded (verified), its defaults
// fill the form, a text-to-video from the form gives a playable 17-frame 64×64 MP4 (decoded), and the page shows the
// model's name and size. Steps are lowered to keep the test short; the defaults are checked first.
const defaults = JSON.parse(readFileSync('public/models/osp-v13-tiny/manifest.json', 'utf8')).defaults;

test('playground with the bundled model: defaults from its manifest, text-to-video from the form → decoded MP4', async ({ page }) => {
  test.setTimeout(240_000);
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
  await expect(page.locator('#steps')).toHaveValue(String(defaults.steps));
  await expect(page.locator('#frames')).toHaveValue(String(defaults.frames));
  await expect(page.locator('#cfg')).toHaveValue(String(defaults.cfgScale));
  await page.locator('#example-chips .chip').first().click();
  await expect(page.locator('#prompt-words')).toContainText('are known');
  await page.locator('#seed').fill('11');
  await page.locator('#steps').fill('4');
  await page.locator('#generate').click();
  await expect(page.locator('#result-figure')).toBeVisible({ timeout: 180_000 });
  await expect(page.locator('#result-meta')).toContainText(`seed 11 · 4 steps · CFG ${defaults.cfgScale} · 17 frames 64×64 @ 8 fps`);
  const r = await resultFrameHashes(page);
  expect(r).toMatchObject({ frames: 17, width: 64, height: 64 });
  expect(new Set(r.hashes).size).toBeGreaterThan(1); // a video, not one frame repeated
  expect(errors).toEqual([]);
});

test('the guidance field follows the mode: the image default when a frame is given, until the user sets it', async ({ page }) => {
  test.setTimeout(180_000);
  // The shipped model may use one guidance for both modes; the manifest is served with a distinct image default so
  // that a field stuck on either value fails here.
  const imageCfg = String(defaults.cfgScale + 1.5);
  await page.route('**/models/osp-v13-tiny/manifest.json', async (route) => {
    const m = await (await route.fetch()).json();
    m.defaults.imageCfgScale = Number(imageCfg);
    await route.fulfill({ json: m });
  });
  await page.goto('/');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
  const cfg = page.locator('#cfg');
  await expect(cfg).toHaveValue(String(defaults.cfgScale));
  await page.getByLabel('Image to video').check();
  await expect(cfg).toHaveValue(imageCfg);
  await page.getByLabel('Text to video').check();
  await expect(cfg).toHaveValue(String(defaults.cfgScale));
  await cfg.fill('5');
  await page.getByLabel('Image to video').check();
  await expect(cfg).toHaveValue('5'); // the user's value is kept
});

test('Cancel reaches the real denoising loop: 60 steps cancelled at step 3 end before step 5; the next run works', async ({ page }) => {
  test.setTimeout(240_000);
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
  await page.locator('#example-chips .chip').first().click();
  await page.locator('#steps').fill('60');
  // The page clicks Cancel itself the moment step 3 is shown (no round trip through the test runner), and keeps
  // the highest step it ever showed.
  await page.evaluate(() => {
    const status = document.getElementById('gen-status')!;
    const w = window as unknown as { maxStep: number };
    w.maxStep = 0;
    let cancelled = false;
    const watch = new MutationObserver(() => {
      const step = Number(status.dataset.step ?? 0);
      if (step > w.maxStep) w.maxStep = step;
      if (step >= 3 && !cancelled) {
        cancelled = true;
        document.getElementById('generate')!.click();
      }
      if (status.textContent === 'Cancelled.') watch.disconnect();
    });
    watch.observe(status, { attributes: true, attributeFilter: ['data-step'], childList: true, characterData: true, subtree: true });
  });
  await page.locator('#generate').click();
  await expect(page.locator('#gen-status')).toHaveText('Cancelled.', { timeout: 60_000 });
  expect(await page.evaluate(() => (window as unknown as { maxStep: number }).maxStep)).toBeLessThan(5);
  await expect(page.locator('#generate')).toHaveText('Generate');
  await page.locator('#steps').fill('3');
  await page.locator('#generate').click();
  await expect(page.locator('#result-figure')).toBeVisible({ timeout: 120_000 });
  await expect(page.locator('#result-meta')).toContainText('3 steps');
  expect(errors).toEqual([]);
});
