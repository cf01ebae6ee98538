// Our WGSL kernels on a real GPU outside the browser: Dawn's Node bindings (npm `webgpu`, prebuilt dawn.node)
// driving the same TypeScript wrappers the app uses (src/gpu). Written for the lent device machine (no Node, no
// browser, no network there): bundled into one .mjs by bench/build-node-gpu-bench.mjs, run with a carried `node` and
// `dawn.node`; see docs/BENCHMARKS.md "Real GPU (H200/H100), WebGPU via Dawn in Node". Prints one JSON object.
//
//   node node-gpu-bench.mjs --dawn path/to/dawn.node [--backend vulkan|opengl] [--quick] [--out file.json]
//                           [--dump dir]   (writes one attention case's inputs/outputs for bench/gpu_baseline.py)
//                           [--kernels tiled,simple]   (Skiparse kernels to time; both by default)
//                           [--simple-max-tokens N]    (time the simple kernel only up to N tokens; it takes seconds
//                                                       per launch at 36k tokens)
//                           [--no-sweep]  (skip the tiled kernel's tile-geometry sweep)
//
// Both Skiparse kernels (src/kernels/skiparse/skiparse.ts variants 'simple' and 'tiled') are checked and timed on the same inputs;
// every attention row names its `kernel`. The sweep times the tiled kernel's candidate geometries at two shapes so
// one device run also says which tiles suit the GPU.
// Correctness first: every kernel is checked against the CPU references (src/kernels/*/reference.ts) on small shapes, and
// the run stops if one disagrees. Timing: GPU timestamp queries around each compute pass when the adapter has
// 'timestamp-query' (median over passes), plus wall-clock per iteration of a batch of back-to-back dispatches
// waited with queue.onSubmittedWorkDone (throughput including Dawn's submission path).
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AttentionMode, AttentionShape, SkiparseAttention as SkiparseAttentionT, SkiparseVariant } from '../src/kernels/skiparse/skiparse';
import type { SkiparseTiledGeometry } from '../src/kernels/skiparse/tiled';
import type { VideoShape } from '../src/kernels/haar/haar';
import { requestFullDevice } from '../src/gpu/device';
import { KERNELS } from '../src/kernels/registry';

const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes('--quick');
const kernels = (arg('kernels') ?? 'tiled,simple').split(',') as SkiparseVariant[];
if (!kernels.every((k) => k === 'tiled' || k === 'simple')) throw new Error(`--kernels: tiled and/or simple, got ${arg('kernels')}`);
const simpleMaxTokens = Number(arg('simple-max-tokens') ?? Infinity);
const sweep = !argv.includes('--no-sweep');
const backend = arg('backend') ?? 'vulkan';
const dawnPath = arg('dawn');
if (!dawnPath) throw new Error('--dawn <path to dawn.node> is required');
const log = (s: string) => process.stderr.write(`${s}\n`);

// dawn.node must be loaded and its globals (GPUBufferUsage, GPUShaderStage, GPUMapMode…) installed before the
// wrappers run (they read those globals when called), hence the dynamic imports below.
const dawn = createRequire(import.meta.url)(dawnPath) as { create(flags: string[]): GPU; globals: Record<string, unknown> };
Object.assign(globalThis, dawn.globals);
const flags = [`backend=${backend}`, 'disable-dawn-features=timestamp_quantization'];
const gpu = dawn.create(flags);
(globalThis as { __dawnGpu?: GPU }).__dawnGpu = gpu; // platform.md: a collected create() object crashes its devices

const { SkiparseAttention } = await import('../src/kernels/skiparse/skiparse');
const { HaarKernels, haar3dForwardShape, haar3dInverseShape, haar2dForwardShape, haar2dInverseShape, videoElements } =
  await import('../src/kernels/haar/haar');
const { CopyKernel } = await import('../src/kernels/copy/copy');
const { AddFramesKernel, addFramesCheck, sideElements } = await import('../src/kernels/add-frames/add-frames');
const { createTensor, readTensor, uploadTensor } = await import('../src/gpu/buffers');
const { randomTensor, maxErrors } = await import('../test-support/test-data');
const { skiparseAttentionReference } = await import('../src/kernels/skiparse/reference');
const { refHaar3dForward, refHaar3dInverse, refHaar2dForward, refHaar2dInverse } = await import('../src/kernels/haar/reference');
const { median } = await import('./timing');

// ---------------------------------------------------------------- device
const featureLevel = backend === 'opengl' ? 'compatibility' : 'core';
const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance', featureLevel } as GPURequestAdapterOptions);
if (!adapter) throw new Error(`no WebGPU adapter from Dawn (backend=${backend})`);
const device = await requestFullDevice(adapter);
device.addEventListener('uncapturederror', (e) => log(`uncaptured WebGPU error: ${(e as GPUUncapturedErrorEvent).error.message}`));
const timestamps = device.features.has('timestamp-query');
const info = adapter.info;
const adapterInfo = {
  backend, vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description,
  features: [...device.features].sort(),
  limits: {
    maxBufferSize: device.limits.maxBufferSize,
    maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
    maxComputeWorkgroupStorageSize: device.limits.maxComputeWorkgroupStorageSize,
    maxComputeWorkgroupsPerDimension: device.limits.maxComputeWorkgroupsPerDimension,
  },
};
log(`adapter: ${JSON.stringify(adapterInfo)}`);

// ---------------------------------------------------------------- timing
interface Timing { gpuMs: number | null; gpuMinMs: number | null; wallMsPerIter: number; passes: number }

const MAX_PASSES = 64; // timestamp slots per resolve: 2 per pass
const querySet = timestamps ? device.createQuerySet({ type: 'timestamp', count: 2 * MAX_PASSES }) : null;
const resolveBuf = timestamps ? device.createBuffer({ size: 16 * MAX_PASSES, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }) : null;
const readBuf = timestamps ? device.createBuffer({ size: 16 * MAX_PASSES, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }) : null;

/**
 * Records `passes` repetitions of `record` into one encoder. With timestamps, every compute pass the wrappers open
 * gets a begin/end write (the wrappers call enc.beginComputePass themselves, so the descriptor is extended here).
 */
function encodeRepeated(record: (enc: GPUCommandEncoder) => void, passes: number, stamp: boolean): GPUCommandBuffer {
  const enc = device.createCommandEncoder();
  if (stamp && querySet) {
    let slot = 0;
    const begin = enc.beginComputePass.bind(enc);
    (enc as { beginComputePass: GPUCommandEncoder['beginComputePass'] }).beginComputePass = (d?: GPUComputePassDescriptor) => {
      if (slot >= MAX_PASSES) throw new Error('too many passes for the query set');
      const w = { querySet, beginningOfPassWriteIndex: 2 * slot, endOfPassWriteIndex: 2 * slot + 1 };
      slot++;
      return begin({ ...d, timestampWrites: w });
    };
    for (let i = 0; i < passes; i++) record(enc);
    enc.resolveQuerySet(querySet, 0, 2 * slot, resolveBuf!, 0);
    enc.copyBufferToBuffer(resolveBuf!, 0, readBuf!, 0, 16 * slot);
  } else {
    for (let i = 0; i < passes; i++) record(enc);
  }
  return enc.finish();
}

/** Times `record` (one kernel launch). Budget: about `budgetMs` of GPU work per phase, 3..MAX_PASSES passes (2 for slow ones). */
async function time(record: (enc: GPUCommandEncoder) => void, budgetMs = 400): Promise<Timing> {
  // Warm-up (pipeline creation, first-touch of buffers) and a rough cost estimate.
  device.queue.submit([encodeRepeated(record, 1, false)]);
  await device.queue.onSubmittedWorkDone();
  let t0 = performance.now();
  device.queue.submit([encodeRepeated(record, 1, false)]);
  await device.queue.onSubmittedWorkDone();
  const rough = performance.now() - t0;
  const passes = Math.max(rough > 500 ? 2 : 3, Math.min(MAX_PASSES, Math.floor(budgetMs / Math.max(rough, 1e-3))));

  // Wall clock: `passes` back-to-back launches in one submission.
  t0 = performance.now();
  device.queue.submit([encodeRepeated(record, passes, false)]);
  await device.queue.onSubmittedWorkDone();
  const wallMsPerIter = (performance.now() - t0) / passes;

  let gpuMs: number | null = null;
  let gpuMinMs: number | null = null;
  if (timestamps) {
    // A failure here must not lose the wall-clock figure: fall back to it and say why.
    try {
      device.pushErrorScope('validation');
      device.queue.submit([encodeRepeated(record, passes, true)]);
      const err = await device.popErrorScope();
      if (err) throw new Error(err.message);
      await readBuf!.mapAsync(GPUMapMode.READ, 0, 16 * passes);
      const t = new BigInt64Array(readBuf!.getMappedRange(0, 16 * passes).slice(0));
      readBuf!.unmap();
      const per: number[] = [];
      for (let i = 0; i < passes; i++) per.push(Number(t[2 * i + 1] - t[2 * i]) / 1e6);
      if (per.every((x) => x > 0)) {
        gpuMs = median(per);
        gpuMinMs = Math.min(...per);
      } else log(`timestamps not usable (${per.slice(0, 4).join(', ')}…); wall clock only`);
    } catch (e) {
      log(`timestamp timing failed (${(e as Error).message}); wall clock only`);
    }
  }
  return { gpuMs, gpuMinMs, wallMsPerIter, passes };
}

// ---------------------------------------------------------------- correctness (small shapes, CPU references)
const checks: { kernel: string; shape: string; maxAbs: number; tol: number; ok: boolean }[] = [];
function check(kernel: string, shape: string, ours: ArrayLike<number>, ref: ArrayLike<number>, tol: number): void {
  const { abs } = maxErrors(ours, ref);
  const ok = abs <= tol;
  checks.push({ kernel, shape, maxAbs: abs, tol, ok });
  log(`check ${kernel} ${shape}: max|diff| ${abs.toExponential(2)} ${ok ? 'ok' : `FAIL (tol ${tol})`}`);
}

const skiparse = { simple: new SkiparseAttention(device, { variant: 'simple' }), tiled: new SkiparseAttention(device, { variant: 'tiled' }) };
const haar = new HaarKernels(device);
const copy = new CopyKernel(device);

async function runAttention(
  kern: SkiparseAttentionT, shape: AttentionShape, q: GPUBuffer, k: GPUBuffer, v: GPUBuffer, n: number,
): Promise<Float32Array> {
  const out = createTensor(device, n);
  const enc = device.createCommandEncoder();
  kern.encode(enc, shape, q, k, v, out);
  device.queue.submit([enc.finish()]);
  const r = await readTensor(device, out, n);
  out.destroy();
  return r;
}

// Both kernels on the same inputs: the bench's shapes plus the tiled kernel's edges (batch > 1, k = 2 / 8, a
// sequence shorter than one tile, head dims that are not a multiple of 4 or of the invocation columns).
const attentionChecks: [number, number, number, number, number][] = [ // batch, tokens, heads, headDim, k
  [1, 37, 2, 96, 4], [1, 37, 3, 48, 4], [1, 300, 1, 48, 4], [2, 70, 2, 64, 2], [1, 130, 1, 128, 8], [2, 5, 3, 13, 4],
];
for (const [batch, tokens, heads, headDim, kk] of attentionChecks) {
  const n = batch * tokens * heads * headDim;
  const host = [1, 2, 3].map((s) => randomTensor(n, 101 * s + tokens));
  const [q, k, v] = host.map((x) => uploadTensor(device, x));
  for (const mode of ['single', 'group', 'dense'] as AttentionMode[]) {
    const shape: AttentionShape = { batch, tokens, heads, headDim, mode, k: kk };
    const ref = skiparseAttentionReference(shape, host[0], host[1], host[2]);
    for (const variant of ['simple', 'tiled'] as const) {
      const ours = await runAttention(skiparse[variant], shape, q, k, v, n);
      check(`skiparse-${variant}-${mode}`, `[${batch},${tokens},${heads}x${headDim}] k=${kk}`, ours, ref, 1e-4);
    }
  }
  [q, k, v].forEach((b) => b.destroy());
}

async function runHaar(
  kind: 'forward3d' | 'inverse3d' | 'forward2d' | 'inverse2d', s: VideoShape, x: Float32Array,
): Promise<Float32Array> {
  const outShape = { forward3d: haar3dForwardShape, inverse3d: haar3dInverseShape, forward2d: haar2dForwardShape, inverse2d: haar2dInverseShape }[kind](s);
  const input = uploadTensor(device, x);
  const output = createTensor(device, videoElements(outShape));
  const enc = device.createCommandEncoder();
  if (kind === 'forward3d') haar.encodeForward3D(enc, s, input, output);
  else if (kind === 'inverse3d') haar.encodeInverse3D(enc, s, input, output);
  else if (kind === 'forward2d') haar.encodeForward2D(enc, s, input, output);
  else haar.encodeInverse2D(enc, s, input, output);
  device.queue.submit([enc.finish()]);
  const r = await readTensor(device, output, videoElements(outShape));
  input.destroy();
  output.destroy();
  return r;
}
{
  const s: VideoShape = { batch: 1, channels: 3, frames: 9, height: 16, width: 12 };
  const x = randomTensor(videoElements(s), 7);
  check('haar-forward3d', '[1,3,9,16,12]', await runHaar('forward3d', s, x), refHaar3dForward(x, s), 1e-5);
  check('haar-forward2d', '[1,3,9,16,12]', await runHaar('forward2d', s, x), refHaar2dForward(x, s), 1e-5);
  const c3 = haar3dForwardShape(s);
  const y3 = randomTensor(videoElements(c3), 8);
  check('haar-inverse3d', `[1,24,5,8,6]`, await runHaar('inverse3d', c3, y3), refHaar3dInverse(y3, c3), 1e-5);
  const c2 = haar2dForwardShape(s);
  const y2 = randomTensor(videoElements(c2), 9);
  check('haar-inverse2d', `[1,12,9,8,6]`, await runHaar('inverse2d', c2, y2), refHaar2dInverse(y2, c2), 1e-5);
}
if (!checks.every((c) => c.ok)) {
  process.stdout.write(`${JSON.stringify({ adapter: adapterInfo, checks, error: 'correctness check failed' }, null, 1)}\n`);
  process.exit(1);
}

// ---------------------------------------------------------------- results (rewritten after every row, so a run
// stopped by a time limit still leaves what it measured)
const attention: Record<string, unknown>[] = [];
const tiledSweep: Record<string, unknown>[] = [];
const haarRows: Record<string, unknown>[] = [];
const addFramesRows: Record<string, unknown>[] = [];
function save(complete: boolean): string {
  const result = {
    date: new Date().toISOString(), complete, node: process.version, flags, timestamps, adapter: adapterInfo, checks, attention,
    tiledSweep, haar: haarRows, addFrames: addFramesRows,
  };
  const text = `${JSON.stringify(result, null, 1)}\n`;
  const outFile = arg('out');
  if (outFile) writeFileSync(outFile, text);
  return text;
}

// ---------------------------------------------------------------- attention timing
// Shapes: the kernels' records (src/kernels/<name>/kernel.json `benchDawn`).
const attentionShapes = KERNELS.skiparse.benchDawn[quick ? 'quick' : 'full'];
const tokenCounts = attentionShapes.tokens;
const headConfigs = attentionShapes.headConfigs;
const dumpDir = arg('dump');
for (const [heads, headDim] of headConfigs) {
  for (const tokens of tokenCounts) {
    const n = tokens * heads * headDim;
    const bytes = n * 4;
    if (bytes > device.limits.maxStorageBufferBindingSize) {
      attention.push({ tokens, heads, headDim, skipped: `tensor ${bytes} B > maxStorageBufferBindingSize` });
      log(`attention N=${tokens} ${heads}x${headDim}: skipped, ${bytes} B > maxStorageBufferBindingSize`);
      continue;
    }
    const host = [1, 2, 3].map((s) => randomTensor(n, 7919 * s + tokens));
    const [q, k, v] = host.map((x) => uploadTensor(device, x));
    const out = createTensor(device, n);
    const dump = dumpDir && tokens === tokenCounts[0] && heads === headConfigs[0][0];
    if (dump) {
      mkdirSync(dumpDir, { recursive: true });
      ['q', 'k', 'v'].forEach((name, i) => writeFileSync(join(dumpDir, `${name}.f32`), host[i]));
    }
    for (const mode of ['single', 'group', 'dense'] as AttentionMode[]) {
      const shape: AttentionShape = { batch: 1, tokens, heads, headDim, mode, k: 4 };
      const flop = 4 * heads * headDim * tokens * (mode === 'dense' ? tokens : Math.ceil(tokens / 4));
      for (const kernel of kernels) {
        if (kernel === 'simple' && tokens > simpleMaxTokens) continue;
        const kern = skiparse[kernel];
        // Dense at 36k tokens × 24 heads is ~1.2e13 FLOP: give it one budgeted batch, not many.
        const t = await time((enc) => kern.encode(enc, shape, q, k, v, out), 600);
        const ms = t.gpuMs ?? t.wallMsPerIter;
        const row = { kernel, tokens, heads, headDim, k: 4, mode, tile: kern.tileConfig(headDim), ...t, tflops: flop / ms / 1e9 };
        log(`attention ${kernel} N=${tokens} ${heads}x${headDim} ${mode}: gpu ${t.gpuMs?.toFixed(3)} ms, wall ${t.wallMsPerIter.toFixed(3)} ms/iter (${t.passes} passes), ${row.tflops.toFixed(2)} TFLOP/s`);
        attention.push(row);
        save(false);
        // The dumped output (compared with PyTorch at a real size) is the first kernel's.
        if (dump && kernel === kernels[0]) writeFileSync(join(dumpDir, `out_${mode}.f32`), await readTensor(device, out, n));
      }
    }
    if (dump) writeFileSync(join(dumpDir, 'shape.json'), JSON.stringify({ batch: 1, tokens, heads, headDim, k: 4 }));
    [q, k, v, out].forEach((b) => b.destroy());
  }
}

// ---------------------------------------------------------------- tiled kernel: tile-geometry sweep
// Every candidate geometry that fits this device, at one Skiparse and one dense shape per head config, checked
// against the default geometry's output (same inputs) before it is timed.
if (sweep && kernels.includes('tiled')) {
  const { skiparseTiledConfig } = await import('../src/kernels/skiparse/tiled');
  // The default first, then its neighbours (RQ = QT/TR 1, 2 or 4; KT 8 or 16) and the two earlier defaults.
  const geometries: SkiparseTiledGeometry[] = [
    { queryTile: 32, threadRows: 16, keyTile: 16 }, { queryTile: 64, threadRows: 32, keyTile: 16 },
    { queryTile: 16, threadRows: 8, keyTile: 16 }, { queryTile: 32, threadRows: 32, keyTile: 16 },
    { queryTile: 16, threadRows: 16, keyTile: 16 }, { queryTile: 32, threadRows: 16, keyTile: 8 },
    { queryTile: 64, threadRows: 32, keyTile: 8 }, { queryTile: 16, threadRows: 8, keyTile: 8 },
    { queryTile: 64, threadRows: 16, keyTile: 16 }, { queryTile: 64, threadRows: 16, keyTile: 32 },
  ];
  const tokens = quick ? 1000 : 9000;
  for (const [heads, headDim] of headConfigs) {
    const n = tokens * heads * headDim;
    const [q, k, v] = [1, 2, 3].map((s) => uploadTensor(device, randomTensor(n, 31 * s + tokens)));
    const out = createTensor(device, n);
    for (const mode of ['single', 'dense'] as AttentionMode[]) {
      const shape: AttentionShape = { batch: 1, tokens, heads, headDim, mode, k: 4 };
      const expected = await runAttention(skiparse.tiled, shape, q, k, v, n);
      const flop = 4 * heads * headDim * tokens * (mode === 'dense' ? tokens : Math.ceil(tokens / 4));
      for (const g of geometries) {
        let cfg;
        try {
          cfg = skiparseTiledConfig(headDim, device.limits.maxComputeWorkgroupStorageSize, device.limits.maxComputeInvocationsPerWorkgroup, g);
        } catch {
          continue; // does not fit this device or head dim
        }
        const kern = new SkiparseAttention(device, { variant: 'tiled', tiledGeometry: g });
        const got = await runAttention(kern, shape, q, k, v, n);
        const { abs } = maxErrors(got, expected);
        check(`skiparse-tiled-sweep-${mode}`, `[1,${tokens},${heads}x${headDim}] QT=${g.queryTile} TR=${g.threadRows} KT=${g.keyTile} vs default tiles`, got, expected, 1e-5);
        const t = await time((enc) => kern.encode(enc, shape, q, k, v, out), 300);
        const ms = t.gpuMs ?? t.wallMsPerIter;
        const row = { tokens, heads, headDim, k: 4, mode, tile: cfg, maxAbsVsDefault: abs, ...t, tflops: flop / ms / 1e9 };
        log(`sweep N=${tokens} ${heads}x${headDim} ${mode} QT=${g.queryTile} TR=${g.threadRows} KT=${g.keyTile} TC=${cfg.threadCols}: ` +
          `${ms.toFixed(3)} ms, ${row.tflops.toFixed(2)} TFLOP/s, max|diff| vs default ${abs.toExponential(1)}`);
        tiledSweep.push(row);
        save(false);
        kern.destroy();
      }
    }
    [q, k, v, out].forEach((b) => b.destroy());
  }
}

// ---------------------------------------------------------------- Haar timing
const videos: VideoShape[] = KERNELS.haar.benchDawn[quick ? 'quick' : 'full'];
for (const s of videos) {
  const ops: [string, VideoShape, VideoShape, (e: GPUCommandEncoder, a: GPUBuffer, b: GPUBuffer) => void][] = [];
  const c3 = haar3dForwardShape(s);
  const c2 = haar2dForwardShape(s);
  ops.push(['forward3d', s, c3, (e, a, b) => haar.encodeForward3D(e, s, a, b)]);
  ops.push(['inverse3d', c3, haar3dInverseShape(c3), (e, a, b) => haar.encodeInverse3D(e, c3, a, b)]);
  ops.push(['forward2d', s, c2, (e, a, b) => haar.encodeForward2D(e, s, a, b)]);
  ops.push(['inverse2d', c2, haar2dInverseShape(c2), (e, a, b) => haar.encodeInverse2D(e, c2, a, b)]);
  for (const [op, inS, outS, rec] of ops) {
    const nIn = videoElements(inS);
    const nOut = videoElements(outS);
    const input = uploadTensor(device, randomTensor(nIn, nIn));
    const output = createTensor(device, nOut);
    const t = await time((enc) => rec(enc, input, output), 200);
    // The bandwidth ceiling: a plain copy kernel moving the same number of bytes (reads + writes).
    const copyElems = Math.ceil((nIn + nOut) / 8) * 4; // copy.wgsl moves vec4s
    const cs = createTensor(device, copyElems);
    const cd = createTensor(device, copyElems);
    const tc = await time((enc) => copy.encode(enc, cs, cd, copyElems), 200);
    const ms = t.gpuMs ?? t.wallMsPerIter;
    const copyMs = tc.gpuMs ?? tc.wallMsPerIter;
    const row = {
      op, input: [inS.batch, inS.channels, inS.frames, inS.height, inS.width], output: [outS.batch, outS.channels, outS.frames, outS.height, outS.width],
      ...t, copyGpuMs: tc.gpuMs, copyWallMsPerIter: tc.wallMsPerIter, gbps: (4 * (nIn + nOut)) / ms / 1e6, copyGbps: (4 * 2 * copyElems) / copyMs / 1e6,
    };
    log(`haar ${op} ${JSON.stringify(row.input)}: gpu ${t.gpuMs?.toFixed(4)} ms, wall ${t.wallMsPerIter.toFixed(4)} ms/iter, ${row.gbps.toFixed(0)} GB/s (copy ${row.copyGbps.toFixed(0)} GB/s)`);
    haarRows.push(row);
    save(false);
    [input, output, cs, cd].forEach((b) => b.destroy());
  }
}

// ---------------------------------------------------------------- add_frames timing (vs a copy of the same bytes)
const addFrames = new AddFramesKernel(device);
for (const cfg of KERNELS.addFrames.bench) {
  const n = addFramesCheck(cfg);
  const src = uploadTensor(device, randomTensor(sideElements(cfg, cfg.src), 29));
  const dst = uploadTensor(device, randomTensor(sideElements(cfg, cfg.dst), 31));
  const t = await time((enc) => addFrames.encode(enc, cfg, src, dst), 200);
  const copyElems = Math.ceil((3 * n) / 8) * 4; // read src + read/write dst, as vec4s split into copy reads + writes
  const cs = createTensor(device, copyElems);
  const cd = createTensor(device, copyElems);
  const tc = await time((enc) => copy.encode(enc, cs, cd, copyElems), 200);
  const ms = t.gpuMs ?? t.wallMsPerIter;
  const copyMs = tc.gpuMs ?? tc.wallMsPerIter;
  const row = { config: cfg.name, elements: n, ...t, copyGpuMs: tc.gpuMs, copyWallMsPerIter: tc.wallMsPerIter, gbps: (12 * n) / ms / 1e6, copyGbps: (4 * 2 * copyElems) / copyMs / 1e6 };
  log(`add_frames ${cfg.name}: gpu ${t.gpuMs?.toFixed(4)} ms, wall ${t.wallMsPerIter.toFixed(4)} ms/iter, ${row.gbps.toFixed(0)} GB/s (copy ${row.copyGbps.toFixed(0)} GB/s)`);
  addFramesRows.push(row);
  save(false);
  [src, dst, cs, cd].forEach((b) => b.destroy());
}
addFrames.destroy();

const text = save(true);
process.stdout.write(text);
skiparse.simple.destroy();
skiparse.tiled.destroy();
haar.destroy();
device.destroy();
