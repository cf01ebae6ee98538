import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { downloadVia } from './fixtures/app/toy-model';

// The offline image-to-video demo on the static build (dist/ behind `vite preview`), with the bundled model
// public/models/osp-v13-tiny (copied into dist/ by the build): one online visit installs the service worker (app
// shell) and stores the model in IndexedDB (src/models/idb-file-cache.ts); then, with the network off, a reload
// loads the model from the cache and turns a photo into an MP4, which ffmpeg decodes here.
// Runs with `npm run test:e2e:preview` (playwright.preview.config.ts).
test.describe.configure({ timeout: 300_000 });

/** A 240×160 photo (gradient + shapes), made by the browser as PNG bytes. */
async function photo(page: Page): Promise<Buffer> {
  const b64 = await page.evaluate(async () => {
    const c = new OffscreenCanvas(240, 160);
    const g = c.getContext('2d')!;
    const grad = g.createLinearGradient(0, 0, 240, 160);
    grad.addColorStop(0, '#1e3a8a');
    grad.addColorStop(1, '#f59e0b');
    g.fillStyle = grad;
    g.fillRect(0, 0, 240, 160);
    g.fillStyle = '#dc2626';
    g.beginPath();
    g.arc(120, 80, 45, 0, Math.PI * 2);
    g.fill();
    const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
    let s = '';
    for (const x of bytes) s += String.fromCharCode(x);
    return btoa(s);
  });
  return Buffer.from(b64, 'base64');
}

/** Decodes an MP4 with ffmpeg: frame count, size, and an md5 per decoded frame. */
function decode(mp4: Buffer): { frames: number; width: number; height: number; md5s: string[] } {
  mkdirSync('test-results/static-offline', { recursive: true });
  const file = 'test-results/static-offline/result.mp4';
  writeFileSync(file, mp4);
  const probe = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames,width,height', '-of', 'json', file], { encoding: 'utf8' });
  expect(probe.status, probe.stderr).toBe(0);
  const s = JSON.parse(probe.stdout).streams[0] as { nb_read_frames: string; width: number; height: number };
  const md5 = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'framemd5', '-'], { encoding: 'utf8' });
  expect(md5.status, md5.stderr).toBe(0);
  const md5s = md5.stdout.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(',').pop()!.trim());
  return { frames: Number(s.nb_read_frames), width: s.width, height: s.height, md5s };
}

test('offline image-to-video: after one online visit (service worker + model cached), a photo becomes an MP4 with the network off', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const modelRequests: string[] = [];
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.includes('/models/')) modelRequests.push(path);
  });

  // 1. Online: the app shell is precached, the model downloads (verified) and is stored.
  const manifest = (await (await page.request.get('/models/osp-v13-tiny/manifest.json')).json()) as { defaults: { width: number; height: number } };
  await page.goto('/');
  await expect.poll(() => page.evaluate(() => Boolean(navigator.serviceWorker.controller)), { timeout: 30_000 }).toBe(true);
  const status = page.locator('#model-status');
  await expect(status).toHaveAttribute('data-state', 'ready', { timeout: 180_000 });
  await expect(status).not.toContainText('could not be cached');
  await expect(page.locator('#model-detail')).toContainText('downloaded and cached');
  await expect(page.locator('#model-cache-size')).toContainText('Cached in this browser:');
  expect(modelRequests.length).toBeGreaterThan(0);

  // 2. Offline: reload; the page comes from the service worker, the model from IndexedDB — no model file is asked for.
  await context.setOffline(true);
  modelRequests.length = 0;
  const t0 = Date.now();
  await page.reload();
  await expect(page.locator('h1')).toHaveText('Open-Sora Plan Web');
  await expect(status).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
  console.log(`offline reload → model ready: ${Date.now() - t0} ms`);
  await expect(page.locator('#model-detail')).toContainText("from this browser's cache");
  await expect(page.locator('#model-detail')).not.toContainText('downloaded');
  expect(modelRequests.filter((p) => !p.endsWith('/manifest.json'))).toEqual([]);
  // What the cache path costs by itself: read every stored file and hash it (as loadFiles verifies each hit).
  const read = await page.evaluate(
    () =>
      new Promise<{ files: number; bytes: number; ms: number }>((resolve, reject) => {
        const t = performance.now();
        const req = indexedDB.open('osp-models');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const all = req.result.transaction('files').objectStore('files').getAll();
          all.onerror = () => reject(all.error);
          all.onsuccess = async () => {
            let bytes = 0;
            const blobs = (all.result as unknown[]).filter((v): v is Blob => v instanceof Blob && v.type !== 'application/json');
            for (const b of blobs) {
              await crypto.subtle.digest('SHA-256', await b.arrayBuffer());
              bytes += b.size;
            }
            resolve({ files: blobs.length, bytes, ms: performance.now() - t });
          };
        };
      }),
  );
  console.log(`model cache read + sha256: ${read.files} files, ${(read.bytes / 1e6).toFixed(1)} MB in ${read.ms.toFixed(0)} ms`);

  // 3. Image-to-video from a photo, still offline.
  await page.getByLabel('Image to video').check();
  await expect(page.locator('#i2v-support')).toBeHidden(); // the bundled model can
  await page.locator('#image-file').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: await photo(page) });
  const { width, height } = manifest.defaults;
  await expect(page.locator('#fit-summary')).toContainText(`240×160 → center crop 160×160 at (40, 0) → resized to ${width}×${height}`);
  await page.locator('#prompt').fill('the camera zooms in');
  await page.locator('#seed').fill('5');
  await page.locator('#steps').fill('2');
  await page.locator('#frames').selectOption('5');
  await page.locator('#generate').click();
  await expect(page.locator('#result-meta')).toContainText(`seed 5 · 2 steps`, { timeout: 240_000 });
  await expect(page.locator('#result-meta')).toContainText(`5 frames ${width}×${height}`);
  const { bytes } = await downloadVia(page, '#download');
  const video = decode(bytes);
  expect(video).toMatchObject({ frames: 5, width, height });
  expect(video.md5s).toHaveLength(5);
  expect(new Set(video.md5s).size).toBeGreaterThan(1); // a moving video, not one frame repeated
  await context.setOffline(false);
  await context.close();
});
