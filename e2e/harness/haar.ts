// Browser-side harness for e2e/kernels-haar.spec.ts: runs the Haar WGSL kernels on the real WebGPU adapter and
// compares them with the CPU reference (src/kernels/haar/reference.ts). Every export is called via runInHarness and
// returns plain JSON.

import { acquireGpu, adapterLabel, type GpuContext } from '../../src/gpu/device';
import { createTensor, readTensor, uploadTensor } from '../../src/gpu/buffers';
import { randomTensor } from '../../test-support/test-data';
import {
  HAAR3D_EXACT_COEFFICIENT,
  HAAR3D_UPSTREAM_COEFFICIENT,
  HaarKernels,
  haar2dForwardShape,
  haar2dInverseShape,
  haar3dForwardShape,
  haar3dInverseShape,
  videoElements,
  type VideoShape,
} from '../../src/kernels/haar/haar';
import { refHaar2dForward, refHaar2dInverse, refHaar3dForward, refHaar3dInverse } from '../../src/kernels/haar/reference';
import type { HaarOp, ParityCase } from '../../src/kernels/haar/parity';

export type { HaarOp, ParityCase } from '../../src/kernels/haar/parity';

export interface ParityResult {
  label: string;
  outShape: VideoShape;
  dispatch: [number, number];
  maxAbs: number;
  maxRef: number;
  rel: number; // maxAbs / maxRef
  finite: boolean;
  validation: string | null;
}

let ctx: Promise<GpuContext> | undefined;
const kernelCache = new Map<string, HaarKernels>();

async function gpu(): Promise<GpuContext> {
  ctx ??= acquireGpu();
  return ctx;
}

async function kernelsFor(coefficient3d = HAAR3D_UPSTREAM_COEFFICIENT, maxWorkgroupsPerDimension?: number): Promise<HaarKernels> {
  const { device } = await gpu();
  const key = `${coefficient3d}|${maxWorkgroupsPerDimension ?? ''}`;
  let k = kernelCache.get(key);
  if (!k) {
    k = new HaarKernels(device, { coefficient3d, maxWorkgroupsPerDimension });
    kernelCache.set(key, k);
  }
  return k;
}

function outShapeOf(op: HaarOp, s: VideoShape, flag: boolean): VideoShape {
  switch (op) {
    case 'forward3d': return haar3dForwardShape(s, flag);
    case 'inverse3d': return haar3dInverseShape(s, flag);
    case 'forward2d': return haar2dForwardShape(s);
    case 'inverse2d': return haar2dInverseShape(s);
  }
}

function reference(op: HaarOp, x: Float32Array, s: VideoShape, flag: boolean, coefficient: number): Float32Array {
  switch (op) {
    case 'forward3d': return refHaar3dForward(x, s, flag, coefficient);
    case 'inverse3d': return refHaar3dInverse(x, s, flag, coefficient);
    case 'forward2d': return refHaar2dForward(x, s);
    case 'inverse2d': return refHaar2dInverse(x, s);
  }
}

function encodeOp(k: HaarKernels, op: HaarOp, enc: GPUCommandEncoder, s: VideoShape, input: GPUBuffer, output: GPUBuffer, flag: boolean): void {
  switch (op) {
    case 'forward3d': return k.encodeForward3D(enc, s, input, output, flag);
    case 'inverse3d': return k.encodeInverse3D(enc, s, input, output, flag);
    case 'forward2d': return k.encodeForward2D(enc, s, input, output);
    case 'inverse2d': return k.encodeInverse2D(enc, s, input, output);
  }
}

function compare(gpuOut: Float32Array, ref: Float32Array): { maxAbs: number; maxRef: number; rel: number; finite: boolean } {
  if (gpuOut.length !== ref.length) throw new Error(`length mismatch ${gpuOut.length} vs ${ref.length}`);
  let maxAbs = 0;
  let maxRef = 0;
  let finite = true;
  for (let i = 0; i < ref.length; i++) {
    if (!Number.isFinite(gpuOut[i])) finite = false;
    const d = Math.abs(gpuOut[i] - ref[i]);
    if (!(d <= maxAbs)) maxAbs = d;
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
  }
  return { maxAbs, maxRef, rel: maxRef > 0 ? maxAbs / maxRef : maxAbs, finite };
}

function fmt(s: VideoShape): string {
  return `[${s.batch},${s.channels},${s.frames},${s.height},${s.width}]`;
}

function caseLabel(c: ParityCase): string {
  const flag = c.op === 'forward3d' ? (c.flag ?? true ? ' first' : ' later') : c.op === 'inverse3d' ? (c.flag ?? true ? ' drop' : ' keep') : '';
  const wg = c.maxWorkgroupsPerDimension ? ` maxWG=${c.maxWorkgroupsPerDimension}` : '';
  return `${c.op}${flag} ${fmt(c.shape)}${wg}`;
}

/** Adapter name, e.g. "google swiftshader (fallback)". */
export async function adapterName(): Promise<string> {
  return adapterLabel((await gpu()).summary);
}

/** Runs each case on the GPU (one submit per case) and compares with the CPU reference. */
export async function parity(cases: ParityCase[]): Promise<ParityResult[]> {
  const { device } = await gpu();
  const results: ParityResult[] = [];
  for (const c of cases) {
    const flag = c.flag ?? true;
    const coefficient = c.coefficient3d ?? HAAR3D_UPSTREAM_COEFFICIENT;
    const k = await kernelsFor(coefficient, c.maxWorkgroupsPerDimension);
    const outShape = outShapeOf(c.op, c.shape, flag);
    const x = randomTensor(videoElements(c.shape), c.seed);
    const input = uploadTensor(device, x, 'haar in');
    const output = createTensor(device, videoElements(outShape), 'haar out');
    device.pushErrorScope('validation');
    const enc = device.createCommandEncoder();
    encodeOp(k, c.op, enc, c.shape, input, output, flag);
    device.queue.submit([enc.finish()]);
    const err = await device.popErrorScope();
    const got = await readTensor(device, output, videoElements(outShape));
    input.destroy();
    output.destroy();
    const ref = reference(c.op, x, c.shape, flag, coefficient);
    // One invocation per 2x2x2 (3D) or 2x2 (2D) block = elements of the subband-side tensor / subbands.
    const subbandSide = c.op.startsWith('forward') ? outShape : c.shape;
    const blocks = videoElements(subbandSide) / (c.op.endsWith('3d') ? 8 : 4);
    results.push({
      label: caseLabel(c),
      outShape,
      dispatch: k.dispatchSize(blocks),
      ...compare(got, ref),
      validation: err ? err.message : null,
    });
  }
  return results;
}

export interface RoundTripResult {
  label: string;
  maxAbs: number;
  maxRef: number;
  rel: number;
  finite: boolean;
  validation: string | null;
}

/**
 * forward → inverse on the GPU in one command buffer, compared with `scale`·x: scale 1 for the exact 3D coefficient
 * and for 2D, 8·f32(0.3536)² = 1.000264 for the upstream 3D coefficient.
 */
export async function roundTrips(): Promise<RoundTripResult[]> {
  const { device } = await gpu();
  const cu = Math.fround(HAAR3D_UPSTREAM_COEFFICIENT);
  const runs: { label: string; dims: '3d' | '2d'; shape: VideoShape; coefficient: number; scale: number; firstChunk: boolean }[] = [
    { label: '3D exact 1/(2√2), one-shot', dims: '3d', shape: { batch: 2, channels: 3, frames: 5, height: 6, width: 10 }, coefficient: HAAR3D_EXACT_COEFFICIENT, scale: 1, firstChunk: true },
    { label: '3D exact 1/(2√2), T=1', dims: '3d', shape: { batch: 1, channels: 8, frames: 1, height: 16, width: 16 }, coefficient: HAAR3D_EXACT_COEFFICIENT, scale: 1, firstChunk: true },
    { label: '3D exact 1/(2√2), later chunk', dims: '3d', shape: { batch: 1, channels: 3, frames: 8, height: 6, width: 10 }, coefficient: HAAR3D_EXACT_COEFFICIENT, scale: 1, firstChunk: false },
    { label: '3D upstream 0.3536 → 8c²·x', dims: '3d', shape: { batch: 2, channels: 3, frames: 5, height: 6, width: 10 }, coefficient: HAAR3D_UPSTREAM_COEFFICIENT, scale: 8 * cu * cu, firstChunk: true },
    { label: '2D (±1/2)', dims: '2d', shape: { batch: 2, channels: 3, frames: 3, height: 34, width: 18 }, coefficient: HAAR3D_UPSTREAM_COEFFICIENT, scale: 1, firstChunk: true },
  ];
  const out: RoundTripResult[] = [];
  let seed = 100;
  for (const r of runs) {
    const k = await kernelsFor(r.coefficient);
    const x = randomTensor(videoElements(r.shape), seed++);
    const mid = r.dims === '3d' ? haar3dForwardShape(r.shape, r.firstChunk) : haar2dForwardShape(r.shape);
    const input = uploadTensor(device, x);
    const coeffs = createTensor(device, videoElements(mid));
    const back = createTensor(device, videoElements(r.shape));
    device.pushErrorScope('validation');
    const enc = device.createCommandEncoder();
    if (r.dims === '3d') {
      k.encodeForward3D(enc, r.shape, input, coeffs, r.firstChunk);
      k.encodeInverse3D(enc, mid, coeffs, back, r.firstChunk);
    } else {
      k.encodeForward2D(enc, r.shape, input, coeffs);
      k.encodeInverse2D(enc, mid, coeffs, back);
    }
    device.queue.submit([enc.finish()]);
    const err = await device.popErrorScope();
    const got = await readTensor(device, back, videoElements(r.shape));
    for (const b of [input, coeffs, back]) b.destroy();
    out.push({ label: r.label, ...compare(got, Float32Array.from(x, (v) => v * r.scale)), validation: err ? err.message : null });
  }
  return out;
}

/** Copies frames [t0, t1) of a [B, C, T, H, W] tensor on the CPU. */
function sliceFrames(x: Float32Array, s: VideoShape, t0: number, t1: number): Float32Array {
  const plane = s.height * s.width;
  const n = t1 - t0;
  const out = new Float32Array(s.batch * s.channels * n * plane);
  for (let bc = 0; bc < s.batch * s.channels; bc++) out.set(x.subarray((bc * s.frames + t0) * plane, (bc * s.frames + t1) * plane), bc * n * plane);
  return out;
}

/**
 * Chunked (causal-cache) use on the GPU: 3D forward of frames [0,1) (first chunk), [1,9), [9,17) (later chunks), and
 * 3D inverse of coefficient frames [0,1) (drop first) + [1,5) + [5,9) (keep all), each concatenated along T, versus
 * the one-shot GPU result. Returns the number of mismatching elements (expected 0: same arithmetic, bit-identical).
 */
export async function chunkedMatchesOneShot(): Promise<{ forwardMismatches: number; inverseMismatches: number; forwardFrames: number; inverseFrames: number }> {
  const { device } = await gpu();
  const k = await kernelsFor();
  const run = async (fn: (enc: GPUCommandEncoder, input: GPUBuffer, output: GPUBuffer) => void, x: Float32Array, outElems: number) => {
    const input = uploadTensor(device, x);
    const output = createTensor(device, outElems);
    const enc = device.createCommandEncoder();
    fn(enc, input, output);
    device.queue.submit([enc.finish()]);
    const r = await readTensor(device, output, outElems);
    input.destroy();
    output.destroy();
    return r;
  };
  const concat = (parts: { data: Float32Array; shape: VideoShape }[]): Float32Array => {
    const s0 = parts[0].shape;
    const T = parts.reduce((a, p) => a + p.shape.frames, 0);
    const plane = s0.height * s0.width;
    const out = new Float32Array(s0.batch * s0.channels * T * plane);
    for (let bc = 0; bc < s0.batch * s0.channels; bc++) {
      let t = 0;
      for (const p of parts) {
        out.set(p.data.subarray(bc * p.shape.frames * plane, (bc + 1) * p.shape.frames * plane), (bc * T + t) * plane);
        t += p.shape.frames;
      }
    }
    return out;
  };
  const mismatches = (a: Float32Array, b: Float32Array) => {
    if (a.length !== b.length) return Math.max(a.length, b.length);
    let n = 0;
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
    return n;
  };

  const xs: VideoShape = { batch: 2, channels: 3, frames: 17, height: 6, width: 10 };
  const x = randomTensor(videoElements(xs), 7);
  const oneF = await run((e, i, o) => k.encodeForward3D(e, xs, i, o, true), x, videoElements(haar3dForwardShape(xs)));
  const fParts: { data: Float32Array; shape: VideoShape }[] = [];
  for (const [t0, t1, first] of [[0, 1, true], [1, 9, false], [9, 17, false]] as const) {
    const cs = { ...xs, frames: t1 - t0 };
    const os = haar3dForwardShape(cs, first);
    fParts.push({ data: await run((e, i, o) => k.encodeForward3D(e, cs, i, o, first), sliceFrames(x, xs, t0, t1), videoElements(os)), shape: os });
  }

  const ys: VideoShape = { batch: 2, channels: 24, frames: 9, height: 3, width: 5 };
  const y = randomTensor(videoElements(ys), 8);
  const oneI = await run((e, i, o) => k.encodeInverse3D(e, ys, i, o, true), y, videoElements(haar3dInverseShape(ys)));
  const iParts: { data: Float32Array; shape: VideoShape }[] = [];
  for (const [t0, t1, drop] of [[0, 1, true], [1, 5, false], [5, 9, false]] as const) {
    const cs = { ...ys, frames: t1 - t0 };
    const os = haar3dInverseShape(cs, drop);
    iParts.push({ data: await run((e, i, o) => k.encodeInverse3D(e, cs, i, o, drop), sliceFrames(y, ys, t0, t1), videoElements(os)), shape: os });
  }
  return {
    forwardMismatches: mismatches(concat(fParts), oneF),
    inverseMismatches: mismatches(concat(iParts), oneI),
    forwardFrames: fParts.reduce((a, p) => a + p.shape.frames, 0),
    inverseFrames: iParts.reduce((a, p) => a + p.shape.frames, 0),
  };
}

/** Host-side validation and resource hygiene: the error messages of bad calls, and uniform-buffer reuse. */
export async function validationAndReuse(): Promise<{ errors: Record<string, string>; uniformsAfterRepeats: number; usedAfterDestroy: string }> {
  const { device } = await gpu();
  const k = new HaarKernels(device);
  const s: VideoShape = { batch: 1, channels: 3, frames: 5, height: 4, width: 4 };
  const big = createTensor(device, 4096);
  const big2 = createTensor(device, 4096);
  const small = createTensor(device, 8);
  const enc = device.createCommandEncoder();
  const errors: Record<string, string> = {};
  const attempt = (name: string, fn: () => void) => {
    try {
      fn();
      errors[name] = '(no error)';
    } catch (e) {
      errors[name] = (e as Error).message;
    }
  };
  attempt('oddHeight', () => k.encodeForward3D(enc, { ...s, height: 5 }, big, big2));
  attempt('oddWidth2d', () => k.encodeForward2D(enc, { ...s, width: 3 }, big, big2));
  attempt('evenTfirstChunk', () => k.encodeForward3D(enc, { ...s, frames: 4 }, big, big2, true));
  attempt('oddTlaterChunk', () => k.encodeForward3D(enc, s, big, big2, false));
  attempt('inputTooSmall', () => k.encodeForward3D(enc, s, small, big2));
  attempt('outputTooSmall', () => k.encodeInverse3D(enc, { ...s, channels: 24 }, big, small));
  attempt('inverseChannels', () => k.encodeInverse3D(enc, { ...s, channels: 12 }, big, big2));
  attempt('inPlace', () => k.encodeForward2D(enc, s, big, big));
  // Repeated encodes of the same shapes reuse their uniform buffers.
  for (let i = 0; i < 5; i++) {
    k.encodeForward3D(enc, s, big, big2);
    k.encodeForward3D(enc, { ...s, frames: 4 }, big, big2, false);
    k.encodeForward2D(enc, s, big, big2);
  }
  const uniformsAfterRepeats = k.cachedUniformCount;
  device.queue.submit([enc.finish()]);
  await device.queue.onSubmittedWorkDone();
  k.destroy();
  let usedAfterDestroy = '(no error)';
  try {
    k.encodeForward2D(device.createCommandEncoder(), s, big, big2);
  } catch (e) {
    usedAfterDestroy = (e as Error).message;
  }
  for (const b of [big, big2, small]) b.destroy();
  return { errors, uniformsAfterRepeats, usedAfterDestroy };
}
