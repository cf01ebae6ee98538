// The streaming VAE decoder for the chosen backend, creating only the session that backend runs:
// - webgpu with the core graph listed: vae_decoder_chunk_core + WGSL Haar kernels (vae-webgpu-loader.ts); the whole
//   chunk graph is opened only if that fails (it used to be created first and thrown away: a wasted session);
// - else the whole chunk graph, on WebGPU or wasm; a WebGPU session failure falls back to wasm unless WebGPU was
//   demanded (the caller then runs every other graph on wasm too).
import { externalDataName, graphFiles, requireFile, type ModelManifest } from '../models/manifest';
import { loadFiles, type DownloadProgress, type FileCache } from '../models/fetch';
import { createSession, f32, type Backend } from '../models/ort-session';
import { checkGraphIo, vaeChunkIo } from '../models/graph-check';
import type { CancelToken } from '../core/cancel';
import { ortChunkRunner, parseChunkSchedule, type VaeChunkRunner } from './vae-stream';
import { hasWebGpuVaeDecoder, loadWebGpuVaeDecoder } from './vae-webgpu-loader';
import { zeroVaeGpuCounts, type VaeGpuCounts } from './vae-stream-webgpu';
import type * as ortTypes from 'onnxruntime-web';

export interface VaeDecoderLoadOptions {
  backend: Backend;
  /** WebGPU was demanded by the user: no fallback to wasm. */
  strict: boolean;
  device?: GPUDevice;
  files: Map<string, Uint8Array>;
  cancel: CancelToken;
  cache?: FileCache;
  onDownload: (d: DownloadProgress) => void;
  onSession: (message: string) => void;
}

export interface LoadedVaeDecoder {
  session: ortTypes.InferenceSession;
  runner: VaeChunkRunner<unknown>;
  /** The backend the decoder ended on (wasm after a WebGPU failure). */
  backend: Backend;
  /** Why it is not what was asked for (appended to the load's backend reason); '' when it is. */
  note: string;
  /** WGSL Haar counters when the WebGPU core runs, else null. */
  gpuCounts: VaeGpuCounts | null;
  /** The causal chunk schedule (the tiled decode, vae-tiles-loader.ts, runs on the same one). */
  schedule: ReturnType<typeof parseChunkSchedule>;
}

export async function loadVaeDecoder(manifest: ModelManifest, base: URL, o: VaeDecoderLoadOptions): Promise<LoadedVaeDecoder> {
  const need = async (wanted: ReturnType<typeof graphFiles>) => {
    const got = await loadFiles(base, wanted.filter((f) => !o.files.has(f.path)), { cancel: o.cancel, cache: o.cache, onProgress: o.onDownload });
    for (const [k, v] of got) o.files.set(k, v);
  };
  const scheduleFile = requireFile(manifest, 'vae-decoder-chunk-schedule');
  await need([scheduleFile]);
  const schedule = parseChunkSchedule(JSON.parse(new TextDecoder().decode(o.files.get(scheduleFile.path)!)));
  let note = '';
  if (o.backend === 'webgpu' && o.device && hasWebGpuVaeDecoder(manifest)) {
    const counts = zeroVaeGpuCounts();
    try {
      const g = await loadWebGpuVaeDecoder(manifest, base, schedule, { device: o.device, files: o.files, counts, cancel: o.cancel, cache: o.cache, onDownload: o.onDownload, onSession: o.onSession });
      return { session: g.session, runner: g.runner, backend: 'webgpu', note, gpuCounts: counts, schedule };
    } catch (e) {
      if ((e as Error).name === 'CancelledError') throw e;
      note = `WGSL-Haar VAE unavailable (${(e as Error).message}): whole chunk graph on WebGPU`;
    }
  }
  const chunkGraph = requireFile(manifest, 'vae-decoder-chunk');
  await need(graphFiles(manifest, 'vae-decoder-chunk'));
  const externalData = (chunkGraph.externalData ?? []).map((p) => ({ path: externalDataName(chunkGraph, p), data: o.files.get(p)! }));
  let backend = o.backend;
  let session: ortTypes.InferenceSession;
  o.onSession(`creating ${chunkGraph.path} session (${backend})`);
  try {
    session = await createSession(o.files.get(chunkGraph.path)!, { backend, device: o.device, externalData });
  } catch (e) {
    if (backend !== 'webgpu' || o.strict) throw e;
    backend = 'wasm';
    note = `WebGPU session failed (${(e as Error).message}); using wasm`;
    o.onSession(`creating ${chunkGraph.path} session (wasm)`);
    session = await createSession(o.files.get(chunkGraph.path)!, { backend, externalData });
  }
  try {
    // A valid graph with other inputs/shapes (from another export) fails at load with a clear message.
    checkGraphIo(session, chunkGraph.path, vaeChunkIo(schedule, manifest.vae.latentChannels));
  } catch (e) {
    await session.release().catch(() => undefined);
    throw e;
  }
  return { session, runner: ortChunkRunner(session, f32, schedule) as VaeChunkRunner<unknown>, backend, note, gpuCounts: null, schedule };
}
