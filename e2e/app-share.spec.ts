import { expect, test } from '@playwright/test';
import { resultFrameHashes, serveToyModel, watchErrors } from './fixtures/app/toy-model';

test.describe.configure({ timeout: 150_000 });

const ready = async (page: import('@playwright/test').Page) =>
  expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });

test('share link: a copied link opened in a fresh browser context fills the form, never auto-runs, and reproduces the same frames', async ({ browser }) => {
  const a = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  const pa = await a.newPage();
  const errors = watchErrors(pa);
  await serveToyModel(pa);
  await pa.goto('/');
  await ready(pa);
  await pa.locator('#prompt').fill('a small green square moves up, & "quotes" <b>not bold</b>');
  await pa.locator('#negative').fill('blurry');
  await pa.locator('#seed').fill('123456789');
  await pa.locator('#steps').fill('3');
  await pa.locator('#cfg').fill('3.5');
  await pa.locator('#frames').selectOption('5');
  await pa.locator('#generate').click();
  await expect(pa.locator('#result-figure')).toBeVisible({ timeout: 60_000 });
  const original = await resultFrameHashes(pa);
  expect(original.frames).toBe(5);
  await pa.locator('#result-copy-link').click();
  await expect(pa.locator('#share-status')).toContainText('Link copied');
  const link = await pa.locator('#share-url').inputValue();
  expect(await pa.evaluate(() => navigator.clipboard.readText())).toBe(link);
  expect(new URL(link).hash).toMatch(/^#v=1&model=osp-v13-tiny&mh=[0-9a-f]{64}&mode=t2v&p=/);
  expect(pa.url()).toBe(link); // the address bar carries the link too
  expect(errors).toEqual([]);
  await a.close();

  const b = await browser.newContext();
  const pb = await b.newPage();
  await serveToyModel(pb);
  await pb.goto(link);
  await expect(pb.locator('#link-notice')).toContainText('Settings loaded from a shared link. Press Generate');
  await expect(pb.locator('#prompt')).toHaveValue('a small green square moves up, & "quotes" <b>not bold</b>');
  await expect(pb.locator('#negative')).toHaveValue('blurry');
  await expect(pb.locator('#seed')).toHaveValue('123456789');
  await ready(pb);
  await expect(pb.locator('#steps')).toHaveValue('3');
  await expect(pb.locator('#cfg')).toHaveValue('3.5');
  await expect(pb.locator('#frames')).toHaveValue('5');
  await pb.waitForTimeout(500);
  await expect(pb.locator('#gen-status')).toHaveText('Nothing generated yet.'); // never auto-runs
  await expect(pb.locator('#result-figure')).toBeHidden();
  await pb.locator('#generate').click();
  await expect(pb.locator('#result-figure')).toBeVisible({ timeout: 60_000 });
  const again = await resultFrameHashes(pb);
  expect(again.hashes).toEqual(original.hashes);
  await b.close();
});

test('share link: malformed, newer-schema and other-model links say so; strings from links are only text', async ({ page }) => {
  await serveToyModel(page);
  const notice = page.locator('#link-notice');
  await page.goto('/#v=2&model=osp-v13-tiny');
  await expect(notice).toHaveAttribute('data-state', 'error');
  await expect(notice).toContainText('made by a newer version of the app (link format v2; this app reads v1)');

  await page.goto('/');
  const good = `v=1&model=osp-v13-tiny&mh=${'a'.repeat(64)}&mode=t2v&p=x&np=&seed=1&steps=3&cfg=4.5&frames=5&size=32x32`;
  for (const [hash, re] of [
    [good.slice(0, good.indexOf('&steps')), /missing steps: it may have been truncated/],
    [good.replace('seed=1', 'seed=NaN'), /seed must be a whole number/],
    [good.replace('cfg=4.5', 'cfg=Infinity'), /cfg must be a plain decimal number/],
    [good.replace('steps=3', 'steps=100000'), /steps must be between 1 and 1000/],
    [good.replace('mode=t2v', 'mode=i2v') + '&img=%%%', /not valid base64url/],
    [`${good}&p2=${'x'.repeat(500_000)}`, /too long/],
  ] as const) {
    await page.evaluate((h) => {
      location.hash = h;
    }, hash);
    await expect(notice).toHaveAttribute('data-state', 'error');
    await expect(notice).toContainText(re);
    await expect(notice).toContainText('This link can’t be used');
  }

  // Script-looking strings: shown as text, nothing is executed or parsed as HTML.
  await page.addInitScript(() => {
    (window as unknown as { pwned: number }).pwned = 0;
  });
  const evil = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
  const hash = new URLSearchParams({ v: '1', model: 'osp-v13-tiny', mh: 'b'.repeat(64), mode: 't2v', p: evil, np: '"><svg onload=window.pwned=3>', seed: '1', steps: '3', cfg: '4.5', frames: '5', size: '32x32' }).toString();
  await page.goto('about:blank');
  await page.goto(`/#${hash}`);
  await expect(page.locator('#prompt')).toHaveValue(evil);
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  // Another model hash: filled in, with a clear warning.
  await expect(notice).toHaveAttribute('data-state', 'warn');
  await expect(notice).toContainText('different weights of "osp-v13-tiny"');
  await expect(page.locator('#prompt-words')).toContainText('img');
  expect(await page.locator('img[src="x"], svg, script:not([src])').count()).toBe(0);
  expect(await page.evaluate(() => (window as unknown as { pwned: number }).pwned)).toBe(0);
  // A size the model does not make: filled in at the model's size, with a note.
  await page.goto(`/#${hash.replace('size=32x32', 'size=4096x4096')}`);
  await expect(notice).toContainText('The link asks for 4096×4096 video, which osp-v13-tiny does not make: the size was set to 32×32.', { timeout: 60_000 });
  await expect(page.locator('#size')).toHaveValue('32x32');
  // Another model id.
  await page.goto(`/#${hash.replace('model=osp-v13-tiny', 'model=other-model')}`);
  await expect(notice).toContainText('made with the model "other-model", but this page has "osp-v13-tiny"', { timeout: 60_000 });
});
