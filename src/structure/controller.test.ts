// structure_controller.onnx on onnxruntime-node against PyTorch (fixtures by training/export_structure.py: random
// dev weights with non-zero projectors, two structure shapes).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { addResidual, runStructureController } from './controller';
import { STRUCTURE_TYPES } from './signals';

const DIR = 'training/fixtures/structure/dev';
const fx = JSON.parse(readFileSync(join(DIR, 'structure_fixture.json'), 'utf8')) as {
  config: { num_dit_layers: number; hidden: number };
  cases: { structure_shape: number[]; type_id: number; residuals_shape: number[]; files: Record<string, string> }[];
};
const f32 = (p: string) => { const b = readFileSync(join(DIR, p)); return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); };
const Tensor = ort.Tensor as unknown as typeof import('onnxruntime-web').Tensor;

describe('structure_controller.onnx (ORT-node) = PyTorch', () => {
  fx.cases.forEach((c, k) => {
    it(`case ${k}: ${c.structure_shape.slice(2).join('×')} ${STRUCTURE_TYPES[c.type_id]}`, async () => {
      const s = await ort.InferenceSession.create(join(DIR, 'structure_controller.onnx'));
      const [, , t, h, w] = c.structure_shape;
      const r = await runStructureController(s as unknown as import('onnxruntime-web').InferenceSession, Tensor,
        f32(c.files.structure), [t, h, w], STRUCTURE_TYPES[c.type_id]);
      await s.release();
      const ref = f32(c.files.residuals);
      expect(r.perBlock).toHaveLength(fx.config.num_dit_layers);
      expect(r.tokens).toBe(c.residuals_shape[2]);
      let worst = 0, scale = 0;
      r.perBlock.forEach((blk, j) => blk.forEach((v, i) => {
        const e = ref[j * blk.length + i];
        worst = Math.max(worst, Math.abs(v - e));
        scale = Math.max(scale, Math.abs(e));
      }));
      expect(scale).toBeGreaterThan(0.1); // non-trivial residuals
      expect(worst).toBeLessThan(1e-4 * Math.max(1, scale));
    });
  });

  it('addResidual broadcasts over the CFG batch', () => {
    const h = new Float32Array([1, 2, 3, 4, 5, 6]);
    addResidual(h, new Float32Array([10, 20, 30]));
    expect(Array.from(h)).toEqual([11, 22, 33, 14, 25, 36]);
    expect(() => addResidual(new Float32Array(4), new Float32Array(3))).toThrow();
  });
});
