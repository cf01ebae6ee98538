// Backend choice in one place: 'auto' takes a hardware WebGPU adapter, else wasm (keeping a software adapter's device
// for our kernels); 'webgpu' fails when there is none. The WebGPU→wasm fallback of a failing session is in
// vae-decoder-loader.ts (the first graph opened) and dit-loader.ts.
import { WebGpuUnavailableError } from '../core/errors';
import { acquireGpu, type GpuContext } from '../gpu/device';
import type { BackendChoice } from './types';

export async function chooseBackend(choice: BackendChoice, current: GpuContext | null): Promise<{ backend: 'wasm' | 'webgpu'; reason: string; gpu: GpuContext | null }> {
  if (choice === 'wasm') return { backend: 'wasm', reason: 'requested', gpu: current };
  let gpu: GpuContext | null = current;
  try {
    gpu ??= await acquireGpu();
  } catch (e) {
    if (choice === 'webgpu') throw new WebGpuUnavailableError(`WebGPU requested but unavailable: ${(e as Error).message}`);
    return { backend: 'wasm', reason: `WebGPU unavailable (${(e as Error).message})`, gpu: null };
  }
  if (choice === 'webgpu') return { backend: 'webgpu', reason: 'requested', gpu };
  if (gpu.summary.isFallbackAdapter) {
    // A software adapter (SwiftShader) is 100–250× slower than ORT's wasm backend; keep the device for our kernels.
    return { backend: 'wasm', reason: 'fallback (software) WebGPU adapter: wasm is faster', gpu };
  }
  return { backend: 'webgpu', reason: 'hardware WebGPU adapter', gpu };
}

