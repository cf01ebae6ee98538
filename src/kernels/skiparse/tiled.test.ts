import { describe, expect, it } from 'vitest';
import {
  skiparseTiledConfig, skiparseTiledShaderSource, skiparseTiledThreadCols,
  type SkiparseTiledConfig,
} from './tiled';
import { skiparseVariantFor } from './skiparse';

/** Evaluates the specialised WGSL's u32 `const` declarations (integer + - * / | and parentheses). */
function wgslConsts(src: string): Map<string, number> {
  const env = new Map<string, number>();
  for (const m of src.matchAll(/^const (\w+): u32 = (.+);/gm)) {
    const toks = m[2].replace(/\/\/.*$/, '').match(/\d+u?|\w+|[-+*/|()]/g)!;
    let i = 0;
    const atom = (): number => {
      const t = toks[i++];
      if (t === '(') { const v = or(); i++; return v; }
      if (/^\d/.test(t)) return parseInt(t, 10);
      if (!env.has(t)) throw new Error(`unknown constant ${t}`);
      return env.get(t)!;
    };
    const mul = (): number => {
      let v = atom();
      while (toks[i] === '*' || toks[i] === '/') v = toks[i++] === '*' ? v * atom() : Math.floor(v / atom());
      return v;
    };
    const add = (): number => {
      let v = mul();
      while (toks[i] === '+' || toks[i] === '-') v = toks[i++] === '+' ? v + mul() : v - mul();
      return v;
    };
    const or = (): number => {
      let v = add();
      while (toks[i] === '|') { i++; v |= add(); }
      return v;
    };
    env.set(m[1], or());
  }
  return env;
}

/** Bytes of the shader's var<workgroup> declarations, from the WGSL itself. */
function declaredWorkgroupBytes(cfg: SkiparseTiledConfig): number {
  const src = skiparseTiledShaderSource(cfg);
  const env = wgslConsts(src);
  let bytes = 0;
  for (const m of src.matchAll(/^var<workgroup> \w+: array<(vec4<f32>|f32), (\w+) \* (\w+)>;/gm)) {
    bytes += (m[1] === 'f32' ? 4 : 16) * env.get(m[2])! * env.get(m[3])!;
  }
  return bytes;
}

describe('skiparse tiled kernel configuration', () => {
  it('splits the head dims over 4 or 8 invocation columns with the least padding', () => {
    expect(skiparseTiledThreadCols(96)).toBe(8);  // 24 vec4 columns: no waste either way, 8 → fewer registers
    expect(skiparseTiledThreadCols(48)).toBe(4);  // 12 columns: 4 wastes none, 8 would pad to 16
    expect(skiparseTiledThreadCols(128)).toBe(8);
    expect(skiparseTiledThreadCols(40)).toBe(4);  // 10 columns: 4 → 12, 8 → 16
    expect(skiparseTiledThreadCols(13)).toBe(4);
    expect(skiparseTiledThreadCols(1)).toBe(4);
  });

  it("computes exactly the shader's workgroup memory, for every head dim and candidate", () => {
    for (let d = 1; d <= 128; d++) {
      for (const budget of [16384, 32768, 49152]) {
        const cfg = skiparseTiledConfig(d, budget);
        expect(cfg.workgroupStorageBytes, `headDim ${d}`).toBe(declaredWorkgroupBytes(cfg));
        expect(cfg.workgroupStorageBytes).toBeLessThanOrEqual(budget);
        expect(cfg.queryTile % cfg.threadRows).toBe(0);
        expect(cfg.keyTile % cfg.threadCols).toBe(0);
        expect(cfg.keyTile % 4).toBe(0);
      }
    }
  });

  it('takes the first (fastest measured) geometry that fits (our 48 and the 2B model’s 96 head dims)', () => {
    const at = (d: number, budget: number) => {
      const c = skiparseTiledConfig(d, budget);
      return [c.queryTile, c.threadRows, c.keyTile, c.threadCols];
    };
    expect(at(96, 49152)).toEqual([32, 16, 16, 8]);
    expect(at(96, 32768)).toEqual([32, 16, 16, 8]);
    expect(at(96, 16384)).toEqual([16, 8, 16, 8]);
    expect(at(48, 49152)).toEqual([32, 16, 16, 4]);
    expect(at(48, 16384)).toEqual([32, 16, 16, 4]);
    expect(at(128, 16384)).toEqual([16, 8, 8, 8]);
    // A bigger budget never gives smaller tiles.
    for (const d of [8, 48, 64, 96, 128]) {
      const area = (b: number) => { const c = skiparseTiledConfig(d, b); return c.queryTile * c.keyTile; };
      expect(area(65536)).toBeGreaterThanOrEqual(area(32768));
      expect(area(32768)).toBeGreaterThanOrEqual(area(16384));
    }
  });

  it('respects the invocation limit and rejects impossible budgets and geometries', () => {
    expect(skiparseTiledConfig(48, 49152, 64).workgroupSize).toBeLessThanOrEqual(64);
    expect(() => skiparseTiledConfig(128, 8000)).toThrow(/needs \d+ bytes of workgroup memory/);
    expect(() => skiparseTiledConfig(96, 49152, 256, { queryTile: 60, threadRows: 16, keyTile: 16 })).toThrow(/not a valid geometry/);
    expect(() => skiparseTiledConfig(96, 49152, 256, { queryTile: 64, threadRows: 16, keyTile: 12 })).toThrow(/KT a multiple of 8/);
    expect(() => skiparseTiledConfig(96, 32768, 256, { queryTile: 64, threadRows: 16, keyTile: 16 })).toThrow(/needs 39168 bytes/);
    const forced = skiparseTiledConfig(96, 65536, 256, { queryTile: 128, threadRows: 32, keyTile: 8 });
    expect([forced.queryTile, forced.keyTile, forced.workgroupSize]).toEqual([128, 8, 256]);
  });

  it('specialises every constant of the shader', () => {
    const cfg = skiparseTiledConfig(96, 49152);
    const env = wgslConsts(skiparseTiledShaderSource(cfg));
    expect([env.get('HEAD_DIM'), env.get('QT'), env.get('KT'), env.get('TR'), env.get('TC')]).toEqual([96, 32, 16, 16, 8]);
    expect(env.get('WG')).toBe(cfg.workgroupSize);
  });
});

describe('skiparse kernel choice', () => {
  it('tiled on hardware adapters, simple on fallback (software) adapters, either when forced', () => {
    expect(skiparseVariantFor(false)).toBe('tiled');
    expect(skiparseVariantFor(true)).toBe('simple');
    expect(skiparseVariantFor(false, 'auto')).toBe('tiled');
    expect(skiparseVariantFor(true, 'tiled')).toBe('tiled');
    expect(skiparseVariantFor(false, 'simple')).toBe('simple');
    expect(() => skiparseVariantFor(false, 'fast' as 'auto')).toThrow(/auto, simple or tiled/);
  });
});
