// Issue #33, problem 2: manifest paths that leave the model folder. Percent-encoded dots and tab-laden paths pass a
// literal ".." check, and the URL parser then turns them into ".." or "//host". The page's CSP is bypassed here (the
// case of a static host that sends no CSP header, the meta tag stripped by a proxy): nothing but the path rule
// (src/models/model-path.ts) stands between the manifest and a request outside the folder.
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { serveToyModel, toyManifest } from './fixtures/app/toy-model';
import { recordFamily } from './fixtures/bad-inputs/round-two';

test.use({ bypassCSP: true });
test.describe.configure({ timeout: 120_000 });

const PROBE = 'osp-outside-probe';
const corpus = JSON.parse(readFileSync('e2e/fixtures/bad-inputs/model-paths.json', 'utf8')) as { bad: string[] };

/** The tampered paths: each resolves outside /models/osp-v13-tiny/ with `new URL(path, folder)`. */
const CASES: { name: string; file: 'vocab' | 'vae'; path: string }[] = [
  { name: 'vocabulary (page fetch), %2e%2e', file: 'vocab', path: `%2e%2e/%2e%2e/${PROBE}-vocab.json` },
  { name: 'vocabulary (page fetch), .<TAB>.', file: 'vocab', path: `.\t./.\t./${PROBE}-vocab.json` },
  { name: 'VAE file (worker fetch), %2E%2E', file: 'vae', path: `%2E%2E/${PROBE}.json` },
  { name: 'VAE file (worker fetch), <TAB>/<TAB>/ → another origin', file: 'vae', path: `\t/\t/127.0.0.1:5594/${PROBE}.json` },
];

test('no request for a model file leaves the model folder, with the CSP out of the way', async ({ page, context }) => {
  const results: { input: string; handled: boolean; message: string }[] = [];
  const requests: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  for (const c of CASES) {
    const m = structuredClone(toyManifest());
    if (c.file === 'vocab') {
      m.files.find((f) => f.path === 'vocab.json')!.path = c.path;
      m.tokenizer!.vocab = c.path;
    } else {
      const f = m.files.find((x) => x.path.endsWith('.json') && x.path !== 'vocab.json' && !m.files.some((g) => g.externalData?.includes(x.path)));
      f!.path = c.path;
    }
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    await serveToyModel(page, { manifest: m });
    requests.length = 0;
    await page.goto('/');
    const status = page.locator('#model-status');
    await expect(status).toHaveAttribute('data-state', /error|ready|limited/, { timeout: 60_000 });
    const message = `${await status.textContent()} ${await page.locator('#model-detail').textContent()}`;
    const outside = requests.filter((u) => u.includes(PROBE));
    results.push({ input: c.name, handled: outside.length === 0 && /inside the model folder/.test(message), message: message.trim().slice(0, 200) });
    expect(outside, c.name).toEqual([]);
    expect(message, c.name).toContain('inside the model folder');
  }
  recordFamily('encoded-model-paths', 'manifest file paths that the URL parser turns into ".." or "//host" (page with CSP bypassed)', results);
  expect(corpus.bad.length).toBeGreaterThan(20); // the unit/Python tests run the whole corpus through the same rule
});
