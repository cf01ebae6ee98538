import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect, test, type Page, type Route } from '@playwright/test';
import type { ModelManifest } from '../src/models/manifest';
import { serveToyModel, toyManifest } from './fixtures/app/toy-model';

// Corrupt and partial model files in the real page + worker (toy denoiser, real VAE files, sha256-verified loader):
// the server's answers are replaced with page.route. Each case: a clear message, nothing bad kept, the retry works.
test.describe.configure({ timeout: 120_000 });

const DIR = '**/models/osp-v13-tiny/';
const WEIGHTS = 'vae_decoder.weights';

async function waitState(page: Page, state: string): Promise<void> {
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', state, { timeout: 60_000 });
}

/** Serves `manifest` for the model folder (a later route wins over serveToyModel's); returns a setter. */
async function serveManifest(page: Page, manifest: ModelManifest): Promise<(m: ModelManifest) => void> {
  let current = manifest;
  await page.route(`${DIR}manifest.json`, (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(current) }));
  return (m) => {
    current = m;
  };
}

/** Replaces the body of the first `times` responses for `file` (Infinity = all) with `mangle(body)`. */
async function mangle(page: Page, file: string, times: number, fn: (b: Buffer) => Buffer): Promise<{ requests: () => number }> {
  let n = 0;
  await page.route(`${DIR}${file}`, async (route: Route) => {
    n++;
    const res = await route.fetch();
    if (n > times) return route.fulfill({ response: res });
    return route.fulfill({ response: res, body: fn(await res.body()) });
  });
  return { requests: () => n };
}

const flipByte = (b: Buffer) => {
  const c = Buffer.from(b);
  c[c.length >> 1] ^= 0x5a;
  return c;
};

test('weights: flipped bytes once → the loader re-downloads (past the caches) by itself, the model loads and generates', async ({ page }) => {
  await serveToyModel(page);
  const m = await mangle(page, WEIGHTS, 1, flipByte);
  await page.goto('/');
  await waitState(page, 'ready');
  expect(m.requests()).toBe(2);
  await page.locator('#steps').fill('2');
  await page.locator('#generate').click();
  await expect(page.locator('#result-meta')).toContainText('seed', { timeout: 60_000 });
});

test('weights: a truncated download every time → a clear error, the bad cached copy is discarded, Retry works once the server is fixed', async ({ page }) => {
  await serveToyModel(page);
  // A bad copy in Cache Storage, as the service worker would keep it: it must be thrown away.
  await page.goto('/e2e/harness.html');
  const weightsUrl = new URL(`/models/osp-v13-tiny/${WEIGHTS}`, page.url()).href;
  await page.evaluate(async (url) => {
    const c = await caches.open('osp-runtime-test');
    await c.put(url, new Response(new Uint8Array([1, 2, 3])));
  }, weightsUrl);
  const m = await mangle(page, WEIGHTS, Infinity, (b) => b.subarray(0, b.length >> 1));
  await page.goto('/');
  await waitState(page, 'error');
  await expect(page.locator('#model-status')).toContainText('failed their integrity check');
  await expect(page.locator('#model-detail')).toContainText(/vae_decoder\.weights has \d+ bytes, the manifest lists \d+ \(a truncated download\?\)/);
  await expect(page.locator('#model-detail')).toContainText('downloaded twice');
  expect(m.requests()).toBe(2);
  expect(await page.evaluate((url) => caches.match(url).then((r) => r !== undefined), weightsUrl)).toBe(false);
  await expect(page.locator('#generate')).toBeDisabled();
  await page.unroute(`${DIR}${WEIGHTS}`);
  await page.locator('#model-retry').click();
  await waitState(page, 'ready');
  await expect(page.locator('#model-retry')).toBeHidden();
});

test('weights: the manifest lists a file the server lacks → "missing on the server"; without a needed file → a manifest error; both recover on Retry', async ({ page }) => {
  await serveToyModel(page);
  const good = toyManifest();
  const setManifest = await serveManifest(page, good);
  // 1. Listed, but 404 on the server.
  await page.route(`${DIR}${WEIGHTS}`, (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.goto('/');
  await waitState(page, 'missing');
  await expect(page.locator('#model-status')).toContainText('some files of “osp-v13-tiny” are missing on the server');
  await expect(page.locator('#model-detail')).toContainText('vae_decoder.weights is listed in the manifest but missing on the server (HTTP 404)');
  await page.unroute(`${DIR}${WEIGHTS}`);
  // 2. The manifest itself lacks a file the engine needs (the chunk schedule).
  setManifest({ ...good, files: good.files.filter((f) => f.role !== 'vae-decoder-chunk-schedule') });
  await page.locator('#model-retry').click();
  await waitState(page, 'error');
  await expect(page.locator('#model-detail')).toContainText(/ManifestError: .*vae-decoder-chunk-schedule/);
  setManifest(good);
  await page.locator('#model-retry').click();
  await waitState(page, 'ready');
});

test('weights: a valid ONNX graph with the wrong input shapes (sha256 matches its manifest) → refused at load, Retry with the right file works', async ({ page }) => {
  await serveToyModel(page);
  const good = toyManifest();
  const wrong = readFileSync('e2e/fixtures/reliability/wrong_shape_chunk.onnx');
  const sha = createHash('sha256').update(wrong).digest('hex');
  const bad: ModelManifest = { ...good, files: good.files.map((f) => (f.role === 'vae-decoder-chunk' ? { ...f, bytes: wrong.length, sha256: sha } : f)) };
  const setManifest = await serveManifest(page, bad);
  await page.route(`${DIR}vae_decoder_chunk.onnx`, (route) => route.fulfill({ status: 200, contentType: 'application/octet-stream', body: wrong }));
  await page.goto('/');
  await waitState(page, 'error');
  await expect(page.locator('#model-detail')).toContainText('ModelMismatchError: vae_decoder_chunk.onnx does not fit this engine');
  await expect(page.locator('#model-detail')).toContainText('input latent is [1, 4, t, h, w], the engine needs [1, 8, ?, ?, ?]');
  await expect(page.locator('#generate')).toBeDisabled();
  await page.unroute(`${DIR}vae_decoder_chunk.onnx`);
  setManifest(good);
  await page.locator('#model-retry').click();
  await waitState(page, 'ready');
});
