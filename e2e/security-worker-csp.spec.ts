import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { serveToyModel, watchErrors } from './fixtures/app/toy-model';
import { metaPolicy } from './fixtures/bad-inputs/csp';
import { ENGINE_WORKER_URL, engineWorker, probeWorkerEval } from './fixtures/app/worker-csp';

// The engine worker's own CSP on the dev server (issue #7, item 6). A same-origin dedicated worker does not inherit
// the page's meta policy: it takes the CSP of its own script response, so vite.config.ts sends the page's policy as a
// header on worker scripts. Without it, code in the worker could eval strings. The static build (service worker) is
// checked in e2e/app-static-worker-csp.spec.ts.
test.describe.configure({ timeout: 150_000 });

/** Generates with the toy model (2 steps) and waits for the result. */
async function generates(page: Page): Promise<void> {
  await page.locator('#steps').fill('2');
  await page.locator('#generate').click();
  await expect(page.locator('#result-figure')).toBeVisible({ timeout: 90_000 });
  await expect(page.locator('#gen-status')).toContainText('Done');
}

const policyOf = async (request: APIRequestContext) => {
  const meta = metaPolicy(await (await request.get('/')).text());
  expect(meta).not.toBeNull();
  return meta!.replace(/\s+/g, ' ').trim();
};

test('engine worker (dev server): its script response carries the page CSP, eval / new Function throw inside it, and a generation works', async ({ page, request }) => {
  const errors = watchErrors(page);
  const policy = await policyOf(request);
  const workerScript = page.waitForResponse((r) => ENGINE_WORKER_URL.test(r.url()), { timeout: 60_000 });
  await serveToyModel(page);
  await page.goto('/');
  // The browser's own request for the worker script got exactly the page's policy (the server sends it only when
  // the request says Sec-Fetch-Dest: worker, which Playwright does not list among the request's headers).
  const script = await workerScript;
  expect((await script.allHeaders())['content-security-policy']).toBe(policy);
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 90_000 });

  const probe = await probeWorkerEval(await engineWorker(page));
  expect(probe).toMatchObject({ fn: 'EvalError', eval: 'EvalError', crossOriginIsolated: true });
  expect(probe.violations).toEqual(['script-src', 'script-src']);
  await generates(page);
  // Vite's dev client cannot always open its (disabled) HMR socket while a route is installed: tooling, not the app.
  expect(errors.filter((e) => !e.startsWith('console: [vite] failed to connect to websocket'))).toEqual([]);
});

test('engine worker (dev server): ORT starts its WASM threads under the worker CSP', async ({ page, request }) => {
  const errors = watchErrors(page);
  const policy = await policyOf(request);
  // The worker is told it has 4 cores (a line put in front of its script, served with the server's own headers, CSP
  // included) so that ORT must start 4 WASM threads (src/models/wasm-threads.ts) whatever this machine has.
  // Interception happens before the browser adds Sec-Fetch-Dest, so it is forwarded as the browser sends it.
  const served: Record<string, string>[] = [];
  await page.route(ENGINE_WORKER_URL, async (route) => {
    const res = await route.fetch({ headers: { ...(await route.request().allHeaders()), 'sec-fetch-dest': 'worker' } });
    served.push(res.headers());
    const fourCores = "Object.defineProperty(WorkerNavigator.prototype, 'hardwareConcurrency', { get: () => 4 });\n";
    await route.fulfill({ response: res, body: fourCores + (await res.text()) });
  });
  await serveToyModel(page);
  await page.goto('/');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 90_000 });
  expect(served[0]['content-security-policy']).toBe(policy);
  // 'wasm-unsafe-eval' and worker-src 'self' blob: are what ORT's threaded WASM needs: it loads on 4 threads.
  await expect(page.locator('#model-detail')).toContainText('WASM (4 threads)');
  const probe = await probeWorkerEval(await engineWorker(page));
  expect(probe).toMatchObject({ fn: 'EvalError', eval: 'EvalError', crossOriginIsolated: true, hardwareConcurrency: 4 });
  await generates(page);
  // Vite's dev client cannot always open its (disabled) HMR socket while a route is installed: tooling, not the app.
  expect(errors.filter((e) => !e.startsWith('console: [vite] failed to connect to websocket'))).toEqual([]);
});
