// The VAE encoder (image/video conditions), opened on first use instead of at model load: a text-to-video user never
// pays for its download and session. The first conditioned generation (every generation of an inpaint main model)
// opens it: WGSL forward Haar + vae_encoder_core on WebGPU when listed, else vae_encoder.onnx on wasm. A failed open
// is not remembered, so the next generation tries again.
import { externalDataName, graphFiles, requireFile, type ModelManifest } from '../models/manifest';
import { loadFiles, type DownloadProgress, type FileCache } from '../models/fetch';
import { createSession, f32 } from '../models/ort-session';
import { CancelToken } from '../core/cancel';
import type { VideoEncoder } from './image-condition';
import { hasWebGpuVaeEncoder, loadWebGpuVaeEncoder } from './vae-webgpu-loader';
import type { VaeGpuCounts } from './vae-stream-webgpu';
import type * as ortTypes from 'onnxruntime-web';

export interface LazyEncoderOptions {
  /** The GPUDevice when the model runs on WebGPU (then the WGSL encoder is tried first). */
  device?: GPUDevice;
  files: Map<string, Uint8Array>;
  cache?: FileCache;
  /** The model's sessions: the encoder's is added, so unloading the model releases it. */
  sessions: ortTypes.InferenceSession[];
  counts?: VaeGpuCounts;
  /** Where the first open reports its download and session creation (the engine's current job, if any). */
  onDownload?: (d: DownloadProgress) => void;
  onSession?: (message: string) => void;
}

async function open(manifest: ModelManifest, base: URL, o: LazyEncoderOptions): Promise<VideoEncoder> {
  const cancel = new CancelToken(); // a cancelled generation still finishes opening: the session is reused next time
  if (o.device && hasWebGpuVaeEncoder(manifest)) {
    try {
      const g = await loadWebGpuVaeEncoder(manifest, base, { device: o.device, files: o.files, counts: o.counts, cancel, cache: o.cache, onDownload: o.onDownload, onSession: o.onSession });
      o.sessions.push(g.session);
      return g.encode;
    } catch {
      /* the wasm encoder below (the same fallback the load used to take) */
    }
  }
  const encGraph = requireFile(manifest, 'vae-encoder');
  const wanted = graphFiles(manifest, 'vae-encoder').filter((f) => !o.files.has(f.path));
  for (const [k, v] of await loadFiles(base, wanted, { cancel, cache: o.cache, onProgress: o.onDownload })) o.files.set(k, v);
  o.onSession?.(`creating ${encGraph.path} session (wasm)`);
  const enc = await createSession(o.files.get(encGraph.path)!, {
    backend: 'wasm',
    externalData: (encGraph.externalData ?? []).map((p) => ({ path: externalDataName(encGraph, p), data: o.files.get(p)! })),
  });
  o.sessions.push(enc);
  return async (video, dims) => {
    const out = await enc.run({ video: f32(video, dims) });
    const data = (await out.latent.getData()) as Float32Array;
    for (const t of Object.values(out)) t.dispose();
    return data;
  };
}

/** A VideoEncoder that opens the real one on its first call. */
export function lazyVaeEncoder(manifest: ModelManifest, base: URL, o: LazyEncoderOptions): VideoEncoder {
  let opening: Promise<VideoEncoder> | null = null;
  return async (video, dims) => {
    opening ??= open(manifest, base, o).catch((e) => {
      opening = null;
      throw e;
    });
    return (await opening)(video, dims);
  };
}
