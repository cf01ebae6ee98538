// The Structure Condition Controller graph (training/export_structure.py: structure_controller.onnx) behind a small
// hook: run once per generation, it returns one residual per DiT block, which the denoiser adds to the hidden state
// after that block at every step (the residuals depend on the structure only, not on the timestep or the latent).
// The ORT module is injected (onnxruntime-web in the worker, onnxruntime-node in tests), as in src/engine/dit.ts.
import type * as ortTypes from 'onnxruntime-web';
import { STRUCTURE_TYPES, type StructureType } from './signals';

type Session = ortTypes.InferenceSession;
type TensorCtor = typeof ortTypes.Tensor;

/** Residuals of every DiT block: `perBlock[j]` is [1, N, D] row-major. */
export interface StructureResiduals { perBlock: Float32Array[]; tokens: number; hidden: number }

/** structure [1, 2, T, H, W] (src/structure/signals.ts `structureVideo`) → residuals [M, 1, N, D]. */
export async function runStructureController(session: Session, Tensor: TensorCtor, structure: Float32Array,
  shape: [number, number, number], type: StructureType): Promise<StructureResiduals> {
  const [t, h, w] = shape;
  if (structure.length !== 2 * t * h * w) throw new Error(`structure has ${structure.length} values, not 2·${t}·${h}·${w}`);
  if (h % 16 || w % 16 || (t - 1) % 4) throw new Error(`structure ${t}×${h}×${w}: need T = 1 + 4k and H, W multiples of 16`);
  const out = await session.run({
    structure: new Tensor('float32', structure, [1, 2, t, h, w]),
    type_id: new Tensor('int64', BigInt64Array.from([BigInt(STRUCTURE_TYPES.indexOf(type))]), [1]),
  });
  const r = out.residuals;
  const [m, , n, d] = r.dims as number[];
  const data = r.data as Float32Array;
  const perBlock = Array.from({ length: m }, (_, j) => data.slice(j * n * d, (j + 1) * n * d));
  return { perBlock, tokens: n, hidden: d };
}

/** hidden [B, N, D] += residual [1, N, D] (broadcast over the CFG batch): the add between block graphs. */
export function addResidual(hidden: Float32Array, residual: Float32Array): void {
  const nd = residual.length;
  if (hidden.length % nd) throw new Error(`hidden (${hidden.length}) is not a batch of residuals (${nd})`);
  for (let o = 0; o < hidden.length; o += nd) for (let i = 0; i < nd; i++) hidden[o + i] += residual[i];
}
