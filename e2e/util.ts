import type { Page } from '@playwright/test';

/**
 * Opens the blank harness page and runs `fnName(arg)` exported by a harness module (a TS file under e2e/harness/,
 * compiled on the fly by Vite), returning its JSON-serialisable result.
 */
export async function runInHarness<T>(page: Page, modulePath: string, fnName: string, arg?: unknown): Promise<T> {
  if (!page.url().endsWith('/e2e/harness.html')) await page.goto('/e2e/harness.html');
  return page.evaluate(
    async ({ modulePath, fnName, arg }) => {
      const mod = await import(/* @vite-ignore */ modulePath);
      return mod[fnName](arg);
    },
    { modulePath, fnName, arg },
  ) as Promise<T>;
}

/** Forwards browser console errors to the test log so a failing kernel shows its WGSL validation messages. */
export function pipeConsole(page: Page): void {
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') console.log(`[browser ${m.type()}] ${m.text()}`);
  });
  page.on('pageerror', (e) => console.log(`[browser pageerror] ${e.message}`));
}
