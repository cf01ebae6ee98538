import copySource from './copy.wgsl?raw';
import { ComputeKernel } from '../base';
import { COPY_PARAMS } from './params';

const WORKGROUP = 256;
const VEC4_PER_THREAD = 4; // must match copy.wgsl

/** A vec4 buffer copy kernel: the memory-bandwidth yardstick for the Haar kernels' benchmark. */
export class CopyKernel extends ComputeKernel {
  private readonly pipeline: GPUComputePipeline;

  constructor(device: GPUDevice) {
    super(device, 'copy');
    this.pipeline = this.createPipeline({ label: 'copy', code: copySource });
  }

  /** Copies `elements` f32 (a multiple of 4) from `src` to `dst`. */
  encode(enc: GPUCommandEncoder, src: GPUBuffer, dst: GPUBuffer, elements: number): void {
    this.assertUsable();
    if (elements % 4 !== 0) throw new Error(`copy: ${elements} elements is not a multiple of 4`);
    const vec4s = elements / 4;
    const [gx, gy] = this.fold(Math.ceil(vec4s / VEC4_PER_THREAD / WORKGROUP), (max) => `copy: ${elements} elements need more than ${max}² workgroups`);
    const params = this.uniform(String(elements), () =>
      COPY_PARAMS.pack({ vec4_count: vec4s, row_threads: gx * WORKGROUP, total_threads: gx * gy * WORKGROUP }), 'copy params');
    const bind = this.bind('copy', this.pipeline.getBindGroupLayout(0), [
      { buffer: src, size: elements * 4 }, { buffer: dst, size: elements * 4 }, params,
    ]);
    this.dispatch(enc, 'copy', this.pipeline, bind, [gx, gy]);
  }
}
