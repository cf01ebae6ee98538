// WebGPU adapter/device acquisition: one GPUDevice shared by ORT's WebGPU EP and our WGSL kernels (src/kernels).
import { WebGpuUnavailableError } from '../core/errors';

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  features: string[];
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
}

export interface GpuContext {
  adapter: GPUAdapter;
  device: GPUDevice;
  summary: AdapterSummary;
  hasF16: boolean;
}

export { WebGpuUnavailableError };

/** Human-readable name such as "google swiftshader (fallback)". */
export function adapterLabel(s: AdapterSummary): string {
  const name = [s.vendor, s.architecture, s.device].filter(Boolean).join(' ') || s.description || 'unknown adapter';
  return s.isFallbackAdapter ? `${name} (fallback)` : name;
}

function summarize(adapter: GPUAdapter): AdapterSummary {
  const info = adapter.info;
  const l = adapter.limits;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    // Older typings lack isFallbackAdapter on GPUAdapterInfo; Chromium ≥ 121 has it.
    isFallbackAdapter: Boolean((info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter),
    features: [...adapter.features].sort(),
    maxBufferSize: l.maxBufferSize,
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
  };
}

/** Explains why WebGPU is missing in this context, or returns null when `navigator.gpu` exists. */
export function webGpuMissingReason(): string | null {
  if (typeof navigator === 'undefined') return 'no navigator (not a browser context)';
  if (!('gpu' in navigator) || !navigator.gpu) {
    if (typeof isSecureContext !== 'undefined' && !isSecureContext) {
      return 'WebGPU needs a secure context (https or localhost)';
    }
    return 'this browser does not expose WebGPU (navigator.gpu is missing)';
  }
  return null;
}

/** A device with the adapter's full buffer/workgroup limits and whichever of our optional features it offers. */
export async function requestFullDevice(adapter: GPUAdapter): Promise<GPUDevice> {
  const wanted: GPUFeatureName[] = ['shader-f16', 'subgroups', 'timestamp-query'];
  const l = adapter.limits;
  return adapter.requestDevice({
    requiredFeatures: wanted.filter((f) => adapter.features.has(f)),
    requiredLimits: {
      maxBufferSize: l.maxBufferSize,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    },
  });
}

/**
 * Requests an adapter and a device with the adapter's full buffer limits (the defaults are 256 MiB / 128 MiB,
 * too small for attention over long sequences) and the optional features our kernels can use.
 */
export async function acquireGpu(powerPreference: GPUPowerPreference = 'high-performance'): Promise<GpuContext> {
  const missing = webGpuMissingReason();
  if (missing) throw new WebGpuUnavailableError(missing);
  const adapter = await navigator.gpu.requestAdapter({ powerPreference });
  if (!adapter) {
    throw new WebGpuUnavailableError(
      'no WebGPU adapter (GPU blocklisted or disabled; headless Chromium needs --enable-unsafe-webgpu)',
    );
  }
  const device = await requestFullDevice(adapter);
  return { adapter, device, summary: summarize(adapter), hasF16: device.features.has('shader-f16') };
}
