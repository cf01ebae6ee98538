// Head-to-head kernel benchmark, run in the page by bench/run-kernels.mjs (`npm run bench:kernels`).
// Same adapter, same GPUDevice, one run: our Skiparse kernels (both variants of src/kernels/skiparse/skiparse.ts: 'simple', tuned
// on SwiftShader, and the GPU-tuned 'tiled'; one row each) vs ORT WebGPU executing the same math as an ONNX graph
// (bench/make_graphs.py) vs our dense mode; our Haar kernels vs ORT Conv/ConvTranspose vs a plain copy; add_frames
// vs a plain copy. Shapes: each kernel's record (src/kernels/<name>/kernel.json `bench`, via src/kernels/registry.ts).
// `?kernels=tiled` (or simple) limits the Skiparse rows to one kernel.
import * as ort from 'onnxruntime-web/webgpu';
import { timeGpu, type Timing } from './timing';
import { acquireGpu, adapterLabel, type AdapterSummary } from '../src/gpu/device';
import { createTensor, readTensor, uploadTensor } from '../src/gpu/buffers';
import { maxErrors, randomTensor } from '../test-support/test-data';
import { SkiparseAttention, type AttentionMode, type SkiparseVariant } from '../src/kernels/skiparse/skiparse';
import { HaarKernels, haar3dForwardShape, type VideoShape } from '../src/kernels/haar/haar';
import { CopyKernel } from '../src/kernels/copy/copy';
import { AddFramesKernel, addFramesCheck, sideElements } from '../src/kernels/add-frames/add-frames';
import { KERNELS } from '../src/kernels/registry';

const configs = { attention: KERNELS.skiparse.bench, haar: KERNELS.haar.bench, addFrames: KERNELS.addFrames.bench };

type AttentionConfig = (typeof configs.attention)[number];
type HaarConfig = (typeof configs.haar)[number];
type AddFramesConfig = (typeof configs.addFrames)[number];

export interface AttentionRow {
  config: string; tokens: number; batch: number; heads: number; headDim: number; k: number; mode: AttentionMode;
  kernel: SkiparseVariant; oursMs: number; ortMs: number; ortOverOurs: number; maxAbsDiffVsOrt: number;
}
export interface HaarRow {
  config: string; op: 'forward3d' | 'inverse3d'; elementsIn: number; elementsOut: number;
  oursMs: number; ortMs: number; copyMs: number; ortOverOurs: number; fractionOfCopyBandwidth: number; oursGBps: number;
  maxAbsDiffVsOrt: number;
}
export interface AddFramesRow {
  config: string; elements: number; oursMs: number; copyMs: number; fractionOfCopyBandwidth: number; oursGBps: number; maxAbsDiffVsCpu: number;
}
export interface KernelBenchResult {
  adapter: AdapterSummary; adapterLabel: string; userAgent: string; date: string; reps: number; warmup: number;
  attention: AttentionRow[];
  denseOverSkiparse: { config: string; kernel: SkiparseVariant; tokens: number; k: number; singleSpeedup: number; groupSpeedup: number }[];
  haar: HaarRow[];
  addFrames?: AddFramesRow[];
}

const params = new URLSearchParams(location.search);
const reps = Number(params.get('reps') ?? 5);
const warmup = Number(params.get('warmup') ?? 1);
const only = params.get('only'); // optional substring filter on config names
const variants = (params.get('kernels') ?? 'simple,tiled').split(',') as SkiparseVariant[];
const logEl = document.getElementById('log')!;
const log = (s: string) => { logEl.textContent += `\n${s}`; console.log(s); };

async function ortSession(device: GPUDevice, file: string): Promise<ort.InferenceSession> {
  const url = new URL(`./graphs/${file}`, import.meta.url);
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  // Native WebGPU EP on our own device: ORT's buffers and ours live on one GPUDevice (platform.md).
  return ort.InferenceSession.create(bytes, {
    executionProviders: [{ name: 'webgpu', device } as unknown as ort.InferenceSession.ExecutionProviderConfig],
    preferredOutputLocation: 'gpu-buffer',
    graphOptimizationLevel: 'all',
  });
}

const gpuTensor = (buf: GPUBuffer, dims: number[]) => ort.Tensor.fromGpuBuffer(buf, { dataType: 'float32', dims });

async function benchAttention(device: GPUDevice, cfg: AttentionConfig, kernels: SkiparseAttention[]): Promise<AttentionRow[]> {
  const { batch, tokens, heads, headDim, k } = cfg;
  const n = batch * tokens * heads * headDim;
  const [q, kk, v] = [1, 2, 3].map((s) => uploadTensor(device, randomTensor(n, s * 7919 + tokens)));
  const ours = createTensor(device, n);
  const theirs = createTensor(device, n);
  const dims = [batch, tokens, heads * headDim];
  const rows: AttentionRow[] = [];
  for (const mode of ['single', 'group', 'dense'] as AttentionMode[]) {
    const shape = { batch, tokens, heads, headDim, mode, k };
    const session = await ortSession(device, `attention_${mode}_${cfg.name}.onnx`);
    const feeds = { q: gpuTensor(q, dims), k: gpuTensor(kk, dims), v: gpuTensor(v, dims) };
    const fetches = { out: gpuTensor(theirs, dims) };
    const runOrt = async () => { await session.run(feeds, fetches); };
    const t2: Timing = await timeGpu(device, runOrt, warmup, reps);
    const expected = await readTensor(device, theirs, n);
    await session.release();
    for (const kernel of kernels) {
      const runOurs = () => {
        const enc = device.createCommandEncoder();
        kernel.encode(enc, shape, q, kk, v, ours);
        device.queue.submit([enc.finish()]);
      };
      const t1: Timing = await timeGpu(device, runOurs, warmup, reps);
      const diff = maxErrors(await readTensor(device, ours, n), expected).abs;
      const row: AttentionRow = {
        config: cfg.name, tokens, batch, heads, headDim, k, mode, kernel: kernel.variant,
        oursMs: t1.medianMs, ortMs: t2.medianMs, ortOverOurs: t2.medianMs / t1.medianMs, maxAbsDiffVsOrt: diff,
      };
      log(`attention ${cfg.name} ${mode} [${kernel.variant}]: ours ${row.oursMs.toFixed(2)} ms, ORT ${row.ortMs.toFixed(2)} ms, ` +
        `ORT/ours ${row.ortOverOurs.toFixed(2)}x, max|diff| ${diff.toExponential(2)}`);
      rows.push(row);
    }
  }
  for (const b of [q, kk, v, ours, theirs]) b.destroy();
  return rows;
}

function elementsOf(s: VideoShape): number {
  return s.batch * s.channels * s.frames * s.height * s.width;
}

/** The copy kernel moving `words` 32-bit words (half read, half written; rounded to whole vec4s): the bandwidth yardstick. */
async function timeCopy(device: GPUDevice, copy: CopyKernel, words: number): Promise<Timing> {
  const elems = Math.ceil(words / 2 / 4) * 4;
  const src = createTensor(device, elems);
  const dst = createTensor(device, elems);
  const t = await timeGpu(device, () => {
    const enc = device.createCommandEncoder();
    copy.encode(enc, src, dst, elems);
    device.queue.submit([enc.finish()]);
  }, warmup, reps);
  src.destroy();
  dst.destroy();
  return t;
}

async function benchHaar(device: GPUDevice, cfg: HaarConfig, haar: HaarKernels, copy: CopyKernel): Promise<HaarRow[]> {
  const video: VideoShape = { batch: cfg.batch, channels: cfg.channels, frames: cfg.frames, height: cfg.height, width: cfg.width };
  const coeffs = haar3dForwardShape(video, true);
  const nIn = elementsOf(video);
  const nOut = elementsOf(coeffs);
  const x = uploadTensor(device, randomTensor(nIn, 17));
  const y = uploadTensor(device, randomTensor(nOut, 23));
  const ours = createTensor(device, Math.max(nIn, nOut));
  const theirs = createTensor(device, Math.max(nIn, nOut));
  const xDims = [video.batch, video.channels, video.frames, video.height, video.width];
  const yDims = [coeffs.batch, coeffs.channels, coeffs.frames, coeffs.height, coeffs.width];
  // Copy the same total bytes the transform moves (reads + writes).
  const tCopy = await timeCopy(device, copy, nIn + nOut);
  const rows: HaarRow[] = [];
  for (const op of ['forward3d', 'inverse3d'] as const) {
    const [input, inDims, outDims, nOutOp] = op === 'forward3d' ? [x, xDims, yDims, nOut] : [y, yDims, xDims, nIn];
    const runOurs = () => {
      const enc = device.createCommandEncoder();
      if (op === 'forward3d') haar.encodeForward3D(enc, video, x, ours, true);
      else haar.encodeInverse3D(enc, coeffs, y, ours, true);
      device.queue.submit([enc.finish()]);
    };
    const file = `haar3d_${op === 'forward3d' ? 'forward' : 'inverse'}_${cfg.name}.onnx`;
    const session = await ortSession(device, file);
    const inName = op === 'forward3d' ? 'x' : 'y';
    const outName = op === 'forward3d' ? 'y' : 'x';
    const runOrt = async () => {
      await session.run({ [inName]: gpuTensor(input, inDims) }, { [outName]: gpuTensor(theirs, outDims) });
    };
    const t1 = await timeGpu(device, runOurs, warmup, reps);
    const t2 = await timeGpu(device, runOrt, warmup, reps);
    const diff = maxErrors(await readTensor(device, ours, nOutOp), await readTensor(device, theirs, nOutOp)).abs;
    await session.release();
    const bytes = (nIn + nOut) * 4;
    const row: HaarRow = {
      config: cfg.name, op, elementsIn: op === 'forward3d' ? nIn : nOut, elementsOut: nOutOp,
      oursMs: t1.medianMs, ortMs: t2.medianMs, copyMs: tCopy.medianMs, ortOverOurs: t2.medianMs / t1.medianMs,
      fractionOfCopyBandwidth: tCopy.medianMs / t1.medianMs, oursGBps: bytes / (t1.medianMs * 1e6), maxAbsDiffVsOrt: diff,
    };
    log(`haar ${cfg.name} ${op}: ours ${row.oursMs.toFixed(3)} ms, ORT ${row.ortMs.toFixed(3)} ms, copy ${row.copyMs.toFixed(3)} ms, ` +
      `ORT/ours ${row.ortOverOurs.toFixed(2)}x, ${(100 * row.fractionOfCopyBandwidth).toFixed(0)}% of copy, max|diff| ${diff.toExponential(2)}`);
    rows.push(row);
  }
  for (const b of [x, y, ours, theirs]) b.destroy();
  return rows;
}

// add_frames moves 3 words per added element (read src, read + write dst): timed against a copy of the same bytes.
async function benchAddFrames(device: GPUDevice, cfg: AddFramesConfig, add: AddFramesKernel, copy: CopyKernel): Promise<AddFramesRow> {
  const n = addFramesCheck(cfg);
  const srcHost = randomTensor(sideElements(cfg, cfg.src), 29);
  const dstHost = randomTensor(sideElements(cfg, cfg.dst), 31);
  const src = uploadTensor(device, srcHost);
  const dst = uploadTensor(device, dstHost);
  const runOnce = () => {
    const enc = device.createCommandEncoder();
    add.encode(enc, cfg, src, dst);
    device.queue.submit([enc.finish()]);
  };
  // Correctness of one add on fresh data (every timed run adds again), against the plain CPU sum.
  runOnce();
  const got = await readTensor(device, dst, dstHost.length);
  const expected = Float32Array.from(dstHost);
  const plane = cfg.plane;
  for (let b = 0; b < cfg.batch; b++) for (let c = 0; c < cfg.channels; c++) for (let f = 0; f < cfg.frames; f++) for (let p = 0; p < plane; p++) {
    const di = ((b * cfg.dst.channels + c) * cfg.dst.frames + cfg.dst.offset + f) * plane + p;
    expected[di] = Math.fround(expected[di] + srcHost[((b * cfg.src.channels + c) * cfg.src.frames + cfg.src.offset + f) * plane + p]);
  }
  const diff = maxErrors(got, expected).abs;
  const t = await timeGpu(device, runOnce, warmup, reps);
  const tCopy = await timeCopy(device, copy, 3 * n);
  for (const b of [src, dst]) b.destroy();
  const row: AddFramesRow = {
    config: cfg.name, elements: n, oursMs: t.medianMs, copyMs: tCopy.medianMs, fractionOfCopyBandwidth: tCopy.medianMs / t.medianMs,
    oursGBps: (3 * n * 4) / (t.medianMs * 1e6), maxAbsDiffVsCpu: diff,
  };
  log(`add_frames ${cfg.name}: ours ${row.oursMs.toFixed(3)} ms, copy ${row.copyMs.toFixed(3)} ms, ` +
    `${(100 * row.fractionOfCopyBandwidth).toFixed(0)}% of copy, max|diff| ${diff.toExponential(2)}`);
  return row;
}

async function main(): Promise<KernelBenchResult> {
  const { device, summary } = await acquireGpu();
  ort.env.logLevel = 'error';
  log(`adapter: ${adapterLabel(summary)}; reps ${reps}, warmup ${warmup}`);
  const attention: AttentionRow[] = [];
  const kernels = variants.map((variant) => new SkiparseAttention(device, { variant }));
  for (const cfg of configs.attention) if (!only || cfg.name.includes(only)) attention.push(...(await benchAttention(device, cfg, kernels)));
  for (const kernel of kernels) kernel.destroy();
  const haarRows: HaarRow[] = [];
  const haar = new HaarKernels(device);
  const copy = new CopyKernel(device);
  for (const cfg of configs.haar) if (!only || cfg.name.includes(only)) haarRows.push(...(await benchHaar(device, cfg, haar, copy)));
  const addFrames: AddFramesRow[] = [];
  const add = new AddFramesKernel(device);
  for (const cfg of configs.addFrames) if (!only || cfg.name.includes(only)) addFrames.push(await benchAddFrames(device, cfg, add, copy));
  add.destroy();
  haar.destroy();
  copy.destroy();
  const denseOverSkiparse = configs.attention
    .filter((c) => attention.some((r) => r.config === c.name))
    .flatMap((c) => variants.map((kernel) => {
      const ms = (m: AttentionMode) => attention.find((r) => r.config === c.name && r.mode === m && r.kernel === kernel)!.oursMs;
      return { config: c.name, kernel, tokens: c.tokens, k: c.k, singleSpeedup: ms('dense') / ms('single'), groupSpeedup: ms('dense') / ms('group') };
    }));
  return {
    adapter: summary, adapterLabel: adapterLabel(summary), userAgent: navigator.userAgent, date: new Date().toISOString(),
    reps, warmup, attention, denseOverSkiparse, haar: haarRows, addFrames,
  };
}

const w = window as unknown as { __benchResult?: KernelBenchResult; __benchError?: string };
main().then(
  (r) => { w.__benchResult = r; log('done'); },
  (e: unknown) => { w.__benchError = e instanceof Error ? `${e.message}\n${e.stack}` : String(e); log(`failed: ${w.__benchError}`); },
);
