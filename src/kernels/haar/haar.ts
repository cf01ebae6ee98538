// WF-VAE Haar wavelet transforms (spec §2.1) as WGSL kernels: 3D forward/inverse (with the causal first frame)
// and 2D forward/inverse (per frame). Tensors are [B, C, T, H, W] row-major f32 (NCTHW, as PyTorch/ONNX), so
// buffers coming out of (or going into) the ONNX graphs split at the Haar transforms bind here directly.
// Output channels are subband-major: channel s*C + c holds subband s of input channel c.
//
// This module has no top-level WebGPU globals, so its shape functions can be imported from Node.
//
// Note on the 3D filter coefficient. Upstream's filters hold ±0.3536, a rounded 1/(2√2). Because
// 8·0.3536² = 1.000264 (not 1), upstream's inverse(forward(x)) is 1.000264·x. Official checkpoints were trained
// with those exact filters (the decoder's last conv absorbed the scale), so the default here is upstream's value
// (as f32). Pass `coefficient3d: HAAR3D_EXACT_COEFFICIENT` for an orthonormal transform whose inverse is exact
// (e.g. for models trained with exact filters). The 2D filters use ±1/2, exact in f32, so they need no option.

import forward3dSrc from './haar3d_forward.wgsl?raw';
import inverse3dSrc from './haar3d_inverse.wgsl?raw';
import forward2dSrc from './haar2d_forward.wgsl?raw';
import inverse2dSrc from './haar2d_inverse.wgsl?raw';
import commonSrc from './haar_common.wgsl?raw';
import elementwiseSrc from '../elementwise.wgsl?raw';
import { ComputeKernel } from '../base';
import {
  HAAR2D_FORWARD_PARAMS, HAAR2D_INVERSE_PARAMS, HAAR3D_FORWARD_PARAMS, HAAR3D_INVERSE_PARAMS,
} from './params';

/** Upstream's 3D Haar filter entry (rounded 1/(2√2)); the kernels use its f32 value. */
export const HAAR3D_UPSTREAM_COEFFICIENT = 0.3536;
/** The exact 1/(2√2): an orthonormal 3D Haar transform, inverse(forward(x)) = x. */
export const HAAR3D_EXACT_COEFFICIENT = 1 / (2 * Math.SQRT2);
/** The 2D Haar filter entry (±1/2, exact). */
export const HAAR2D_COEFFICIENT = 0.5;

export interface VideoShape {
  batch: number;
  channels: number;
  frames: number;
  height: number;
  width: number;
}

const WORKGROUP_SIZE = 64; // must match @workgroup_size in the four shaders

/** Number of f32 elements of a [B, C, T, H, W] tensor. */
export function videoElements(s: VideoShape): number {
  return s.batch * s.channels * s.frames * s.height * s.width;
}

function describe(s: VideoShape): string {
  return `[B=${s.batch}, C=${s.channels}, T=${s.frames}, H=${s.height}, W=${s.width}]`;
}

function checkDims(s: VideoShape, what: string): void {
  for (const k of ['batch', 'channels', 'frames', 'height', 'width'] as const) {
    const v = s[k];
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${what}: ${k} must be a positive integer, got ${v} in ${describe(s)}`);
  }
  if (videoElements(s) >= 2 ** 32) throw new RangeError(`${what}: ${describe(s)} has ≥ 2^32 elements (u32 indexing)`);
}

function checkEvenHW(s: VideoShape, what: string): void {
  if (s.height % 2 !== 0 || s.width % 2 !== 0) {
    throw new RangeError(`${what}: height and width must be even, got H=${s.height}, W=${s.width} in ${describe(s)}`);
  }
}

/**
 * Shape of the 3D forward transform: channels·8, frames (1+2m → 1+m when `firstChunk`, 2n → n otherwise), H/2, W/2.
 * `firstChunk` = true for one-shot use and for the first chunk of a chunked (causal-cache) encode.
 */
export function haar3dForwardShape(s: VideoShape, firstChunk = true): VideoShape {
  const what = 'haar3dForward';
  checkDims(s, what);
  checkEvenHW(s, what);
  if (firstChunk && s.frames % 2 !== 1) {
    throw new RangeError(`${what}: a first chunk / one-shot clip needs T = 1 + 2m frames (odd), got T=${s.frames}`);
  }
  if (!firstChunk && s.frames % 2 !== 0) {
    throw new RangeError(`${what}: a later chunk (firstChunk=false) needs an even number of frames, got T=${s.frames}`);
  }
  return {
    batch: s.batch,
    channels: s.channels * 8,
    frames: firstChunk ? (s.frames + 1) / 2 : s.frames / 2,
    height: s.height / 2,
    width: s.width / 2,
  };
}

/**
 * Shape of the 3D inverse transform of coefficients `s`: channels/8, frames 2T'−1 (`dropFirstFrame`, one-shot and
 * first chunk) or 2T' (later chunks), 2H, 2W.
 */
export function haar3dInverseShape(s: VideoShape, dropFirstFrame = true): VideoShape {
  const what = 'haar3dInverse';
  checkDims(s, what);
  if (s.channels % 8 !== 0) throw new RangeError(`${what}: coefficient channels must be a multiple of 8 (8 subbands), got ${s.channels}`);
  return {
    batch: s.batch,
    channels: s.channels / 8,
    frames: dropFirstFrame ? 2 * s.frames - 1 : 2 * s.frames,
    height: s.height * 2,
    width: s.width * 2,
  };
}

/** Shape of the 2D (per-frame) forward transform: channels·4, same frames, H/2, W/2. */
export function haar2dForwardShape(s: VideoShape): VideoShape {
  const what = 'haar2dForward';
  checkDims(s, what);
  checkEvenHW(s, what);
  return { batch: s.batch, channels: s.channels * 4, frames: s.frames, height: s.height / 2, width: s.width / 2 };
}

/** Shape of the 2D (per-frame) inverse transform of coefficients `s`: channels/4, same frames, 2H, 2W. */
export function haar2dInverseShape(s: VideoShape): VideoShape {
  const what = 'haar2dInverse';
  checkDims(s, what);
  if (s.channels % 4 !== 0) throw new RangeError(`${what}: coefficient channels must be a multiple of 4 (4 subbands), got ${s.channels}`);
  return { batch: s.batch, channels: s.channels / 4, frames: s.frames, height: s.height * 2, width: s.width * 2 };
}

export interface HaarKernelOptions {
  /** 3D filter entry; default HAAR3D_UPSTREAM_COEFFICIENT (0.3536, as f32). */
  coefficient3d?: number;
  /**
   * Cap on workgroups per dispatch dimension; default (and upper bound) the device's
   * maxComputeWorkgroupsPerDimension. Lower it only to exercise the 2D-dispatch path in tests.
   */
  maxWorkgroupsPerDimension?: number;
}

type Kind = 'forward3d' | 'inverse3d' | 'forward2d' | 'inverse2d';

/**
 * The four Haar kernels on one device. Pipelines are built once in the constructor. Each `encode*` records one
 * compute pass into `enc`; uniform buffers are cached per (kernel, shape, flag) — their content never changes, so
 * one buffer serves every encoder — and freed by destroy().
 */
export class HaarKernels extends ComputeKernel {
  readonly coefficient3d: number;
  private readonly pipelines: Record<Kind, GPUComputePipeline>;

  constructor(device: GPUDevice, opts: HaarKernelOptions = {}) {
    const coefficient3d = opts.coefficient3d ?? HAAR3D_UPSTREAM_COEFFICIENT;
    if (!Number.isFinite(coefficient3d)) throw new RangeError(`HaarKernels: coefficient3d must be finite, got ${coefficient3d}`);
    super(device, 'HaarKernels', opts.maxWorkgroupsPerDimension);
    this.coefficient3d = coefficient3d;
    // WGSL has no #include: the shared bindings (../elementwise.wgsl) and Walsh-Hadamard butterflies are prepended.
    const make = (label: string, code: string, constants?: Record<string, number>): GPUComputePipeline =>
      this.createPipeline({ label, code: `${elementwiseSrc}\n${commonSrc}\n${code}`, constants });
    this.pipelines = {
      forward3d: make('haar3d_forward', forward3dSrc, { COEF: this.coefficient3d }),
      inverse3d: make('haar3d_inverse', inverse3dSrc, { COEF: this.coefficient3d }),
      forward2d: make('haar2d_forward', forward2dSrc),
      inverse2d: make('haar2d_inverse', inverse2dSrc),
    };
  }

  /** 3D forward: `input` [B, C, T, H, W] → `output` haar3dForwardShape(shape, firstChunk). */
  encodeForward3D(enc: GPUCommandEncoder, shape: VideoShape, input: GPUBuffer, output: GPUBuffer, firstChunk = true): void {
    this.encode('forward3d', enc, shape, haar3dForwardShape(shape, firstChunk), input, output, firstChunk);
  }

  /** 3D inverse: coefficients `input` of shape `shape` [B, 8C, T', H', W'] → `output` haar3dInverseShape(shape, dropFirstFrame). */
  encodeInverse3D(enc: GPUCommandEncoder, shape: VideoShape, input: GPUBuffer, output: GPUBuffer, dropFirstFrame = true): void {
    this.encode('inverse3d', enc, shape, haar3dInverseShape(shape, dropFirstFrame), input, output, dropFirstFrame);
  }

  /** 2D forward per frame: `input` [B, C, T, H, W] → `output` [B, 4C, T, H/2, W/2]. */
  encodeForward2D(enc: GPUCommandEncoder, shape: VideoShape, input: GPUBuffer, output: GPUBuffer): void {
    this.encode('forward2d', enc, shape, haar2dForwardShape(shape), input, output);
  }

  /** 2D inverse per frame: coefficients `input` [B, 4C, T, H', W'] → `output` [B, C, T, 2H', 2W']. */
  encodeInverse2D(enc: GPUCommandEncoder, shape: VideoShape, input: GPUBuffer, output: GPUBuffer): void {
    this.encode('inverse2d', enc, shape, haar2dInverseShape(shape), input, output);
  }

  /** The uniform block of one transform: one invocation per block of the half-resolution side (T', H/2, W/2). */
  private params(kind: Kind, inShape: VideoShape, outShape: VideoShape, flag: boolean): { data: ArrayBuffer; blocks: number } {
    const forward = kind === 'forward3d' || kind === 'forward2d';
    const half = forward ? outShape : inShape;
    const channels = forward ? inShape.channels : outShape.channels;
    const blocks = inShape.batch * channels * half.frames * half.height * half.width;
    const dims = {
      channels, in_height: inShape.height, in_width: inShape.width, out_height: outShape.height, out_width: outShape.width, blocks,
    };
    const frames3d = { in_frames: inShape.frames, out_frames: outShape.frames };
    const data =
      kind === 'forward3d' ? HAAR3D_FORWARD_PARAMS.pack({ ...dims, ...frames3d, first_chunk: flag ? 1 : 0 })
      : kind === 'inverse3d' ? HAAR3D_INVERSE_PARAMS.pack({ ...dims, ...frames3d, drop_first: flag ? 1 : 0 })
      : (kind === 'forward2d' ? HAAR2D_FORWARD_PARAMS : HAAR2D_INVERSE_PARAMS).pack({ ...dims, frames: inShape.frames });
    return { data, blocks };
  }

  /** Workgroup grid for `blocks` invocations: 1D up to the per-dimension cap, 2D beyond it. */
  dispatchSize(blocks: number): [number, number] {
    return this.fold(Math.ceil(blocks / WORKGROUP_SIZE), (max) => `HaarKernels: ${blocks} blocks need more than ${max}² workgroups`);
  }

  private encode(
    kind: Kind, enc: GPUCommandEncoder, inShape: VideoShape, outShape: VideoShape, input: GPUBuffer, output: GPUBuffer, flag = false,
  ): void {
    this.assertUsable();
    const inBytes = videoElements(inShape) * 4;
    const outBytes = videoElements(outShape) * 4;
    this.checkBuffer(kind, 'input', input, inBytes, inShape);
    this.checkBuffer(kind, 'output', output, outBytes, outShape);
    if (input === output) throw new Error(`HaarKernels.${kind}: input and output must be different buffers (no in-place transform)`);

    const { data, blocks } = this.params(kind, inShape, outShape, flag);
    const key = `${kind}:${new Uint32Array(data).join(',')}`;
    const uniform = this.uniform(key, () => data, `haar ${key}`);
    const pipeline = this.pipelines[kind];
    const bindGroup = this.bind(`haar ${kind}`, pipeline.getBindGroupLayout(0), [
      uniform, { buffer: input, size: inBytes }, { buffer: output, size: outBytes },
    ]);
    this.dispatch(enc, `haar ${kind}`, pipeline, bindGroup, this.dispatchSize(blocks));
  }
  private checkBuffer(kind: Kind, role: string, buf: GPUBuffer, bytes: number, shape: VideoShape): void {
    if (buf.size < bytes) {
      throw new RangeError(`HaarKernels.${kind}: ${role} buffer too small: ${buf.size} bytes < ${bytes} needed for ${describe(shape)} f32`);
    }
    if (!(buf.usage & GPUBufferUsage.STORAGE)) throw new Error(`HaarKernels.${kind}: ${role} buffer lacks STORAGE usage`);
    const maxBinding = this.device.limits.maxStorageBufferBindingSize;
    if (bytes > maxBinding) {
      throw new RangeError(`HaarKernels.${kind}: ${role} ${describe(shape)} is ${bytes} bytes > maxStorageBufferBindingSize ${maxBinding}`);
    }
  }
}
