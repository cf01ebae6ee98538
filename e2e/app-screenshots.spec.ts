import { expect, test, type Page } from '@playwright/test';

// README screenshots (docs/screenshots/). Not part of `npm test` (playwright.config.ts ignores it unless
// OSP_SCREENSHOTS=1) so normal runs leave the files alone:  OSP_SCREENSHOTS=1 npx playwright test e2e/app-screenshots.spec.ts
test.describe.configure({ timeout: 150_000 });

const DIR = 'docs/screenshots';

async function photo(page: Page): Promise<Buffer> {
  const b64 = await page.evaluate(async () => {
    const c = new OffscreenCanvas(480, 270);
    const g = c.getContext('2d')!;
    const sky = g.createLinearGradient(0, 0, 0, 270);
    sky.addColorStop(0, '#60a5fa');
    sky.addColorStop(1, '#fde68a');
    g.fillStyle = sky;
    g.fillRect(0, 0, 480, 270);
    g.fillStyle = '#f59e0b';
    g.beginPath();
    g.arc(360, 80, 36, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = '#166534';
    g.beginPath();
    g.moveTo(0, 270);
    g.lineTo(120, 140);
    g.lineTo(230, 270);
    g.fill();
    g.fillStyle = '#15803d';
    g.beginPath();
    g.moveTo(150, 270);
    g.lineTo(310, 120);
    g.lineTo(480, 270);
    g.fill();
    const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
    let s = '';
    for (const x of bytes) s += String.fromCharCode(x);
    return btoa(s);
  });
  return Buffer.from(b64, 'base64');
}

test('screenshots: generate view, image-to-video, history, narrow screen, model missing', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  const page = await context.newPage();
  await page.goto('/'); // the bundled model
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
  await page.locator('#prompt').fill('a big red circle moves right on a blue zebra background');
  await page.locator('#seed').fill('7'); // steps, CFG, frames: the model's defaults, as a user gets them
  await page.locator('#generate').click();
  await expect(page.locator('#result-figure')).toBeVisible({ timeout: 180_000 });
  await expect(page.locator('#history-list .card')).toHaveCount(1, { timeout: 20_000 });
  await page.locator('#prompt').fill('a small green square moves up on a black background');
  await page.locator('#seed').fill('42');
  await page.locator('#generate').click();
  await expect(page.locator('#result-meta')).toContainText('seed 42', { timeout: 180_000 });
  await expect(page.locator('#history-list .card')).toHaveCount(2, { timeout: 20_000 });
  await page.locator('#result-video').evaluate((v: HTMLVideoElement) => {
    v.pause();
    v.currentTime = 1;
  });
  await page.locator('#result-copy-link').click();
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${DIR}/generate.png`, fullPage: true });

  await page.getByLabel('Image to video').check();
  await page.locator('#image-file').setInputFiles({ name: 'landscape.png', mimeType: 'image/png', buffer: await photo(page) });
  await expect(page.locator('#fit-summary')).toContainText('480×270');
  await page.locator('#crop-canvas').focus();
  await page.keyboard.press('ArrowLeft');
  await page.locator('#camera-chips .chip', { hasText: 'the camera zooms in' }).click();
  await page.locator('#gen-form').screenshot({ path: `${DIR}/image-to-video.png` });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByLabel('Text to video').check();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${DIR}/narrow.png`, fullPage: false });
  await context.close();

  const dark = await browser.newContext({ viewport: { width: 1100, height: 700 }, colorScheme: 'dark' });
  const p2 = await dark.newPage();
  await p2.route('**/models/osp-v13-tiny/manifest.json', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await p2.goto('/#v=2&model=osp-v13-tiny');
  await expect(p2.locator('#model-status')).toHaveAttribute('data-state', 'missing', { timeout: 30_000 });
  await p2.screenshot({ path: `${DIR}/model-missing-dark.png` });
  await dark.close();
});
