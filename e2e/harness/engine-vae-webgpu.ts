// Browser side of e2e/engine-vae-webgpu.spec.ts: the WebGPU VAE with the Haar transforms as WGSL kernels
// (src/engine/vae-stream-webgpu.ts: vae_decoder_chunk_core / vae_encoder_core on ORT's WebGPU EP, GPU buffers
// shared with our kernels) against the wasm whole graphs (vae_decoder_chunk.onnx, vae_encoder.onnx) and the
// PyTorch fixtures, through the real verified loader.
import { graphFiles, requireFile, type FileRole, type ModelManifest } from '../../src/models/manifest';
import { loadFiles } from '../../src/models/fetch';
import { createSession, f32, ort, type ExternalDataFile } from '../../src/models/ort-session';
import { ortChunkRunner, parseChunkSchedule, sliceLatentFrames, streamDecode, type TensorF32, type VaeChunkRunner } from '../../src/engine/vae-stream';
import { parseChunkCore } from '../../src/engine/vae-split';
import { WebGpuVaeChunkRunner, WebGpuVaeEncoder, type VaeGpuCounts } from '../../src/engine/vae-stream-webgpu';
import { acquireGpu, adapterLabel } from '../../src/gpu/device';
import { maxAbs, vaeFixture as fixture, type TensorRef } from './compare';



export interface DecodeCase {
  /** Latent frames of the 17-frame fixture latent used (1..5) and the chunk size. */
  latentFrames: number;
  chunkFrames: number;
}

export interface DecodeCaseResult extends DecodeCase {
  framesWebGpu: number[];
  framesWasm: number[];
  /** Per chunk max |WebGPU − wasm| of the raw video. */
  errVsWasm: number[];
  /** Per chunk max |Δ| of the RGBA bytes. */
  rgbaDiff: number[];
  msWebGpu: number;
  msWasm: number;
  counts: VaeGpuCounts;
}

export interface WebGpuVaeSplitResult {
  adapter: string;
  decode: DecodeCaseResult[];
  /** The 17-frame decode (chunks of 2) vs the PyTorch chunk fixtures. */
  errChunksVsPyTorch: number[];
  encode: { dims: number[]; errVsWasm: number; errVsPyTorch: number; image: { errVsWasm: number }; counts: VaeGpuCounts; msWebGpu: number; msWasm: number };
  /** GPU validation errors seen while running. */
  validation: string | null;
}

const diff = (a: VaeGpuCounts, b: VaeGpuCounts): VaeGpuCounts =>
  Object.fromEntries(Object.keys(a).map((k) => [k, a[k as keyof VaeGpuCounts] - b[k as keyof VaeGpuCounts]])) as unknown as VaeGpuCounts;

export async function vaeSplit(arg: { manifest: ModelManifest; base: string; cases: DecodeCase[] }): Promise<WebGpuVaeSplitResult> {
  const { manifest } = arg;
  const base = new URL(arg.base, location.href);
  const roles: FileRole[] = ['vae-decoder-chunk', 'vae-decoder-chunk-core', 'vae-encoder', 'vae-encoder-core'];
  const wanted = [...new Map([...roles.flatMap((r) => graphFiles(manifest, r)), requireFile(manifest, 'vae-decoder-chunk-schedule'), requireFile(manifest, 'vae-split')].map((f) => [f.path, f])).values()];
  const files = await loadFiles(base, wanted);
  const json = (role: FileRole): unknown => JSON.parse(new TextDecoder().decode(files.get(requireFile(manifest, role).path)!));
  const ext = (role: FileRole): ExternalDataFile[] => (requireFile(manifest, role).externalData ?? []).map((p) => ({ path: p, data: files.get(p)! }));
  const graph = (role: FileRole): Uint8Array => files.get(requireFile(manifest, role).path)!;
  const schedule = parseChunkSchedule(json('vae-decoder-chunk-schedule'));
  const core = parseChunkCore(json('vae-split'), schedule);

  const gpu = await acquireGpu();
  const device = gpu.device;
  device.pushErrorScope('validation');
  const wasmChunk = await createSession(graph('vae-decoder-chunk'), { backend: 'wasm', externalData: ext('vae-decoder-chunk') });
  const gpuCore = await createSession(graph('vae-decoder-chunk-core'), { backend: 'webgpu', device, gpuOutputs: true, externalData: ext('vae-decoder-chunk-core') });
  const runner = new WebGpuVaeChunkRunner(device, gpuCore, ort.Tensor, core);
  const wasmRunner = ortChunkRunner(wasmChunk, f32, schedule);

  const index = await (await fetch('/training/fixtures/vae/index.json')).json();
  const latent17 = await fixture(index.fixtures.decoder_17.inputs.latent);
  const decodeAll = async (r: VaeChunkRunner<unknown>, latent: TensorF32, n: number) => {
    const parts: TensorF32[] = [];
    const rgba: Uint8Array[][] = [];
    const t0 = performance.now();
    for await (const c of streamDecode(r, latent, { chunkFrames: n, keepRaw: true })) {
      parts.push(c.raw!);
      rgba.push(c.frames);
    }
    return { parts, rgba, ms: performance.now() - t0 };
  };

  const decode: DecodeCaseResult[] = [];
  let errChunksVsPyTorch: number[] = [];
  for (const c of arg.cases) {
    const latent = sliceLatentFrames(latent17, 0, c.latentFrames);
    const before = { ...runner.counts };
    const g = await decodeAll(runner as VaeChunkRunner<unknown>, latent, c.chunkFrames);
    const counts = diff(runner.counts, before);
    const w = await decodeAll(wasmRunner as VaeChunkRunner<unknown>, latent, c.chunkFrames);
    const rgbaDiff = g.rgba.map((frames, i) => {
      let m = 0;
      frames.forEach((f, j) => {
        const o = w.rgba[i]?.[j];
        for (let k = 0; k < f.length; k++) m = Math.max(m, o ? Math.abs(f[k] - o[k]) : 255);
      });
      return m;
    });
    decode.push({
      ...c,
      framesWebGpu: g.parts.map((p) => p.dims[2]),
      framesWasm: w.parts.map((p) => p.dims[2]),
      errVsWasm: g.parts.map((p, i) => (w.parts[i] ? maxAbs(p.data, w.parts[i].data) : Number.POSITIVE_INFINITY)),
      rgbaDiff,
      msWebGpu: g.ms,
      msWasm: w.ms,
      counts,
    });
    if (c.latentFrames === 5 && c.chunkFrames === 2) {
      errChunksVsPyTorch = await Promise.all(g.parts.map(async (p, i) => maxAbs(p.data, (await fixture(index.fixtures.decoder_chunks.outputs[`video_chunk_${i}`])).data)));
    }
  }
  runner.destroy();
  await gpuCore.release();
  await wasmChunk.release();

  // Encoder: WGSL forward Haar → vae_encoder_core (WebGPU) vs vae_encoder.onnx (wasm) and PyTorch.
  const wasmEnc = await createSession(graph('vae-encoder'), { backend: 'wasm', externalData: ext('vae-encoder') });
  const gpuEncCore = await createSession(graph('vae-encoder-core'), { backend: 'webgpu', device, externalData: ext('vae-encoder-core') });
  const encoder = new WebGpuVaeEncoder(device, gpuEncCore, ort.Tensor);
  const fx = index.fixtures.encoder;
  const video = await fixture(fx.inputs.video);
  let t0 = performance.now();
  const latG = await encoder.encode(video.data, video.dims);
  const msWebGpu = performance.now() - t0;
  t0 = performance.now();
  const wasmLatent = async (v: TensorF32) => (await wasmEnc.run({ video: f32(v.data, v.dims) })).latent.data as Float32Array;
  const latW = await wasmLatent(video);
  const msWasm = performance.now() - t0;
  const pyt = await fixture(fx.outputs.latent);
  const img = await fixture(index.fixtures.encoder_image.inputs.video);
  const imgG = await encoder.encode(img.data, img.dims);
  const imgW = await wasmLatent(img);
  const encCounts = { ...encoder.counts };
  encoder.destroy();
  await gpuEncCore.release();
  await wasmEnc.release();
  const err = await device.popErrorScope();
  return {
    adapter: adapterLabel(gpu.summary),
    decode,
    errChunksVsPyTorch,
    encode: { dims: [...video.dims], errVsWasm: maxAbs(latG, latW), errVsPyTorch: maxAbs(latG, pyt.data), image: { errVsWasm: maxAbs(imgG, imgW) }, counts: encCounts, msWebGpu, msWasm },
    validation: err ? err.message : null,
  };
}

// ---------------------------------------------------------------------------------------------- through the worker
export interface WorkerDecodeResult {
  gpu: { backend: string; backendReason: string; haarSessionMessages: number; frames: number; vaeGpu: VaeGpuCounts | null; ms: number };
  wasm: { backend: string; frames: number; vaeGpu: VaeGpuCounts | null; ms: number };
  /** PSNR of the WebGPU engine's decoded MP4 frames vs the wasm engine's (same H.264 encoder). */
  psnrMin: number;
  /** A manifest without vae_decoder_chunk_core: the whole chunk graph on WebGPU. */
  fallback: { backend: string; frames: number; vaeGpu: VaeGpuCounts | null; error: string | null };
}

function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  let n = 0;
  for (let i = 0; i < a.length; i += 4) for (let c = 0; c < 3; c++) { const d = a[i + c] - b[i + c]; se += d * d; n++; }
  return se === 0 ? 99 : 10 * Math.log10((255 * 255 * n) / se);
}

/** The engine worker (createEngine) on backend 'webgpu' decodes with the WGSL-Haar VAE; = the wasm engine. */
export async function workerDecode(arg: { manifest: ModelManifest; base: string }): Promise<WorkerDecodeResult> {
  const { createEngine } = await import('../../src/engine/api');
  const { readMp4 } = await import('../../src/video/mp4-reader');
  const index = await (await fetch('/training/fixtures/vae/index.json')).json();
  const latent = await fixture(index.fixtures.decoder_17.inputs.latent);
  const run = async (manifest: ModelManifest, backend: 'webgpu' | 'wasm', lat: TensorF32) => {
    const engine = createEngine();
    try {
      const messages: string[] = [];
      const loaded = await engine.load({ manifest, baseUrl: arg.base }, (p) => messages.push(p.message ?? ''), { backend });
      const t0 = performance.now();
      const res = await engine.decodeLatents(lat.data, [...lat.dims], { fps: 8 });
      const ms = performance.now() - t0;
      const d = await readMp4(res.mp4, { frames: true });
      const diag = await engine.diagnostics();
      return { loaded, messages, frames: d.frames!, vaeGpu: diag.vaeGpu, ms };
    } finally {
      await engine.dispose().catch(() => undefined);
      engine.terminate();
    }
  };
  const g = await run(arg.manifest, 'webgpu', latent);
  const w = await run(arg.manifest, 'wasm', latent);
  const noCore = { ...arg.manifest, files: arg.manifest.files.filter((f) => f.role !== 'vae-decoder-chunk-core') };
  let fallback: WorkerDecodeResult['fallback'];
  try {
    const f = await run(noCore, 'webgpu', sliceLatentFrames(latent, 0, 2));
    fallback = { backend: f.loaded.backend, frames: f.frames.length, vaeGpu: f.vaeGpu, error: null };
  } catch (e) {
    fallback = { backend: '', frames: 0, vaeGpu: null, error: (e as Error).message };
  }
  return {
    gpu: { backend: g.loaded.backend, backendReason: g.loaded.backendReason, haarSessionMessages: g.messages.filter((m) => m.includes('WGSL Haar')).length, frames: g.frames.length, vaeGpu: g.vaeGpu, ms: g.ms },
    wasm: { backend: w.loaded.backend, frames: w.frames.length, vaeGpu: w.vaeGpu, ms: w.ms },
    psnrMin: Math.min(...g.frames.map((f, i) => (w.frames[i] ? psnr(f, w.frames[i]) : 0))),
    fallback,
  };
}
