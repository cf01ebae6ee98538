// The worker's memory check before loading (issue #32): the memory plan (src/models/memory-plan.ts) for the model's
// default request on the chosen backend and adapter, refused with its numbers when it does not fit — before a byte of
// weights is downloaded, instead of an allocation failure halfway through a load or a generation.
import type { AdapterSummary } from '../gpu/device';
import type { ModelManifest } from '../models/manifest';
import { planMemory, type MemoryPlan } from '../models/memory-plan';
import { NotSupportedError, ValidationError } from './types';

export function checkMemoryPlan(manifest: ModelManifest, backend: 'wasm' | 'webgpu', adapter: AdapterSummary | null, budgetBytes?: number): MemoryPlan | null {
  if (budgetBytes !== undefined && !(Number.isSafeInteger(budgetBytes) && budgetBytes > 0)) {
    throw new ValidationError(`memoryBudgetBytes must be a positive integer, got ${String(budgetBytes)}`);
  }
  const d = manifest.defaults;
  let plan: MemoryPlan;
  try {
    plan = planMemory(manifest, { width: d.width, height: d.height, frames: d.frames }, {
      backend,
      ...(backend === 'webgpu' && adapter ? { maxBufferSize: adapter.maxBufferSize, maxStorageBufferBindingSize: adapter.maxStorageBufferBindingSize } : {}),
      ...(budgetBytes !== undefined ? { memoryBytes: budgetBytes, memorySource: 'the memory budget given' } : {}),
    });
  } catch {
    return null; // defaults the latent grid cannot hold: the request validation reports those, with its own message
  }
  if (!plan.fits) throw new NotSupportedError(plan.refusal);
  return plan;
}
