// Issue #33, problem 6: hardening headers on the dev server (`vite preview` shares the same header object in
// vite.config.ts): no MIME sniffing, no Referer, no framing — on the page, a module, a worker script and a model file.
import { expect, test } from '@playwright/test';

const WANT = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' };

test('the dev server sends nosniff, Referrer-Policy and X-Frame-Options on every kind of response', async ({ request }) => {
  for (const path of ['/', '/src/app/main.ts', '/src/engine/worker.ts?worker_file&type=module', '/models/osp-v13-tiny/manifest.json']) {
    const res = await request.get(path, { headers: path.includes('worker') ? { 'Sec-Fetch-Dest': 'worker' } : {} });
    expect(res.status(), path).toBe(200);
    const h = res.headers();
    for (const [k, v] of Object.entries(WANT)) expect(h[k], `${path} ${k}`).toBe(v);
    expect(h['cross-origin-embedder-policy'], path).toBe('require-corp');
  }
});
