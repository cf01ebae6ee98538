// Every kernel's typed uniform descriptor against the `struct Params` of its WGSL source: same fields, same order,
// same scalar types, so the byte layout the wrapper writes is the one the shader reads.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UniformStruct, wgslStructFields } from './uniform-struct';
import { ADD_FRAMES_PARAMS } from './add-frames/params';
import { COPY_PARAMS } from './copy/params';
import { HAAR2D_FORWARD_PARAMS, HAAR2D_INVERSE_PARAMS, HAAR3D_FORWARD_PARAMS, HAAR3D_INVERSE_PARAMS } from './haar/params';
import { SKIPARSE_PARAMS } from './skiparse/params';

const wgsl = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

const CASES: [string, UniformStruct<string>][] = [
  ['./add-frames/add_frames.wgsl', ADD_FRAMES_PARAMS],
  ['./copy/copy.wgsl', COPY_PARAMS],
  ['./haar/haar3d_forward.wgsl', HAAR3D_FORWARD_PARAMS],
  ['./haar/haar3d_inverse.wgsl', HAAR3D_INVERSE_PARAMS],
  ['./haar/haar2d_forward.wgsl', HAAR2D_FORWARD_PARAMS],
  ['./haar/haar2d_inverse.wgsl', HAAR2D_INVERSE_PARAMS],
  ['./skiparse/skiparse_common.wgsl', SKIPARSE_PARAMS],
];

describe('uniform structs match their WGSL', () => {
  for (const [path, struct] of CASES) {
    it(`${struct.name} = struct Params of ${path}`, () => {
      const fields = wgslStructFields(wgsl(path));
      expect(struct.fields.map(([n, t]) => [n, t])).toEqual(fields);
      expect(struct.wgslBytes).toBe(4 * fields.length);
      expect(struct.bufferBytes % 16).toBe(0);
      expect(struct.bufferBytes).toBeGreaterThanOrEqual(struct.wgslBytes);
    });
  }

  it('packs by field name, f32 fields as floats, padding as zero', () => {
    const buf = SKIPARSE_PARAMS.pack({
      batch: 2, tokens: 320, heads: 4, mode: 1, kLog2: 2, groups: 4, qTiles: 3, totalWg: 96, wgPerRow: 96, rowStride: 192, scale: 0.125,
    });
    expect(buf.byteLength).toBe(48);
    expect([...new Uint32Array(buf, 0, 10)]).toEqual([2, 320, 4, 1, 2, 4, 3, 96, 96, 192]);
    expect(new Float32Array(buf)[10]).toBe(0.125);
    expect(new Uint32Array(buf)[11]).toBe(0);
    expect(() => COPY_PARAMS.pack({ vec4_count: 1, row_threads: NaN, total_threads: 1 })).toThrow(/row_threads/);
  });
});
