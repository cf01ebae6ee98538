import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KERNELS, type KernelRecord } from './registry';

const folderOf = (r: KernelRecord) => new URL(`./${r.name}/`, import.meta.url);

describe('kernel registry: each kernel is one folder', () => {
  for (const record of Object.values(KERNELS) as KernelRecord[]) {
    it(`${record.name}: shaders, wrapper, reference + its test, parity cases and e2e spec exist`, () => {
      const files = [...record.shaders, record.wrapper, 'kernel.json', 'parity.ts', 'params.ts'];
      if (record.prologue) files.push(...record.prologue);
      if (record.reference) files.push(record.reference, record.reference.replace(/\.ts$/, '.test.ts'));
      for (const f of files) expect(existsSync(new URL(f, folderOf(record))), `${record.name}/${f}`).toBe(true);
      expect(existsSync(new URL(`../../${record.e2e}`, import.meta.url)), record.e2e).toBe(true);
      expect(record.layout.length).toBeGreaterThan(20);
    });
  }
});

// Production code never imports a CPU reference, parity cases or test helpers (only tests, harnesses and benches do).
describe('production imports', () => {
  const root = new URL('../', import.meta.url);
  const testOnly = /(^|\/)(reference|chunk-reference|attention-distance|parity)\.ts$|\.test\.ts$/;
  const sources: string[] = [];
  const walk = (dir: URL, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(new URL(`${e.name}/`, dir), `${rel}${e.name}/`);
      else if (e.name.endsWith('.ts') && !testOnly.test(`${rel}${e.name}`)) sources.push(`${rel}${e.name}`);
    }
  };
  walk(root, '');
  it('finds the production sources', () => expect(sources.length).toBeGreaterThan(30));
  it('none imports a reference, parity cases or test-support', () => {
    const bad = sources.filter((f) => {
      const text = readFileSync(new URL(f, root), 'utf8');
      return [...text.matchAll(/^\s*(?:import|export)[^;]*?from\s+'([^']+)'/gm)].some(([, spec]) =>
        /(^|\/)(reference|chunk-reference|attention-distance|parity)$|test-support|test-data/.test(spec));
    });
    expect(bad).toEqual([]);
  });
});
