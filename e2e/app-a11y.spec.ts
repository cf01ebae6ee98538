import { expect, test } from '@playwright/test';
import { serveToyModel } from './fixtures/app/toy-model';

test.describe.configure({ timeout: 120_000 });

test('quality: every control is labelled, the tab order follows the form, live regions exist, and keyboard alone can generate', async ({ page }) => {
  await serveToyModel(page);
  await page.goto('/');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('input, select, textarea, button, canvas[tabindex]')]
      .filter((e) => {
        const labels = (e as HTMLInputElement).labels;
        const name = (labels && labels.length ? [...labels].map((l) => l.textContent).join(' ') : '') || e.getAttribute('aria-label') || (e.tagName === 'BUTTON' ? e.textContent : '') || e.getAttribute('aria-labelledby');
        return !name || !name.trim();
      })
      .map((e) => e.id || e.outerHTML.slice(0, 60)),
  );
  expect(unlabelled).toEqual([]);
  for (const id of ['model-status', 'gen-announce', 'history-status', 'link-notice', 'prompt-words', 'share-status']) {
    await expect(page.locator(`#${id}`)).toHaveAttribute('aria-live', 'polite');
  }
  await expect(page.locator('#form-error')).toHaveAttribute('role', 'alert');

  // Tab order: skip link first, then the form in reading order.
  const order: string[] = [];
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('Tab');
    order.push(await page.evaluate(() => document.activeElement?.id || (document.activeElement as HTMLInputElement | null)?.name || document.activeElement?.className || ''));
  }
  expect(order[0]).toBe('skip');
  const want = ['mode', 'prompt', 'negative', 'seed', 'dice', 'steps', 'cfg', 'frames', 'backend', 'generate', 'copy-link'];
  const positions = want.map((w) => order.indexOf(w));
  expect(positions.every((p) => p >= 0), `${order.join(', ')}`).toBe(true);
  expect([...positions].sort((a, b) => a - b)).toEqual(positions);

  // Keyboard only: type a prompt, pick a chip with Enter, generate with Enter.
  await page.locator('#prompt').focus();
  await page.keyboard.type('a red circle');
  await page.locator('#steps').focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('2');
  await page.locator('#generate').focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#result-figure')).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('#result-meta')).toContainText('2 steps');
  // Screen readers hear one message per stage, not one per step.
  await expect(page.locator('#gen-announce')).toHaveText('Done: the video is ready (9 frames).');
});

test('quality: the Content-Security-Policy blocks inline scripts and eval (ORT keeps wasm-unsafe-eval)', async ({ page }) => {
  await page.goto('/');
  const r = await page.evaluate(async () => {
    const w = window as unknown as { inlineRan?: number };
    const violation = new Promise<string>((resolve) => document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective), { once: true }));
    const s = document.createElement('script');
    s.textContent = 'window.inlineRan = 1';
    document.body.append(s);
    const directive = await violation;
    let evalBlocked = false;
    try {
      // eslint-disable-next-line no-new-func
      new Function('return 1')();
    } catch {
      evalBlocked = true;
    }
    const wasm = await WebAssembly.instantiate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).then(() => true, () => false);
    return { directive, inlineRan: w.inlineRan ?? 0, evalBlocked, wasm, meta: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '' };
  });
  expect(r.directive).toBe('script-src-elem');
  expect(r.inlineRan).toBe(0);
  expect(r.evalBlocked).toBe(true);
  expect(r.wasm).toBe(true);
  expect(r.meta).not.toMatch(/unsafe-inline|'unsafe-eval'/);
});
