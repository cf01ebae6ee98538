import { expect, test } from '@playwright/test';
import { metaPolicy } from './fixtures/bad-inputs/csp';
import { ENGINE_WORKER_URL, engineWorker, probeWorkerEval } from './fixtures/app/worker-csp';

// The engine worker's CSP on a plain static host (issue #7, item 6): the server of playwright.preview.config.ts on
// the preview port + 1 sends no headers at all, so the worker's policy can only come from the service worker
// (src/sw/sw.js adds the page's policy to the worker scripts it serves). The dev server: e2e/security-worker-csp.spec.ts.
// Runs with `npm run test:e2e:preview`.
test.describe.configure({ timeout: 300_000 });

test('engine worker (static build, plain host): served by the service worker with the page CSP — eval throws inside it, and it generates', async ({ page }) => {
  const base = new URL(test.info().project.use.baseURL!);
  base.port = String(Number(base.port) + 1);
  const raw = await page.request.get(base.href);
  const policy = metaPolicy(await raw.text())!.replace(/\s+/g, ' ').trim();
  expect(raw.headers()['content-security-policy']).toBeUndefined(); // the host itself sends none

  const scripts: { fromSw: boolean; csp?: string }[] = [];
  page.on('response', async (r) => {
    if (ENGINE_WORKER_URL.test(r.url())) scripts.push({ fromSw: r.fromServiceWorker(), csp: (await r.allHeaders())['content-security-policy'] });
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(base.href);
  // The page reloads once to be served (COOP/COEP) by the service worker; the engine worker then comes through it.
  await expect.poll(() => page.evaluate(() => Boolean(navigator.serviceWorker.controller) && crossOriginIsolated).catch(() => false), { timeout: 60_000 }).toBe(true);
  const status = page.locator('#model-status');
  await expect(status).toHaveAttribute('data-state', 'ready', { timeout: 180_000 });
  await expect(page.locator('#model-detail')).toContainText(/WASM \(\d+ threads?\)/);
  const worker = await engineWorker(page);
  const probe = await probeWorkerEval(worker);
  expect(probe).toMatchObject({ fn: 'EvalError', eval: 'EvalError', crossOriginIsolated: true });
  // The policy came with the worker script, from the service worker.
  const viaSw = scripts.filter((s) => s.fromSw);
  expect(viaSw.length).toBeGreaterThan(0);
  expect(viaSw.at(-1)!.csp).toBe(policy);


  await page.locator('#prompt').fill('a red ball');
  await page.locator('#steps').fill('2');
  await page.locator('#frames').selectOption('5');
  await page.locator('#generate').click();
  await expect(page.locator('#result-meta')).toContainText('2 steps', { timeout: 240_000 });
  await expect(page.locator('#result-meta')).toContainText('5 frames');
  expect(errors).toEqual([]);
});
