// Issue #33, problems 1 and 6 (links): a share link of a few KB whose images decode to hundreds of millions of pixels
// (1-bit PNGs of zeros, IHDR matching size/keep), a link whose image is damaged, and links asking for more steps or
// frames than the model makes. Measured per link: the page's memory (RSS of the renderer and GPU processes, read from
// /proc for the processes Chromium reports) and the longest main-thread task (a long-task observer; the gap of a 10 ms
// timer is reported too, but on this shared 2-core machine it also counts time the process was simply not scheduled).
import { expect, test, type Browser, type CDPSession, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { serveToyModel } from './fixtures/app/toy-model';
import { b64url, bitPng } from './fixtures/bad-inputs/png-bomb';
import { recordFamily, type CaseResult } from './fixtures/bad-inputs/round-two';

test.describe.configure({ timeout: 240_000 });

const MB = 2 ** 20;
const base = (o: Record<string, string>) =>
  new URLSearchParams({ v: '1', model: 'osp-v13-tiny', mh: 'a'.repeat(64), p: 'LINK PROMPT', np: '', seed: '1', steps: '4', cfg: '3', ...o }).toString();

const BOMBS: { name: string; hash: string }[] = [
  { name: 'continuation strip 1024×65536 (64 kept frames of 1024²)', hash: base({ mode: 'continuation', frames: '65', size: '1024x1024', keep: '64', vid: b64url(bitPng(1024, 1024 * 64)) }) },
  { name: 'continuation strip 512×(512·200)', hash: base({ mode: 'continuation', frames: '201', size: '512x512', keep: '200', vid: b64url(bitPng(512, 512 * 200)) }) },
  { name: 'image-to-video 4096×4096', hash: base({ mode: 'i2v', frames: '9', size: '4096x4096', img: b64url(bitPng(4096, 4096)) }) },
  { name: 'transition 2048×2048 ×2', hash: base({ mode: 'transition', frames: '9', size: '2048x2048', img: b64url(bitPng(2048, 2048)), end: b64url(bitPng(2048, 2048)) }) },
];

async function rssMb(browser: Browser, cdp: CDPSession): Promise<number> {
  const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
  let kb = 0;
  for (const p of processInfo.filter((x) => x.type === 'renderer' || x.type === 'GPU')) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.id}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* the process just exited */
    }
  }
  void browser;
  return kb / 1024;
}

/** Opens `hash` on the loaded page; returns peak memory above the baseline and the longest main-thread gap. */
async function openLink(page: Page, browser: Browser, cdp: CDPSession, hash: string): Promise<{ peakMb: number; gapMs: number; longestMs: number; notice: string; state: string }> {
  await page.evaluate(() => {
    const w = window as unknown as { __gap: number; __longest: number };
    w.__gap = 0;
    w.__longest = 0;
  });
  await page.waitForTimeout(300);
  const before = await rssMb(browser, cdp);
  let peak = before;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await rssMb(browser, cdp));
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  await page.evaluate((h) => {
    document.getElementById('link-notice')!.removeAttribute('data-state');
    history.replaceState(null, '', '#'); // so that the same link can be opened again (a hashchange)
    location.hash = h;
  }, hash);
  await expect(page.locator('#link-notice')).toHaveAttribute('data-state', /.+/, { timeout: 30_000 });
  await page.waitForTimeout(1500); // decoding (if any) and its garbage settle
  sampling = false;
  await sampler;
  const { gapMs, longestMs } = await page.evaluate(() => {
    const w = window as unknown as { __gap: number; __longest: number };
    return { gapMs: w.__gap, longestMs: w.__longest };
  });
  return { peakMb: peak - before, gapMs, longestMs, notice: (await page.locator('#link-notice').textContent()) ?? '', state: (await page.locator('#link-notice').getAttribute('data-state')) ?? '' };
}

test('decompression-bomb links are refused before decoding: memory and main thread stay free; damaged and out-of-range links', async ({ page, browser }) => {
  await page.addInitScript(() => {
    const w = window as unknown as { __gap: number; __longest: number };
    w.__gap = 0;
    w.__longest = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longest = Math.max(w.__longest, e.duration);
    }).observe({ type: 'longtask', buffered: false });
    let last = performance.now();
    setInterval(() => {
      const now = performance.now();
      w.__gap = Math.max(w.__gap, now - last);
      last = now;
    }, 10);
  });
  await serveToyModel(page);
  await page.goto('/');
  await expect(page.locator('#model-status')).toHaveAttribute('data-state', 'ready', { timeout: 150_000 });
  const cdp = await browser.newBrowserCDPSession();
  const results: CaseResult[] = [];
  const figures: string[] = [];

  for (const b of BOMBS) {
    expect(b.hash.length, 'a bomb link is small').toBeLessThan(40_000);
    // The machine is shared (load 5–10 on 2 cores): a task can stretch because the process was not scheduled. A link
    // that really blocks the main thread blocks it on every try, so the best of up to 3 tries is what is judged.
    let r = await openLink(page, browser, cdp, b.hash);
    for (let i = 1; i < 3 && r.longestMs >= 200; i++) {
      const again = await openLink(page, browser, cdp, b.hash);
      r = { ...again, peakMb: Math.max(r.peakMb, again.peakMb) };
    }
    figures.push(`${b.name}: link ${b.hash.length} chars, +${r.peakMb.toFixed(0)} MB peak, longest main-thread task ${r.longestMs.toFixed(0)} ms (timer gap ${r.gapMs.toFixed(0)} ms)`);
    const handled = r.state === 'error' && /would decode to/.test(r.notice) && r.peakMb < 200 && r.longestMs < 200;
    results.push({ input: b.name, handled, message: `${r.notice} [+${r.peakMb.toFixed(0)} MB, longest task ${r.longestMs.toFixed(0)} ms]` });
    expect(r.state, b.name).toBe('error');
    expect(r.notice, b.name).toMatch(/would decode to [\d,]+ pixels/);
    expect(r.peakMb, `${b.name}: page memory above baseline (MB)`).toBeLessThan(200);
    expect(r.longestMs, `${b.name}: longest main-thread task (ms)`).toBeLessThan(200);
  }
  console.log(figures.join('\n'));

  // A link whose image fails to decode is refused and applies nothing (the prompt field keeps what was typed).
  await page.locator('#prompt').fill('typed before the link');
  const damaged = base({ mode: 'i2v', frames: '9', size: '32x32', img: b64url(bitPng(32, 32, true)) });
  const d = await openLink(page, browser, cdp, damaged);
  const promptAfter = await page.locator('#prompt').inputValue();
  results.push({ input: 'image-to-video link, PNG pixel data damaged (IHDR valid)', handled: d.state === 'error' && promptAfter === 'typed before the link', message: d.notice });
  expect(d.state).toBe('error');
  expect(d.notice).toContain('could not be read as an image');
  expect(promptAfter, 'a refused link fills nothing in').toBe('typed before the link');

  // Steps and frames beyond the model: filled in with a warning and brought into range (not left to fail later).
  const over = base({ mode: 't2v', steps: '1000', frames: '1000', size: '32x32' });
  const o = await openLink(page, browser, cdp, over);
  const steps = Number(await page.locator('#steps').inputValue());
  const maxSteps = Number(await page.locator('#steps').getAttribute('max'));
  const frames = await page.locator('#frames').inputValue();
  const frameOptions = await page.locator('#frames option').evaluateAll((os) => os.map((x) => (x as HTMLOptionElement).value));
  const inRange = steps <= maxSteps && frameOptions.includes(frames) && Number(frames) < 1000;
  results.push({ input: 'steps 1000 and frames 1000 (more than the model makes)', handled: o.state === 'warn' && inRange, message: o.notice });
  expect(o.state).toBe('warn');
  expect(o.notice).toMatch(/1000 steps.*at most/);
  expect(o.notice).toMatch(/1000 frames, which .* does not make/);
  expect(steps).toBeLessThanOrEqual(maxSteps);
  expect(frameOptions).toContain(frames);
  expect(frameOptions.filter((f) => f === '1000')).toEqual([]); // no option was invented for it
  recordFamily('decompression-bomb-links', 'share links: decompression-bomb PNGs (1-bit, IHDR matching size/keep), a damaged PNG, steps/frames beyond the model', results);
});
