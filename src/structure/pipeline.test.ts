// Controller graph → residuals → one-graph DiT with a residuals input (the WASM path), on onnxruntime-node, against
// PyTorch (toy random weights; training/export_structure.py --dev-dit). The structure input is the dev fixture's
// case 0 (the same 17 × 64² sketch), so its 0.5 MB are stored once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { runStructureController } from './controller';

const DIR = 'training/fixtures/structure/dev_dit';
const fx = JSON.parse(readFileSync(join(DIR, 'dit_fixture.json'), 'utf8')) as {
  inputs: Record<string, { file: string; shape: number[] }>; max_abs_v_minus_base: number;
};
const f32 = (p: string) => { const b = readFileSync(p); return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); };
type WebSession = import('onnxruntime-web').InferenceSession;
const Tensor = ort.Tensor as unknown as typeof import('onnxruntime-web').Tensor;

describe('structure pipeline (ORT-node) = PyTorch', () => {
  it('controller residuals change the DiT output exactly as in PyTorch', async () => {
    const ctrl = await ort.InferenceSession.create(join(DIR, 'structure_controller.onnx'));
    const r = await runStructureController(ctrl as unknown as WebSession, Tensor,
      f32('training/fixtures/structure/dev/case0_structure.bin'), [17, 64, 64], 'sketch');
    await ctrl.release();
    const m = r.perBlock.length;
    const residuals = new Float32Array(m * r.tokens * r.hidden);
    r.perBlock.forEach((b, j) => residuals.set(b, j * b.length));
    const dit = await ort.InferenceSession.create(join(DIR, 'dit_structure.onnx'));
    const feeds: Record<string, ort.Tensor> = {};
    for (const k of ['latent', 'timestep', 'text_states', 'text_mask', 'cond_latent', 'cond_mask']) {
      feeds[k] = new ort.Tensor('float32', f32(join(DIR, fx.inputs[k].file)), fx.inputs[k].shape);
    }
    feeds.residuals = new ort.Tensor('float32', residuals, [m, 1, r.tokens, r.hidden]);
    const v = (await dit.run(feeds)).v.data as Float32Array;
    await dit.release();
    const ref = f32(join(DIR, fx.inputs.v.file));
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(v[i] - ref[i]));
    expect(fx.max_abs_v_minus_base).toBeGreaterThan(0.05); // the residuals matter in this case
    expect(worst).toBeLessThan(1e-4);
  }, 60_000);
});
