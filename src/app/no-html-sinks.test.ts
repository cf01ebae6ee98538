// The playground never turns text into HTML: no innerHTML/outerHTML/insertAdjacentHTML/document.write/eval in
// src/app (user and link text is shown with textContent, form values and text nodes).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('src/app has no HTML sinks', () => {
  it('no innerHTML, outerHTML, insertAdjacentHTML, document.write, eval or new Function', () => {
    const dir = join(import.meta.dirname, '.');
    const offenders: string[] = [];
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts'))) {
      const src = readFileSync(join(dir, f), 'utf8');
      for (const re of [/\.innerHTML\b/, /\.outerHTML\b/, /insertAdjacentHTML/, /document\.write/, /\beval\(/, /new Function\(/, /createContextualFragment/]) {
        if (re.test(src)) offenders.push(`${f}: ${re}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
