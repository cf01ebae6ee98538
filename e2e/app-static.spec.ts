import { expect, test } from '@playwright/test';
import { serveToyModel } from './fixtures/app/toy-model';

// The static build (dist/) behind `vite preview` (COOP/COEP sent) and behind a plain static server (no headers).
// Runs with `npm run test:e2e:preview` (playwright.preview.config.ts); the dev-server config ignores this file.
test.describe.configure({ timeout: 120_000 });

const PLAIN = `http://127.0.0.1:${process.env.OSP_E2E_PORT ? Number(process.env.OSP_E2E_PORT) + 92 : 5291}/`;

test('static build: the service worker precaches the app shell; with the network off the page still loads', async ({ page, context }) => {
  await page.goto('/');
  await expect(page.locator('#env-status')).toContainText('Cross-origin isolated');
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await expect.poll(() => page.evaluate(() => Boolean(navigator.serviceWorker.controller)), { timeout: 30_000 }).toBe(true);
  const cached = await page.evaluate(async () => {
    const names = await caches.keys();
    const shell = names.find((n) => n.startsWith('osp-shell-'));
    const keys = shell ? await (await caches.open(shell)).keys() : [];
    return keys.map((r) => new URL(r.url).pathname);
  });
  expect(cached).toEqual(expect.arrayContaining(['/', '/index.html', '/manifest.webmanifest', '/icons/icon.svg']));
  expect(cached.some((p) => /^\/assets\/index-.*\.js$/.test(p))).toBe(true);
  expect(cached.some((p) => /^\/assets\/worker-.*\.js$/.test(p))).toBe(true);
  expect(cached.some((p) => p.endsWith('.wasm'))).toBe(true);
  expect(cached.some((p) => p.startsWith('/models/'))).toBe(false);

  await context.setOffline(true);
  await page.reload();
  await expect(page.locator('h1')).toHaveText('Open-Sora Plan Web');
  await expect(page.locator('#gen-form')).toBeVisible();
  await expect(page.locator('#env-status')).toContainText('Cross-origin isolated');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  // The model with the network off (cached in IndexedDB on the first visit, which this test does not wait for):
  // e2e/app-static-offline.spec.ts.
  await context.setOffline(false);
});

test('static host without COOP/COEP: the service worker makes the page cross-origin isolated (one reload)', async ({ page }) => {
  await page.goto(PLAIN);
  // The page reloads itself once: evaluating during that navigation throws, so count it as "not yet".
  await expect.poll(() => page.evaluate(() => crossOriginIsolated).catch(() => false), { timeout: 30_000 }).toBe(true);
  await expect(page.locator('#env-status')).toContainText('Cross-origin isolated (through the service worker)');
  await expect(page.locator('#env-status')).toHaveAttribute('data-state', 'isolated');
});

test('static host without COOP/COEP and no service worker: a clear single-threaded fallback', async ({ browser }) => {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  await page.goto(PLAIN);
  await expect(page.locator('#env-status')).toHaveAttribute('data-state', 'single-threaded', { timeout: 30_000 });
  await expect(page.locator('#env-status')).toContainText('Single-threaded mode');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
  await context.close();
});

test('static build: the bundled worker, ORT wasm and WebCodecs generate a video (toy model)', async ({ browser }) => {
  // Service workers blocked so page.route can serve the test manifest.
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  await serveToyModel(page);
  await page.goto('/');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await page.locator('#steps').fill('2');
  await page.locator('#frames').selectOption('5');
  await page.locator('#generate').click();
  await expect(page.locator('#result-meta')).toContainText('5 frames 32×32', { timeout: 60_000 });
  await context.close();
});
