import { expect, test, type Page } from '@playwright/test';
import { resultFrameHashes, serveDevDitModel } from './fixtures/app/toy-model';

// The playground on the real pipeline: the dev DiT export (random weights, real architecture + inpaint graphs) and
// the trained VAE, wasm backend, small sizes. Image-to-video end to end, and its share link reproducing the frames.
test.describe.configure({ timeout: 300_000, retries: 1 });

async function photo(page: Page): Promise<Buffer> {
  const b64 = await page.evaluate(async () => {
    const c = new OffscreenCanvas(200, 120);
    const g = c.getContext('2d')!;
    g.fillStyle = '#0ea5e9';
    g.fillRect(0, 0, 200, 120);
    g.fillStyle = '#dc2626';
    g.fillRect(60, 30, 60, 60);
    const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
    let s = '';
    for (const x of bytes) s += String.fromCharCode(x);
    return btoa(s);
  });
  return Buffer.from(b64, 'base64');
}

test('dev DiT: image-to-video generates from the cropped photo, and its link (with the image) reproduces the same frames in a fresh context', async ({ browser }) => {
  const a = await browser.newContext();
  const pa = await a.newPage();
  await serveDevDitModel(pa);
  await pa.goto('/');
  await expect(pa.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
  await pa.locator('#prompt').fill('a red square, the camera zooms in on the zebra');
  await expect(pa.locator('#prompt-words mark.unknown')).toHaveText(['zebra']); // the DiT's own vocabulary
  await pa.getByLabel('Image to video').check();
  await expect(pa.locator('#i2v-support')).toBeHidden(); // this model can
  await pa.locator('#image-file').setInputFiles({ name: 'p.png', mimeType: 'image/png', buffer: await photo(pa) });
  await expect(pa.locator('#fit-summary')).toContainText('200×120 → center crop 120×120 at (40, 0) → resized to 32×32');
  await pa.locator('#crop-canvas').focus();
  await pa.keyboard.press('ArrowLeft');
  await expect(pa.locator('#fit-summary')).toContainText('at (30, 0)');
  await pa.locator('#seed').fill('99');
  await pa.locator('#generate').click();
  await expect(pa.locator('#result-meta')).toContainText('seed 99 · 2 steps · CFG 4.5 · 5 frames 32×32', { timeout: 180_000 });
  const original = await resultFrameHashes(pa);
  expect(original.frames).toBe(5);
  await expect(pa.locator('#history-list .card')).toHaveCount(1, { timeout: 20_000 });
  await expect(pa.locator('#history-list .card .muted').first()).toContainText('image→video');
  await pa.locator('#result-copy-link').click();
  const link = await pa.locator('#share-url').inputValue();
  expect(link).toMatch(/&mode=i2v&.*&img=/);
  await a.close();

  const b = await browser.newContext();
  const pb = await b.newPage();
  await serveDevDitModel(pb);
  await pb.goto(link);
  await expect(pb.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
  await expect(pb.locator('#link-notice')).toHaveAttribute('data-state', 'ok');
  await expect(pb.getByLabel('Image to video')).toBeChecked();
  await expect(pb.locator('#gen-status')).toHaveText('Nothing generated yet.');
  await pb.locator('#generate').click();
  await expect(pb.locator('#result-meta')).toContainText('seed 99', { timeout: 180_000 });
  expect((await resultFrameHashes(pb)).hashes).toEqual(original.hashes);
  await b.close();
});
