import { expect, test, type Page } from '@playwright/test';
import { serveToyModel } from './fixtures/app/toy-model';

test.describe.configure({ timeout: 120_000 });

/** A 300×150 test photo (gradient + shapes), made by the browser as PNG bytes. */
async function makePhoto(page: Page, w = 300, h = 150): Promise<Buffer> {
  const b64 = await page.evaluate(async ([w, h]) => {
    const c = new OffscreenCanvas(w, h);
    const g = c.getContext('2d')!;
    const grad = g.createLinearGradient(0, 0, w, h);
    grad.addColorStop(0, '#1e3a8a');
    grad.addColorStop(1, '#f59e0b');
    g.fillStyle = grad;
    g.fillRect(0, 0, w, h);
    g.fillStyle = '#dc2626';
    g.beginPath();
    g.arc(w * 0.3, h * 0.5, h * 0.3, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = '#16a34a';
    g.fillRect(w * 0.65, h * 0.2, h * 0.5, h * 0.5);
    const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
    let s = '';
    for (const x of bytes) s += String.fromCharCode(x);
    return btoa(s);
  }, [w, h] as const);
  return Buffer.from(b64, 'base64');
}

const fitPixels = (page: Page) =>
  page.locator('#fit-canvas').evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let h = 0x811c9dc5;
    for (const x of d) h = Math.imul(h ^ x, 0x01000193) >>> 0;
    return { w: c.width, h: c.height, hash: h.toString(16) };
  });

test('image-to-video: pick a photo of any shape, see and move the crop, camera chips; an unsupported model says so; the link carries the image', async ({ page, browser }) => {
  await serveToyModel(page);
  await page.goto('/');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await page.getByLabel('Image to video').check();
  await expect(page.locator('#i2v-support')).toContainText('cannot do image-to-video yet');
  const photo = await makePhoto(page);
  await page.locator('#image-file').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: photo });
  const summary = page.locator('#fit-summary');
  await expect(summary).toHaveText('Crop: 300×150 → center crop 150×150 at (75, 0) → resized to 32×32.');
  await expect(page.locator('#crop-canvas')).toBeVisible();
  expect(await fitPixels(page)).toMatchObject({ w: 32, h: 32 });
  // Keyboard: arrows move the crop (5% of the long side per press).
  await page.locator('#crop-canvas').focus();
  await page.keyboard.press('ArrowRight');
  await expect(summary).toContainText('at (90, 0)');
  await page.keyboard.press('Shift+ArrowLeft');
  await expect(summary).toContainText('at (30, 0)');
  // Pointer: drag far right → the crop stops at the edge.
  const box = (await page.locator('#crop-canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 2, box.y + box.height / 2, { steps: 4 });
  await page.mouse.up();
  await expect(summary).toContainText('at (150, 0)');
  await page.getByRole('button', { name: 'Center the crop' }).click();
  await expect(summary).toContainText('at (75, 0)');
  // Camera-motion suggestions append to (or replace the motion in) the prompt.
  await page.locator('#prompt').fill('a red circle');
  await page.locator('#camera-chips .chip', { hasText: 'the camera zooms in' }).click();
  await expect(page.locator('#prompt')).toHaveValue('a red circle, the camera zooms in');
  await page.locator('#camera-chips .chip', { hasText: 'the camera pans left' }).click();
  await expect(page.locator('#prompt')).toHaveValue('a red circle, the camera pans left');
  // The loaded (toy) model cannot do image-to-video: Generate says so instead of failing silently.
  await page.locator('#generate').click();
  await expect(page.locator('#form-error')).toContainText('Image-to-video is not supported by the loaded model');
  await expect(page.locator('#gen-status')).toHaveText('Nothing generated yet.');
  // The share link carries the model-resolution image; opening it restores exactly those pixels.
  const fitted = await fitPixels(page);
  await page.locator('#copy-link').click();
  const link = await page.locator('#share-url').inputValue();
  expect(link).toMatch(/&mode=i2v&.*&size=32x32&img=[A-Za-z0-9_-]+$/);
  const other = await browser.newPage();
  await serveToyModel(other);
  await other.goto(link);
  await expect(other.locator('#link-notice')).toContainText('Settings loaded from a shared link');
  await expect(other.getByLabel('Image to video')).toBeChecked();
  await expect(other.locator('#fit-summary')).toContainText('The photo from the link (32×32');
  expect(await fitPixels(other)).toEqual(fitted);
  await expect(other.locator('#prompt')).toHaveValue('a red circle, the camera pans left');
  await other.close();
});

test('image-to-video: paste and drop work; a file that is not an image gets a readable error', async ({ page }) => {
  await serveToyModel(page);
  await page.goto('/');
  const photo = await makePhoto(page, 120, 200);
  const send = (kind: 'paste' | 'drop', b64: string, type: string) =>
    page.evaluate(
      ([kind, b64, type]) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], 'x', { type }));
        if (kind === 'paste') document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true }));
        else document.getElementById('drop-zone')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      [kind, b64, type] as const,
    );
  await send('paste', photo.toString('base64'), 'image/png');
  await expect(page.getByLabel('Image to video')).toBeChecked(); // pasting a photo switches the mode
  await expect(page.locator('#fit-summary')).toContainText('120×200 → center crop 120×120 at (0, 40)');
  await send('drop', Buffer.from('not an image').toString('base64'), 'image/png');
  await expect(page.locator('#image-error')).toContainText('could not read image/png as an image');
  await send('drop', (await makePhoto(page, 64, 64)).toString('base64'), 'image/png');
  await expect(page.locator('#fit-summary')).toContainText('64×64 → no crop → resized to 32×32');
  await expect(page.locator('#image-error')).toHaveText('');
});
