// Which precision the WGSL kernels (Skiparse, Haar) run in: the `shader-f16` variants when the device was created
// with that feature, the fp32 kernels otherwise (SwiftShader, most software adapters and many mobile GPUs have no
// f16). Pure; the f16 WGSL variants themselves follow the kernel-folder move (#28) — until then the engine asks for
// 'f32' and this function is what will pick between the two.

export type KernelPrecision = 'f16' | 'f32';
export type PrecisionRequest = 'auto' | KernelPrecision;

export interface PrecisionChoice {
  precision: KernelPrecision;
  reason: string;
}

/**
 * `deviceFeatures`: the features the GPUDevice was *created* with (an adapter feature not requested at
 * requestDevice cannot be used by a shader). 'f16' on a device without it is an error with the reason, not a silent
 * fallback: a caller that asks for it wants to know.
 */
export function selectKernelPrecision(deviceFeatures: Iterable<string>, request: PrecisionRequest = 'auto'): PrecisionChoice {
  if (!['auto', 'f16', 'f32'].includes(request)) throw new RangeError(`kernel precision must be auto, f16 or f32, got ${String(request)}`);
  const hasF16 = new Set(deviceFeatures).has('shader-f16');
  if (request === 'f32') return { precision: 'f32', reason: 'requested' };
  if (request === 'f16') {
    if (!hasF16) throw new RangeError("f16 kernels requested but the GPU device has no 'shader-f16' feature");
    return { precision: 'f16', reason: 'requested' };
  }
  return hasF16
    ? { precision: 'f16', reason: "the device has 'shader-f16': f16 storage, fp32 accumulation" }
    : { precision: 'f32', reason: "no 'shader-f16' on this device" };
}
