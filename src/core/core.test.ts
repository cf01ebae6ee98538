import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as errors from './errors';
import { GENERATION_MODES, MODE_NAMES } from './modes';

describe('src/core', () => {
  it('every error class sets name = its class name, and the name survives comlink-style rebuilding', () => {
    const classes = Object.entries(errors).filter(([, v]) => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Error);
    expect(classes.length).toBeGreaterThanOrEqual(13);
    for (const [key, C] of classes) {
      const e = new (C as new (m: string) => Error)('m');
      expect(e.name).toBe(key);
      // comlink's throw handler: { message, name, stack } → Object.assign(new Error(message), value).
      const rebuilt = Object.assign(new Error(e.message), { message: e.message, name: e.name, stack: e.stack });
      expect(errors.errorName(rebuilt)).toBe(key);
    }
  });
  it('the page shows the modes by their display names', () => {
    const html = readFileSync('index.html', 'utf8');
    expect(GENERATION_MODES).toEqual(Object.keys(MODE_NAMES));
    for (const m of ['t2v', 'i2v'] as const) expect(html).toContain(`value="${m}"${m === 't2v' ? ' checked' : ''} /> ${MODE_NAMES[m]}</label>`);
  });
});
