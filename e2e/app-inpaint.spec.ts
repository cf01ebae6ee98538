import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { resultFrameHashes, serveDevDitModel } from './fixtures/app/toy-model';

// The playground's transition (first + last frame) and continuation (the start of a video) on the real pipeline: the
// dev DiT export (random weights, real architecture + inpaint graphs) and the trained VAE, wasm, 5 frames at 32×32.
// Each generates, lands in the history with its mode, and its share link reproduces the same frames in a fresh context.
test.describe.configure({ timeout: 300_000, retries: 1 });

async function png(page: Page, w: number, h: number, colours: [string, string]): Promise<Buffer> {
  const b64 = await page.evaluate(async ([w, h, a, b]) => {
    const c = new OffscreenCanvas(w, h);
    const g = c.getContext('2d')!;
    g.fillStyle = a;
    g.fillRect(0, 0, w, h);
    g.fillStyle = b;
    g.fillRect(w * 0.3, h * 0.25, w * 0.3, h * 0.5);
    const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
    let s = '';
    for (const x of bytes) s += String.fromCharCode(x);
    return btoa(s);
  }, [w, h, ...colours] as const);
  return Buffer.from(b64, 'base64');
}

function clip(): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'osp-app-clip-'));
  const r = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=8', '-frames:v', '6', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', `${dir}/c.mp4`]);
  expect(r.status, String(r.stderr)).toBe(0);
  return readFileSync(`${dir}/c.mp4`);
}

async function ready(page: Page): Promise<void> {
  await serveDevDitModel(page);
  await page.goto('/');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
}

async function reproduce(browser: Browser, link: string, kindLabel: string, hashes: string[]): Promise<void> {
  const b = await browser.newContext();
  const pb = await b.newPage();
  await serveDevDitModel(pb);
  await pb.goto(link);
  await expect(pb.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
  await expect(pb.locator('#link-notice')).toHaveAttribute('data-state', 'ok');
  await expect(pb.getByLabel(kindLabel)).toBeChecked();
  await pb.locator('#generate').click();
  await expect(pb.locator('#result-meta')).toContainText('seed 5', { timeout: 180_000 });
  expect((await resultFrameHashes(pb)).hashes).toEqual(hashes);
  await b.close();
}

test('transition: first + last photo, the last one cropped with the keyboard; history says so; the link reproduces the frames', async ({ browser }) => {
  const a = await browser.newContext();
  const page = await a.newPage();
  await ready(page);
  await page.getByLabel('Image to video').check();
  await page.getByLabel('First and last frame (a transition)').check();
  await expect(page.locator('#end-section')).toBeVisible();
  await expect(page.locator('#video-section')).toBeHidden();
  await expect(page.locator('#end-crop')).toBeHidden(); // no last frame yet: no empty crop view
  await page.locator('#image-file').setInputFiles({ name: 'a.png', mimeType: 'image/png', buffer: await png(page, 160, 100, ['#0ea5e9', '#dc2626']) });
  await expect(page.locator('#fit-summary')).toContainText('160×100 → center crop 100×100 at (30, 0) → resized to 32×32');
  await page.locator('#seed').fill('5');
  await page.locator('#generate').click();
  await expect(page.locator('#form-error')).toHaveText(/Add the last frame first/); // readable, nothing runs
  await page.locator('#end-file').setInputFiles({ name: 'b.png', mimeType: 'image/png', buffer: await png(page, 100, 200, ['#facc15', '#16a34a']) });
  const summary = page.locator('#end-summary');
  await expect(summary).toHaveText('Last frame: 100×200 → center crop 100×100 at (0, 50) → resized to 32×32.');
  await page.locator('#end-crop').focus();
  await page.keyboard.press('ArrowDown');
  await expect(summary).toContainText('crop 100×100 at (0, 60)');
  await page.getByRole('button', { name: 'Center the crop of the last frame' }).click();
  await expect(summary).toContainText('at (0, 50)');
  await page.locator('#end-drop').dispatchEvent('drop', { dataTransfer: await page.evaluateHandle(() => { const d = new DataTransfer(); d.items.add(new File(['nope'], 'x.png', { type: 'image/png' })); return d; }) });
  await expect(page.locator('#end-error')).toContainText('could not read image/png as an image');
  await expect(summary).toContainText('at (0, 50)'); // the previous last frame is kept
  await page.locator('#generate').click();
  await expect(page.locator('#result-meta')).toContainText('seed 5 · 2 steps · CFG 4.5 · 5 frames 32×32', { timeout: 180_000 });
  const original = await resultFrameHashes(page);
  expect(original.frames).toBe(5);
  await expect(page.locator('#history-list .card .muted').first()).toContainText('transition · ', { timeout: 20_000 });
  await page.locator('#result-copy-link').click();
  const link = await page.locator('#share-url').inputValue();
  expect(link).toMatch(/&mode=transition&.*&img=[A-Za-z0-9_-]+&end=[A-Za-z0-9_-]+$/);
  await a.close();
  await reproduce(browser, link, 'First and last frame (a transition)', original.hashes);
});

test('continuation: a clip decoded in the page, one crop for every kept frame, frames to keep; history and link carry it', async ({ browser }) => {
  const a = await browser.newContext();
  const page = await a.newPage();
  await ready(page);
  await page.getByLabel('Image to video').check();
  await page.getByLabel('The start of a video (continue it)').check();
  await expect(page.locator('#first-frame-inputs')).toBeHidden();
  await expect(page.locator('#video-crop')).toBeHidden();
  await page.locator('#video-file').setInputFiles({ name: 'not-a-video.mp4', mimeType: 'video/mp4', buffer: Buffer.from('definitely not a video') });
  await expect(page.locator('#video-error')).toContainText(/could not read that file as a video|no video track/);
  await page.locator('#video-file').setInputFiles({ name: 'clip.mp4', mimeType: 'video/mp4', buffer: clip() });
  const summary = page.locator('#video-summary');
  await expect(summary).toHaveText('Kept: 2 frames of a 96×64 clip → crop 64×64 at (16, 0) → resized to 32×32.'); // ⌊5/2⌋
  await expect(page.locator('#video-error')).toHaveText('');
  await page.locator('#video-crop').focus();
  await page.keyboard.press('ArrowLeft');
  await expect(summary).toContainText('crop 64×64 at (11, 0)');
  await page.locator('#keep-frames').selectOption('3');
  await expect(summary).toContainText('Kept: 3 frames');
  await expect(page.locator('#keep-help')).toContainText('the first 3 come from the video');
  expect(await page.locator('#keep-frames option').count()).toBe(4); // 1 … frames − 1
  await page.locator('#seed').fill('5');
  await page.locator('#generate').click();
  await expect(page.locator('#result-meta')).toContainText('seed 5 · 2 steps · CFG 4.5 · 5 frames 32×32', { timeout: 180_000 });
  const original = await resultFrameHashes(page);
  await expect(page.locator('#history-list .card .muted').first()).toContainText('continuation · ', { timeout: 20_000 });
  await page.locator('#result-copy-link').click();
  const link = await page.locator('#share-url').inputValue();
  expect(link).toMatch(/&mode=continuation&.*&vid=[A-Za-z0-9_-]+&keep=3$/);
  // Re-opening the history entry restores the kept frames exactly.
  await page.locator('#history-list .card').first().getByRole('button', { name: /^Open/ }).click();
  await expect(summary).toContainText('3 frames from the link (32×32');
  await a.close();
  await reproduce(browser, link, 'The start of a video (continue it)', original.hashes);
});
