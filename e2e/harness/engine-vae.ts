// Browser side of e2e/engine-vae.spec.ts: the real loading path (manifest → verified download → ORT-web wasm
// sessions with shared external weights) and the streaming chunk decode, against the one-graph decoder and the
// PyTorch fixtures (training/fixtures/vae).
import { graphFiles, requireFile, type ModelManifest } from '../../src/models/manifest';
import { loadFiles, type DownloadProgress } from '../../src/models/fetch';
import { createSession, f32, ortThreadCount, type ExternalDataFile } from '../../src/models/ort-session';
import { ortChunkRunner, parseChunkSchedule, sliceLatentFrames, streamDecode, type TensorF32 } from '../../src/engine/vae-stream';
import { maxAbs, vaeFixture as fixture, type TensorRef } from './compare';



/** Concatenate [1, 3, F_i, H, W] chunks along T. */
function concatT(parts: TensorF32[]): TensorF32 {
  const [, c, , h, w] = parts[0].dims;
  const total = parts.reduce((s, p) => s + p.dims[2], 0);
  const out = new Float32Array(c * total * h * w);
  const plane = h * w;
  for (let ch = 0; ch < c; ch++) {
    let t0 = 0;
    for (const p of parts) {
      const t = p.dims[2];
      out.set(p.data.subarray(ch * t * plane, (ch + 1) * t * plane), (ch * total + t0) * plane);
      t0 += t;
    }
  }
  return { data: out, dims: [1, c, total, h, w] };
}

export interface VaeStreamResult {
  crossOriginIsolated: boolean;
  threads: number;
  downloadedBytes: number;
  progressEvents: number;
  chunkFrames: number[];
  frames: number;
  width: number;
  height: number;
  errVsOneGraph: number;
  errVsPyTorch: number;
  pytorchAtol: number;
  errChunksVsPyTorch: number[];
  image: { frames: number; errVsOneGraph: number; errVsFirstFrame: number };
  rgbaFramesMatchOneGraph: number; // max |Δ| over RGBA bytes
  msPerChunk: number[];
}

export async function vaeStream(arg: { manifest: ModelManifest; base: string }): Promise<VaeStreamResult> {
  const { manifest } = arg;
  const base = new URL(arg.base, location.href);
  const progress: DownloadProgress[] = [];
  const wanted = [...new Map([...graphFiles(manifest, 'vae-decoder-chunk'), ...graphFiles(manifest, 'vae-decoder'), requireFile(manifest, 'vae-decoder-chunk-schedule')].map((f) => [f.path, f])).values()];
  const files = await loadFiles(base, wanted, { onProgress: (p) => progress.push(p) });
  const ext = (role: 'vae-decoder' | 'vae-decoder-chunk'): ExternalDataFile[] =>
    (requireFile(manifest, role).externalData ?? []).map((p) => ({ path: p, data: files.get(p)! }));
  const chunkSession = await createSession(files.get(requireFile(manifest, 'vae-decoder-chunk').path)!, { backend: 'wasm', externalData: ext('vae-decoder-chunk') });
  const oneSession = await createSession(files.get(requireFile(manifest, 'vae-decoder').path)!, { backend: 'wasm', externalData: ext('vae-decoder') });
  const schedule = parseChunkSchedule(JSON.parse(new TextDecoder().decode(files.get(requireFile(manifest, 'vae-decoder-chunk-schedule').path)!)));
  const runner = ortChunkRunner(chunkSession, f32, schedule);

  const index = await (await fetch('/training/fixtures/vae/index.json')).json();
  const fx = index.fixtures.decoder_17;
  const fxChunks = index.fixtures.decoder_chunks;
  const latent = await fixture(fx.inputs.latent);
  const ref = await fixture(fx.outputs.video);

  const oneOut = (await oneSession.run({ latent: f32(latent.data, latent.dims) })).video;
  const one: TensorF32 = { data: oneOut.data as Float32Array, dims: oneOut.dims };

  // The fixture's own chunking (index.chunks, [0,1),[1,3),[3,5)) = chunkFrames 2.
  const parts: TensorF32[] = [];
  const rgba: Uint8Array[] = [];
  const msPerChunk: number[] = [];
  let t0 = performance.now();
  for await (const c of streamDecode(runner, latent, { chunkFrames: 2, keepRaw: true })) {
    msPerChunk.push(performance.now() - t0);
    parts.push(c.raw!);
    rgba.push(...c.frames);
    t0 = performance.now();
  }
  const errChunksVsPyTorch: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const r = fxChunks.outputs[`video_chunk_${i}`];
    errChunksVsPyTorch.push(r ? maxAbs(parts[i].data, (await fixture(r)).data) : Number.POSITIVE_INFINITY);
  }
  const full = concatT(parts);

  // RGBA of the one-graph output, for the byte-level check.
  let rgbaDiff = 0;
  const [, , F, H, W] = one.dims;
  for (let t = 0; t < F; t++) {
    for (let ch = 0; ch < 3; ch++) {
      for (let p = 0; p < H * W; p++) {
        const v = Math.min(255, Math.max(0, Math.round((one.data[(ch * F + t) * H * W + p] * 0.5 + 0.5) * 255)));
        rgbaDiff = Math.max(rgbaDiff, Math.abs(v - rgba[t][p * 4 + ch]));
      }
    }
  }

  // T = 1: an image.
  const first = sliceLatentFrames(latent, 0, 1);
  const imgParts: TensorF32[] = [];
  for await (const c of streamDecode(runner, first, { keepRaw: true })) imgParts.push(c.raw!);
  const imgOne = (await oneSession.run({ latent: f32(first.data, first.dims) })).video;
  const plane = H * W;
  const firstFrameOfRef = new Float32Array(3 * plane);
  for (let ch = 0; ch < 3; ch++) firstFrameOfRef.set(ref.data.subarray(ch * F * plane, ch * F * plane + plane), ch * plane);

  await chunkSession.release();
  await oneSession.release();
  return {
    crossOriginIsolated,
    threads: ortThreadCount(),
    downloadedBytes: progress.at(-1)?.overallLoaded ?? 0,
    progressEvents: progress.length,
    chunkFrames: parts.map((p) => p.dims[2]),
    frames: rgba.length,
    width: full.dims[4],
    height: full.dims[3],
    errVsOneGraph: maxAbs(full.data, one.data),
    errVsPyTorch: maxAbs(full.data, ref.data),
    pytorchAtol: fx.atol,
    errChunksVsPyTorch,
    image: {
      frames: imgParts.reduce((s, p) => s + p.dims[2], 0),
      errVsOneGraph: maxAbs(imgParts[0].data, imgOne.data as Float32Array),
      errVsFirstFrame: maxAbs(imgParts[0].data, firstFrameOfRef),
    },
    rgbaFramesMatchOneGraph: rgbaDiff,
    msPerChunk,
  };
}

export interface WebGpuVaeResult {
  adapter: string;
  frames: number[];
  errVsWasm: number;
  msWebGpu: number;
  msWasm: number;
  error: string | null;
}

/**
 * The chunk-step graph on ORT's native WebGPU EP sharing our GPUDevice (what 'auto' picks on hardware adapters),
 * versus the wasm EP, over a short latent (T = 2: chunks [0,1), [1,2)).
 */
export async function vaeStreamWebGpu(arg: { manifest: ModelManifest; base: string }): Promise<WebGpuVaeResult> {
  const { acquireGpu, adapterLabel } = await import('../../src/gpu/device');
  const { manifest } = arg;
  const base = new URL(arg.base, location.href);
  const wanted = [...graphFiles(manifest, 'vae-decoder-chunk'), requireFile(manifest, 'vae-decoder-chunk-schedule')];
  const files = await loadFiles(base, wanted);
  const graph = files.get(requireFile(manifest, 'vae-decoder-chunk').path)!;
  const externalData = (requireFile(manifest, 'vae-decoder-chunk').externalData ?? []).map((p) => ({ path: p, data: files.get(p)! }));
  const schedule = parseChunkSchedule(JSON.parse(new TextDecoder().decode(files.get(requireFile(manifest, 'vae-decoder-chunk-schedule').path)!)));
  const index = await (await fetch('/training/fixtures/vae/index.json')).json();
  const latent = sliceLatentFrames(await fixture(index.fixtures.decoder_17.inputs.latent), 0, 2);
  const gpu = await acquireGpu();
  const decodeAll = async (backend: 'wasm' | 'webgpu') => {
    const session = await createSession(graph, { backend, device: gpu.device, externalData });
    const runner = ortChunkRunner(session, f32, schedule);
    const parts: TensorF32[] = [];
    const t0 = performance.now();
    for await (const c of streamDecode(runner, latent, { keepRaw: true })) parts.push(c.raw!);
    const ms = performance.now() - t0;
    await session.release();
    return { parts, ms };
  };
  try {
    const w = await decodeAll('wasm');
    const g = await decodeAll('webgpu');
    const a = concatT(w.parts);
    const b = concatT(g.parts);
    return { adapter: adapterLabel(gpu.summary), frames: g.parts.map((p) => p.dims[2]), errVsWasm: maxAbs(a.data, b.data), msWebGpu: g.ms, msWasm: w.ms, error: null };
  } catch (e) {
    return { adapter: adapterLabel(gpu.summary), frames: [], errVsWasm: Number.NaN, msWebGpu: 0, msWasm: 0, error: (e as Error).message };
  }
}
