// The TS structure signals against the Python ones (training/fixtures/structure/parity.json, written by
// training/structure/make_parity_fixture.py and checked by training/tests/test_structure_signals.py too).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CANNY_HIGH, CANNY_LOW, cannyFrame } from './canny';
import { renderStructure, type StructureScene } from './geometry';
import { parseStructureFrames, structureVideo } from './signals';
import { expandDrawing, type Drawing } from './drawing';

interface Fixture {
  low: number; high: number;
  canny: { h: number; w: number; rgb: string; edges: string }[];
  scenes: { scene: StructureScene; sketch: string; mask: string }[];
}
const fx = JSON.parse(readFileSync('training/fixtures/structure/parity.json', 'utf8')) as Fixture;
const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

describe('canny ≡ training/structure/canny.py', () => {
  it('uses the same fixed thresholds', () => {
    expect([CANNY_LOW, CANNY_HIGH]).toEqual([fx.low, fx.high]);
  });
  fx.canny.forEach((c, k) => {
    it(`frame ${k}: identical edge map`, () => {
      const e = cannyFrame(bytes(c.rgb), c.w, c.h);
      const ref = bytes(c.edges);
      let diff = 0;
      for (let i = 0; i < ref.length; i++) diff += e[i] !== ref[i] ? 1 : 0;
      expect(diff).toBe(0);
      expect(ref.reduce((a, b) => a + b, 0)).toBeGreaterThan(20); // the case has edges to disagree on
    });
  });
  it('reads RGBA (canvas ImageData) the same as RGB', () => {
    const c = fx.canny[0];
    const rgb = bytes(c.rgb);
    const rgba = new Uint8Array(c.w * c.h * 4);
    for (let i = 0; i < c.w * c.h; i++) { rgba.set(rgb.subarray(3 * i, 3 * i + 3), 4 * i); rgba[4 * i + 3] = 255; }
    expect(Array.from(cannyFrame(rgba, c.w, c.h, 4))).toEqual(Array.from(cannyFrame(rgb, c.w, c.h, 3)));
  });
});

describe('sketch / mask ≡ training/structure/geometry.py', () => {
  fx.scenes.forEach((c, k) => {
    for (const kind of ['sketch', 'mask'] as const) {
      it(`scene ${k} (${c.scene.objects.map((o) => o.shape).join('+')}) ${kind}: within one level`, () => {
        const got = renderStructure(c.scene, kind);
        const ref = bytes(c[kind]);
        let worst = 0, lit = 0;
        for (let i = 0; i < ref.length; i++) {
          worst = Math.max(worst, Math.abs(Math.round(got[i] * 255) - ref[i]));
          lit += ref[i] > 0 ? 1 : 0;
        }
        expect(worst).toBeLessThanOrEqual(1);
        expect(lit).toBeGreaterThan(10);
      });
    }
  });
});

describe('structure video', () => {
  it('parses frame subsets', () => {
    expect(parseStructureFrames('first', 17)).toEqual([0]);
    expect(parseStructureFrames('16,0,8', 17)).toEqual([0, 8, 16]);
    expect(parseStructureFrames('all', 3)).toEqual([0, 1, 2]);
    expect(() => parseStructureFrames('0,17', 17)).toThrow();
  });
  it('zeroes uncontrolled frames and marks controlled ones', () => {
    const sig = new Float32Array(3 * 4).fill(0.5);
    const v = structureVideo(sig, 3, 2, 2, [1]);
    expect(Array.from(v.subarray(0, 12))).toEqual([0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5, 0, 0, 0, 0]);
    expect(Array.from(v.subarray(12))).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0]);
  });
});

describe('drawing → scene ≡ training/structure/sampling.py expand_drawing', () => {
  const cases = (fx as unknown as { drawings: { drawing: Drawing; scene: StructureScene }[] }).drawings;
  cases.forEach((c, k) => {
    it(`drawing ${k}`, () => {
      const got = expandDrawing(c.drawing);
      expect(got.frames).toBe(c.scene.frames);
      got.objects.forEach((o, i) => {
        const r = c.scene.objects[i];
        expect(o.shape).toBe(r.shape);
        for (let t = 0; t < got.frames; t++) {
          expect(Math.abs(o.center[t][0] - r.center[t][0])).toBeLessThan(1e-9);
          expect(Math.abs(o.center[t][1] - r.center[t][1])).toBeLessThan(1e-9);
          expect(Math.abs(o.extent[t] - r.extent[t])).toBeLessThan(1e-9);
          expect(Math.abs(o.angle[t] - r.angle[t])).toBeLessThan(1e-9);
        }
      });
    });
  });
});
