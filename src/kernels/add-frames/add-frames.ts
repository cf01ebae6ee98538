// Frame-window add (src/kernels/add-frames/add_frames.wgsl): dst[b, c, dstOffset + f] += src[b, c, srcOffset + f] over the first
// `channels` channels of two [B, C, T, H, W] f32 tensors — the LL-band sums of the WF-VAE decoder when its Haar
// transforms run as WGSL kernels between ONNX graphs (src/engine/vae-stream-webgpu.ts).
//
// No top-level WebGPU globals: the spec checks (addFramesCheck) import from Node.
import addFramesSrc from './add_frames.wgsl?raw';
import elementwiseSrc from '../elementwise.wgsl?raw';
import { ComputeKernel } from '../base';
import { ADD_FRAMES_PARAMS } from './params';

/** One side of the add: a [batch, channels, frames, H, W] tensor and the first frame the window touches. */
export interface FrameWindowSide {
  channels: number;
  frames: number;
  offset: number;
}

export interface AddFramesSpec {
  batch: number;
  /** Channels added (from channel 0: the LL band). */
  channels: number;
  /** Frames added. */
  frames: number;
  /** H · W, the same for both tensors. */
  plane: number;
  dst: FrameWindowSide;
  src: FrameWindowSide;
}

const WORKGROUP_SIZE = 64; // @workgroup_size of add_frames.wgsl

/** Elements of a side's whole tensor. */
export function sideElements(s: AddFramesSpec, side: FrameWindowSide): number {
  return s.batch * side.channels * side.frames * s.plane;
}

/** Throws a RangeError when the window does not fit the tensors; returns the number of added elements. */
export function addFramesCheck(s: AddFramesSpec): number {
  const ints: [string, number][] = [
    ['batch', s.batch], ['channels', s.channels], ['frames', s.frames], ['plane', s.plane],
    ['dst.channels', s.dst.channels], ['dst.frames', s.dst.frames], ['src.channels', s.src.channels], ['src.frames', s.src.frames],
  ];
  for (const [k, v] of ints) if (!Number.isInteger(v) || v < 1) throw new RangeError(`addFrames: ${k} must be a positive integer, got ${v}`);
  for (const [k, side] of [['dst', s.dst], ['src', s.src]] as const) {
    if (!Number.isInteger(side.offset) || side.offset < 0) throw new RangeError(`addFrames: ${k}.offset must be a non-negative integer, got ${side.offset}`);
    if (side.offset + s.frames > side.frames) throw new RangeError(`addFrames: ${k} frames [${side.offset}, ${side.offset + s.frames}) exceed its ${side.frames} frames`);
    if (s.channels > side.channels) throw new RangeError(`addFrames: ${s.channels} channels added but ${k} has ${side.channels}`);
    if (sideElements(s, side) >= 2 ** 32) throw new RangeError(`addFrames: ${k} has ≥ 2^32 elements (u32 indexing)`);
  }
  return s.batch * s.channels * s.frames * s.plane;
}

/** The add kernel on one device; uniform buffers cached per spec (their content never changes), freed by destroy(). */
export class AddFramesKernel extends ComputeKernel {
  private readonly pipeline: GPUComputePipeline;

  constructor(device: GPUDevice, opts: { maxWorkgroupsPerDimension?: number } = {}) {
    super(device, 'AddFramesKernel', opts.maxWorkgroupsPerDimension);
    this.pipeline = this.createPipeline({ label: 'add_frames', code: `${elementwiseSrc}\n${addFramesSrc}` });
  }

  /** Workgroup grid for `n` invocations: 1D up to the per-dimension cap, 2D beyond it. */
  dispatchSize(n: number): [number, number] {
    return this.fold(Math.ceil(n / WORKGROUP_SIZE), (max) => `AddFramesKernel: ${n} elements need more than ${max}² workgroups`);
  }

  /** Records dst[:, 0:channels, dst.offset + f] += src[:, 0:channels, src.offset + f] into `enc`. */
  encode(enc: GPUCommandEncoder, s: AddFramesSpec, src: GPUBuffer, dst: GPUBuffer): void {
    this.assertUsable();
    const total = addFramesCheck(s);
    if (src === dst) throw new Error('AddFramesKernel: src and dst must be different buffers');
    const srcBytes = sideElements(s, s.src) * 4;
    const dstBytes = sideElements(s, s.dst) * 4;
    for (const [role, buf, bytes] of [['src', src, srcBytes], ['dst', dst, dstBytes]] as const) {
      if (buf.size < bytes) throw new RangeError(`AddFramesKernel: ${role} buffer has ${buf.size} bytes, needs ${bytes}`);
      if (!(buf.usage & GPUBufferUsage.STORAGE)) throw new Error(`AddFramesKernel: ${role} buffer lacks STORAGE usage`);
    }
    const params = {
      channels: s.channels, frames: s.frames, plane: s.plane,
      dst_frames: s.dst.frames, dst_offset: s.dst.offset, dst_batch_stride: s.dst.channels * s.dst.frames * s.plane,
      src_frames: s.src.frames, src_offset: s.src.offset, src_batch_stride: s.src.channels * s.src.frames * s.plane,
      total,
    };
    const key = Object.values(params).join(',');
    const uniform = this.uniform(key, () => ADD_FRAMES_PARAMS.pack(params), `add_frames ${key}`);
    const bind = this.bind('add_frames', this.pipeline.getBindGroupLayout(0), [
      uniform, { buffer: src, size: srcBytes }, { buffer: dst, size: dstBytes },
    ]);
    this.dispatch(enc, 'add_frames', this.pipeline, bind, this.dispatchSize(total));
  }
}
