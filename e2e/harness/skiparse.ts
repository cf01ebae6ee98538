// Browser side of e2e/kernels-skiparse.spec.ts: runs a WGSL Skiparse kernel (either variant) on random inputs and compares it with
// the CPU reference (src/kernels/skiparse/reference.ts, upstream's pad → regroup → dense attention → inverse → crop).
import { acquireGpu, adapterLabel, type GpuContext } from '../../src/gpu/device';
import { readTensor, uploadTensor } from '../../src/gpu/buffers';
import { maxErrors, randomTensor } from '../../test-support/test-data';
import { SkiparseAttention, type AttentionShape, type SkiparseVariant } from '../../src/kernels/skiparse/skiparse';
import type { SkiparseTiledConfig, SkiparseTiledGeometry } from '../../src/kernels/skiparse/tiled';
import { skiparseAttentionReference } from '../../src/kernels/skiparse/reference';
import type { SkiparseCase } from '../../src/kernels/skiparse/parity';

export type { SkiparseCase } from '../../src/kernels/skiparse/parity';

export interface SkiparseCaseResult {
  name: string;
  maxAbs: number;
  maxRel: number;
  /** Largest |reference| value, for context. */
  refMax: number;
  tiles: string;
  gpuMs: number;
  /** Every output element written, nothing written past the tensor. */
  coverageOk: boolean;
  gpuError: string | null;
}

let ctx: Promise<GpuContext> | null = null;
const gpu = () => (ctx ??= acquireGpu());
const kernels = new Map<string, SkiparseAttention>();

function kernelFor(device: GPUDevice, c: SkiparseCase): SkiparseAttention {
  const key = JSON.stringify([c.variant ?? 'simple', c.maxWorkgroupStorageBytes ?? 0, c.tiledGeometry ?? null]);
  let kern = kernels.get(key);
  if (!kern) {
    kern = new SkiparseAttention(device, {
      variant: c.variant ?? 'simple', tiledGeometry: c.tiledGeometry,
      ...(c.maxWorkgroupStorageBytes === undefined ? {} : { maxWorkgroupStorageBytes: c.maxWorkgroupStorageBytes }),
    });
    kernels.set(key, kern);
  }
  return kern;
}

export async function adapter(): Promise<string> {
  const c = await gpu();
  return `${adapterLabel(c.summary)} | features: ${c.summary.features.join(', ')} | ` +
    `maxComputeWorkgroupStorageSize ${c.summary.maxComputeWorkgroupStorageSize}`;
}

export function caseName(c: SkiparseCase): string {
  const mag = (c.qkMagnitude ?? 1) !== 1 || (c.vMagnitude ?? 1) !== 1 ? ` qk×${c.qkMagnitude ?? 1} v×${c.vMagnitude ?? 1}` : '';
  const budget = c.maxWorkgroupStorageBytes ? ` wgmem≤${c.maxWorkgroupStorageBytes}` : '';
  const g = c.tiledGeometry;
  const geometry = g ? ` QT=${g.queryTile} TR=${g.threadRows} KT=${g.keyTile}` : '';
  const scale = c.scale !== undefined ? ` scale=${c.scale}` : '';
  return `${c.mode}${c.mode === 'dense' ? '' : ` k=${c.k}`} B=${c.batch} N=${c.tokens} H=${c.heads} D=${c.headDim}${scale}${mag}${budget}${geometry} [${c.variant ?? 'simple'}]`;
}

const SENTINEL = 7777.5;
const GUARD = 64; // extra elements after the output tensor that must stay untouched

export async function runSkiparseCases(cases: SkiparseCase[]): Promise<SkiparseCaseResult[]> {
  const { device } = await gpu();
  const results: SkiparseCaseResult[] = [];
  for (const c of cases) {
    const n = c.batch * c.tokens * c.heads * c.headDim;
    const qk = c.qkMagnitude ?? 1;
    const hq = randomTensor(n, c.seed * 3 + 1, qk);
    const hk = randomTensor(n, c.seed * 3 + 2, qk);
    const hv = randomTensor(n, c.seed * 3 + 3, c.vMagnitude ?? 1);
    const q = uploadTensor(device, hq);
    const k = uploadTensor(device, hk);
    const v = uploadTensor(device, hv);
    const out = uploadTensor(device, new Float32Array(n + GUARD).fill(SENTINEL));
    const kern = kernelFor(device, c);

    device.pushErrorScope('validation');
    const t0 = performance.now();
    const enc = device.createCommandEncoder();
    kern.encode(enc, c, q, k, v, out);
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
    const gpuMs = performance.now() - t0;
    const err = await device.popErrorScope();

    const got = await readTensor(device, out, n + GUARD);
    const body = got.subarray(0, n);
    const coverageOk = got.subarray(n).every((x) => x === SENTINEL) && body.every((x) => x !== SENTINEL);
    const ref = skiparseAttentionReference(c, hq, hk, hv);
    const { abs, rel } = maxErrors(body, ref, 1e-3);
    let refMax = 0;
    for (const x of ref) refMax = Math.max(refMax, Math.abs(x));
    const cfg = kern.tileConfig(c.headDim);
    const threads = 'threadRows' in cfg ? ` TR=${cfg.threadRows} TC=${(cfg as SkiparseTiledConfig).threadCols}` : '';
    results.push({
      name: caseName(c), maxAbs: abs, maxRel: rel, refMax, gpuMs, coverageOk,
      tiles: `QT=${cfg.queryTile} KT=${cfg.keyTile}${threads} (${cfg.workgroupStorageBytes} B)`,
      gpuError: err ? err.message : null,
    });
    for (const b of [q, k, v, out]) b.destroy();
  }
  return results;
}

/** API contract checks: clear validation errors, one cached uniform per shape, destroy() frees them. */
export async function checkApiContract(variant: SkiparseVariant = 'simple'): Promise<{ errors: string[]; cachedAfterRepeats: number; cachedAfterSecondShape: number; gpuError: string | null }> {
  const { device } = await gpu();
  const kern = new SkiparseAttention(device, { variant });
  const shape: AttentionShape = { batch: 1, tokens: 20, heads: 2, headDim: 8, mode: 'group', k: 4 };
  const n = 20 * 2 * 8;
  const bufs = [1, 2, 3, 4].map((s) => uploadTensor(device, randomTensor(n, s)));
  const small = uploadTensor(device, new Float32Array(n - 1));
  const [q, k, v, out] = bufs;
  const errors: string[] = [];
  const tryEncode = (s: AttentionShape, o: GPUBuffer = out, qq: GPUBuffer = q) => {
    try {
      kern.encode(device.createCommandEncoder(), s, qq, k, v, o);
      errors.push('(no error)');
    } catch (e) {
      errors.push((e as Error).message);
    }
  };
  tryEncode({ ...shape, k: 3 });
  tryEncode({ ...shape, headDim: 160 });
  tryEncode({ ...shape, tokens: 0 });
  tryEncode(shape, small);
  tryEncode(shape, out, small);
  tryEncode(shape, q);
  try {
    new SkiparseAttention(device, { variant: 'fast' as SkiparseVariant });
    errors.push('(no error)');
  } catch (e) {
    errors.push((e as Error).message);
  }
  try {
    const bad = new SkiparseAttention(device, { variant: 'tiled', tiledGeometry: { queryTile: 30, threadRows: 8, keyTile: 16 } });
    bad.encode(device.createCommandEncoder(), shape, q, k, v, out);
    errors.push('(no error)');
  } catch (e) {
    errors.push((e as Error).message);
  }

  device.pushErrorScope('validation');
  const enc = device.createCommandEncoder();
  for (let i = 0; i < 5; i++) kern.encode(enc, shape, q, k, v, out);
  const cachedAfterRepeats = kern.cachedShapeCount;
  kern.encode(enc, { ...shape, mode: 'single' }, q, k, v, out);
  const cachedAfterSecondShape = kern.cachedShapeCount;
  device.queue.submit([enc.finish()]);
  await device.queue.onSubmittedWorkDone();
  const err = await device.popErrorScope();
  kern.destroy();
  for (const b of [...bufs, small]) b.destroy();
  return { errors, cachedAfterRepeats, cachedAfterSecondShape, gpuError: err ? err.message : null };
}
