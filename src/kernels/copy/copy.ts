import copySource from './copy.wgsl?raw';
import { uniformBuffer } from '../../gpu/buffers';

const WORKGROUP = 256;
const VEC4_PER_THREAD = 4; // must match src/kernels/copy/copy.wgsl

/** A vec4 buffer copy kernel: the memory-bandwidth yardstick for the Haar kernels' benchmark. */
export class CopyKernel {
  private readonly pipeline: GPUComputePipeline;
  private readonly uniforms = new Map<number, GPUBuffer>();

  constructor(private readonly device: GPUDevice) {
    const module = device.createShaderModule({ label: 'copy', code: copySource });
    this.pipeline = device.createComputePipeline({ label: 'copy', layout: 'auto', compute: { module, entryPoint: 'main' } });
  }

  /** Copies `elements` f32 (a multiple of 4) from `src` to `dst`. */
  encode(enc: GPUCommandEncoder, src: GPUBuffer, dst: GPUBuffer, elements: number): void {
    if (elements % 4 !== 0) throw new Error(`copy: ${elements} elements is not a multiple of 4`);
    const vec4s = elements / 4;
    const groups = Math.ceil(vec4s / VEC4_PER_THREAD / WORKGROUP);
    const maxX = this.device.limits.maxComputeWorkgroupsPerDimension;
    const gx = Math.min(groups, maxX);
    const gy = Math.ceil(groups / gx);
    let params = this.uniforms.get(elements);
    if (!params) {
      params = uniformBuffer(this.device, [vec4s, gx * WORKGROUP, gx * gy * WORKGROUP], 'copy params');
      this.uniforms.set(elements, params);
    }
    const bind = this.device.createBindGroup({
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: src, size: elements * 4 } },
        { binding: 1, resource: { buffer: dst, size: elements * 4 } },
        { binding: 2, resource: { buffer: params } },
      ],
    });
    const pass = enc.beginComputePass({ label: 'copy' });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(gx, gy);
    pass.end();
  }

  destroy(): void {
    for (const b of this.uniforms.values()) b.destroy();
    this.uniforms.clear();
  }
}
