// Loading the WebGPU VAE (Haar transforms as WGSL kernels between ORT graphs, vae-stream-webgpu.ts) from a manifest:
// the core graphs (roles vae-decoder-chunk-core + vae-split, vae-encoder-core) downloaded and verified like every
// model file (files already loaded for another graph, e.g. the shared weights, are reused), sessions on ORT's WebGPU
// EP on the engine's GPUDevice. The worker falls back to the whole graphs when the manifest lacks the core graphs.
import { externalDataName, fileByRole, graphFiles, requireFile, type ManifestFile, type ModelManifest } from '../models/manifest';
import { loadFiles, type DownloadProgress, type FileCache } from '../models/fetch';
import { createSession, ort } from '../models/ort-session';
import type { CancelFlag } from '../core/cancel';
import type { VideoEncoder } from './image-condition';
import { parseChunkCore } from './vae-split';
import type { ChunkSchedule, VaeChunkRunner } from './vae-stream';
import { WebGpuVaeChunkRunner, WebGpuVaeEncoder, type VaeGpuCounts } from './vae-stream-webgpu';

export interface WebGpuVaeLoadOptions {
  device: GPUDevice;
  /** Files already downloaded (path → bytes); new ones are added to it. */
  files: Map<string, Uint8Array>;
  cancel?: CancelFlag;
  /** Persistent model cache (IndexedDB) for the downloads. */
  cache?: FileCache;
  onDownload?: (d: DownloadProgress) => void;
  onSession?: (message: string) => void;
  /** Counters the runner / encoder add their WGSL dispatches, graph runs and read-backs to. */
  counts?: VaeGpuCounts;
}

/** The manifest has what the WebGPU decoder needs (else: the whole chunk graph). */
export function hasWebGpuVaeDecoder(m: ModelManifest): boolean {
  return Boolean(fileByRole(m, 'vae-decoder-chunk-core') && fileByRole(m, 'vae-split'));
}

/** The manifest has the encoder core graph (else: vae_encoder.onnx on wasm). */
export function hasWebGpuVaeEncoder(m: ModelManifest): boolean {
  return Boolean(fileByRole(m, 'vae-encoder-core'));
}

async function fetchMissing(base: string | URL, wanted: ManifestFile[], o: WebGpuVaeLoadOptions): Promise<void> {
  const missing = wanted.filter((f) => !o.files.has(f.path));
  if (!missing.length) return;
  const got = await loadFiles(base, missing, { cancel: o.cancel, cache: o.cache, onProgress: o.onDownload });
  for (const [k, v] of got) o.files.set(k, v);
}

async function open(m: ModelManifest, role: 'vae-decoder-chunk-core' | 'vae-encoder-core', gpuOutputs: boolean, o: WebGpuVaeLoadOptions) {
  const g = requireFile(m, role);
  o.onSession?.(`creating ${g.path} session (webgpu${gpuOutputs ? ', GPU-buffer outputs' : ''}, WGSL Haar kernels)`);
  return createSession(o.files.get(g.path)!, {
    backend: 'webgpu',
    device: o.device,
    gpuOutputs,
    externalData: (g.externalData ?? []).map((p) => ({ path: externalDataName(g, p), data: o.files.get(p)! })),
  });
}

/** vae_decoder_chunk_core.onnx (GPU-buffer outputs) + the WGSL Haar steps, as a VaeChunkRunner for streamDecode. */
export async function loadWebGpuVaeDecoder(m: ModelManifest, base: string | URL, schedule: ChunkSchedule, o: WebGpuVaeLoadOptions): Promise<{ runner: VaeChunkRunner<unknown>; session: ort.InferenceSession }> {
  await fetchMissing(base, [...graphFiles(m, 'vae-decoder-chunk-core'), requireFile(m, 'vae-split')], o);
  const core = parseChunkCore(JSON.parse(new TextDecoder().decode(o.files.get(requireFile(m, 'vae-split').path)!)), schedule);
  const session = await open(m, 'vae-decoder-chunk-core', true, o);
  try {
    const missing = [...core.inputs.filter((n) => !session.inputNames.includes(n)), ...core.outputs.filter((n) => !session.outputNames.includes(n))];
    if (missing.length) throw new Error(`vae_decoder_chunk_core does not match vae_split.json (missing ${missing.join(', ')})`);
    return { runner: new WebGpuVaeChunkRunner(o.device, session, ort.Tensor, core, o.counts) as VaeChunkRunner<unknown>, session };
  } catch (e) {
    await session.release().catch(() => undefined);
    throw e;
  }
}

/** WGSL forward Haar kernels + vae_encoder_core.onnx on WebGPU, as the image condition's VideoEncoder. */
export async function loadWebGpuVaeEncoder(m: ModelManifest, base: string | URL, o: WebGpuVaeLoadOptions): Promise<{ encode: VideoEncoder; session: ort.InferenceSession }> {
  await fetchMissing(base, graphFiles(m, 'vae-encoder-core'), o);
  const session = await open(m, 'vae-encoder-core', false, o);
  const encoder = new WebGpuVaeEncoder(o.device, session, ort.Tensor, o.counts);
  return { encode: (video, dims) => encoder.encode(video, dims), session };
}
