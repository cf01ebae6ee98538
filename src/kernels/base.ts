// The skeleton every WGSL kernel wrapper shares: error-scoped shader/pipeline creation, a per-shape uniform cache
// (uniform contents never change for a given key, so one buffer serves every encoder), the workgroup-grid fold
// over maxComputeWorkgroupsPerDimension (1D up to the cap, 2D beyond it), bind groups in binding order, one compute
// pass per dispatch, and destroy(). No top-level WebGPU globals: wrappers' pure shape checks load in Node.

import { uniformBuffer } from '../gpu/buffers';

/** A kernel's shader module or compute pipeline failed to build (WGSL compile or validation error). */
export class KernelPipelineError extends Error {
  override name = 'KernelPipelineError';
}

export interface PipelineSpec {
  /** Shader module label; also the pipeline label unless `pipelineLabel` is set. */
  label: string;
  code: string;
  pipelineLabel?: string;
  layout?: GPUPipelineLayout | 'auto';
  constants?: Record<string, number>;
}

/** A binding: a whole buffer, or its first `size` bytes. */
export type Binding = GPUBuffer | { buffer: GPUBuffer; size: number };

export abstract class ComputeKernel {
  /** Workgroups per dispatch dimension: the device's cap, or a lower one (tests exercise the 2D fold with it). */
  protected readonly maxGroups: number;
  private readonly uniforms = new Map<string, GPUBuffer>();
  private readonly building: Promise<void>[] = [];
  private failure: KernelPipelineError | null = null;
  private destroyed = false;

  constructor(protected readonly device: GPUDevice, protected readonly kernelName: string, maxWorkgroupsPerDimension?: number) {
    const deviceMax = device.limits.maxComputeWorkgroupsPerDimension;
    this.maxGroups = Math.min(deviceMax, maxWorkgroupsPerDimension ?? deviceMax);
    if (!(this.maxGroups >= 1)) throw new RangeError(`${kernelName}: maxWorkgroupsPerDimension must be ≥ 1`);
  }

  /**
   * Builds a compute pipeline (entry point `main`) inside a validation error scope. WebGPU reports such errors
   * asynchronously: a failure is kept as a KernelPipelineError naming the kernel and pipeline, with the compiler's
   * messages, and thrown by ready() and by every later encode (instead of a bare uncaptured device error).
   */
  protected createPipeline(spec: PipelineSpec): GPUComputePipeline {
    const { device } = this;
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ label: spec.label, code: spec.code });
    const pipeline = device.createComputePipeline({
      label: spec.pipelineLabel ?? spec.label,
      layout: spec.layout ?? 'auto',
      compute: { module, entryPoint: 'main', constants: spec.constants },
    });
    const check = device.popErrorScope().then(async (error) => {
      if (!error || this.failure) return;
      let detail = error.message;
      try {
        const info = await module.getCompilationInfo();
        const lines = info.messages.filter((m) => m.type === 'error').map((m) => `  ${m.lineNum}:${m.linePos} ${m.message}`);
        if (lines.length) detail += `\n${lines.join('\n')}`;
      } catch { /* compilation info is optional detail */ }
      this.failure = new KernelPipelineError(`${this.kernelName}: building pipeline ${spec.pipelineLabel ?? spec.label} failed: ${detail}`);
    }, () => undefined); // a lost device rejects nothing useful here: device loss is reported by its own path
    this.building.push(check);
    return pipeline;
  }

  /** Resolves once every pipeline built so far is known valid; rejects with the KernelPipelineError otherwise. */
  async ready(): Promise<void> {
    await Promise.all(this.building);
    if (this.failure) throw this.failure;
  }

  /** Throws when used after destroy() (`message` overrides the default) or after a failed pipeline build. */
  protected assertUsable(message = `${this.kernelName}: used after destroy()`): void {
    if (this.destroyed) throw new Error(message);
    if (this.failure) throw this.failure;
  }

  /** The uniform buffer cached under `key`, created from `data()` on first use. */
  protected uniform(key: string, data: () => ArrayLike<number> | ArrayBuffer, label: string): GPUBuffer {
    let buffer = this.uniforms.get(key);
    if (!buffer) {
      buffer = uniformBuffer(this.device, data(), label);
      this.uniforms.set(key, buffer);
    }
    return buffer;
  }

  /** Number of cached uniform buffers (one per distinct key encoded so far). */
  get cachedUniformCount(): number {
    return this.uniforms.size;
  }

  /** Workgroup grid for `groups` workgroups: 1D up to the per-dimension cap, 2D beyond it; `overflow` names the error. */
  protected fold(groups: number, overflow: (max: number) => string): [number, number] {
    const x = Math.min(groups, this.maxGroups);
    const y = Math.ceil(groups / x);
    if (y > this.maxGroups) throw new RangeError(overflow(this.maxGroups));
    return [x, y];
  }

  /** A bind group whose entry i is binding i. */
  protected bind(label: string, layout: GPUBindGroupLayout, bindings: readonly Binding[]): GPUBindGroup {
    return this.device.createBindGroup({
      label,
      layout,
      entries: bindings.map((b, binding) =>
        'buffer' in b ? { binding, resource: { buffer: b.buffer, offset: 0, size: b.size } } : { binding, resource: { buffer: b } }),
    });
  }

  /** Records one compute pass: `pipeline` with `bindGroup` over the `grid` workgroups. */
  protected dispatch(enc: GPUCommandEncoder, label: string, pipeline: GPUComputePipeline, bindGroup: GPUBindGroup, grid: [number, number]): void {
    const pass = enc.beginComputePass({ label });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(grid[0], grid[1]);
    pass.end();
  }

  /** Frees the cached uniform buffers. Call after the last submitted work using this kernel. */
  destroy(): void {
    for (const b of this.uniforms.values()) b.destroy();
    this.uniforms.clear();
    this.destroyed = true;
  }
}
