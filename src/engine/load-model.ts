// Opens a model's graphs for one backend and assembles the pipeline's dependencies. Only what the backend runs is
// created at load: the VAE decoder (vae-decoder-loader.ts) and the DiT (dit-loader.ts); the VAE encoder opens on the
// first generation that needs it (vae-encoder-lazy.ts). The worker (worker.ts) keeps the lifecycle: one job at a
// time, the GPUDevice, device-loss recovery, release.
import type { GpuContext } from '../gpu/device';
import { fileByRole, graphFiles, ManifestError, type ModelManifest } from '../models/manifest';
import { loadFiles, type DownloadProgress, type FileCache } from '../models/fetch';
import { ortThreadCount, type Backend } from '../models/ort-session';
import { Mp4Writer } from '../video/mp4-writer';
import type { CancelToken } from '../core/cancel';
import { hasOnnxDit, loadDit, type LoadedDit } from './dit-loader';
import { ConditionBuilder } from './image-condition';
import type { PipelineDeps } from './pipeline';
import { toyDenoiser, toyPromptEncoder } from './toy-model';
import type { BackendChoice, LoadOptions, LoadResult } from './types';
import { loadVaeDecoder } from './vae-decoder-loader';
import { lazyVaeEncoder } from './vae-encoder-lazy';
import { loadTiledVae } from './vae-tiles-loader';
import type { VaeGpuCounts } from './vae-stream-webgpu';
import type * as ortTypes from 'onnxruntime-web';

export interface OpenedModel {
  deps: PipelineDeps;
  /** Every session of the model (the lazy encoder adds its own here): the caller releases them on unload. */
  sessions: ortTypes.InferenceSession[];
  dit?: LoadedDit;
  vaeGpu: VaeGpuCounts | null;
  backend: 'wasm' | 'webgpu';
  reason: string;
  bytes: number;
}

export interface OpenModelOptions {
  chosen: { backend: 'wasm' | 'webgpu'; reason: string };
  choice: BackendChoice;
  gpu: GpuContext | null;
  options: LoadOptions;
  cancel: CancelToken;
  cache?: FileCache;
  onDownload: (d: DownloadProgress) => void;
  onSession: (message: string) => void;
  /** Progress of what opens after the load (the VAE encoder, at its first use). */
  onLater: (message: string) => void;
  /** Tile edge (latent cells) for the spatially tiled VAE decode, or null for whole frames (chooseVaeTile). */
  vaeTile: number | null;
}

export async function openModel(manifest: ModelManifest, base: URL, o: OpenModelOptions): Promise<OpenedModel> {
  const files = new Map<string, Uint8Array>();
  const sessions: ortTypes.InferenceSession[] = [];
  try {
    const isToy = (manifest.dit as { kind?: unknown } | undefined)?.kind === 'toy';
    const withDit = !isToy && hasOnnxDit(manifest);
    const openVae = () => loadVaeDecoder(manifest, base, { backend: o.chosen.backend, strict: o.choice === 'webgpu', device: o.gpu?.device, files, cancel: o.cancel, cache: o.cache, onDownload: o.onDownload, onSession: o.onSession });
    const openDit = (backend: Backend) => loadDit(manifest, base, { backend, allowFallback: o.choice !== 'webgpu', gpu: o.gpu, attentionKernel: o.options.attentionKernel, cancel: o.cancel, cache: o.cache, onDownload: o.onDownload, onSession: o.onSession });
    // On wasm nothing can fall back, so the DiT's download overlaps the VAE session (the first one, which also starts
    // ORT's wasm runtime); sessions themselves are still created one at a time (ort-session.ts). On WebGPU the DiT
    // waits: a failing first WebGPU session moves the whole model to wasm.
    const parallel = withDit && o.chosen.backend === 'wasm';
    const [vaeR, ditR] = await Promise.allSettled([openVae(), parallel ? openDit('wasm') : Promise.resolve(undefined)]);
    if (vaeR.status === 'fulfilled') sessions.push(vaeR.value.session);
    if (ditR.status === 'fulfilled' && ditR.value) sessions.push(...ditR.value.sessions);
    if (vaeR.status === 'rejected' || ditR.status === 'rejected') {
      if (ditR.status === 'fulfilled') ditR.value?.dispose();
      throw vaeR.status === 'rejected' ? vaeR.reason : (ditR as PromiseRejectedResult).reason;
    }
    const vae = vaeR.value;
    const backend = vae.backend;
    let reason = vae.backend !== o.chosen.backend ? vae.note : [o.chosen.reason, vae.note].filter(Boolean).join('; ');
    let dit: LoadedDit | undefined = ditR.value;
    if (withDit && !parallel) {
      dit = await openDit(backend);
      sessions.push(...dit.sessions);
    }
    if (dit?.fallbackReason) reason = `${reason}; ${dit.fallbackReason}`;
    if (dit?.info.mainInpaint && !fileByRole(manifest, 'vae-encoder')) {
      dit.dispose();
      throw new ManifestError(`model ${manifest.id}: its DiT is an inpaint model (dit_config.inpaint), which needs the VAE encoder (role vae-encoder) for every generation, and the manifest lists none`);
    }
    // Inpainting condition (i2v, transition, continuation; every job of an inpaint main model): built on the encoder
    // opened at its first use.
    let encodeCondition: PipelineDeps['encodeCondition'];
    const vaeGpu = vae.gpuCounts;
    if (dit?.hasInpaintGraph && fileByRole(manifest, 'vae-encoder')) {
      const encode = lazyVaeEncoder(manifest, base, { device: backend === 'webgpu' ? o.gpu?.device : undefined, files, cache: o.cache, sessions, counts: vaeGpu ?? undefined, onDownload: (d) => o.onLater(`${d.file}: ${d.phase === 'cached' ? 'from cache' : d.phase}`), onSession: o.onLater });
      // Its files are fetched (and cached) now, only its session waits: image-to-video must work offline after one
      // online visit.
      const wanted = graphFiles(manifest, 'vae-encoder').filter((f) => !files.has(f.path));
      for (const [k, v] of await loadFiles(base, wanted, { cancel: o.cancel, cache: o.cache, onProgress: o.onDownload })) files.set(k, v);
      const conditions = new ConditionBuilder(encode, dit.info.maskChannels, manifest.vae.spatialCompression);
      encodeCondition = (kept, req) => conditions.build(kept, req.frames, req.latentShape);
    }
    // Spatially tiled VAE decode, forced or because the plan's VAE-decode estimate is over budget (vae-tiles-loader.ts);
    // the WGSL VAE path decodes whole frames.
    let vaeRunner = vae.runner;
    if (o.vaeTile !== null && !vaeGpu) {
      const t = await loadTiledVae(manifest, base, vae.schedule, o.vaeTile, { backend, device: o.gpu?.device, files, cancel: o.cancel, cache: o.cache, onDownload: o.onDownload }).catch((e: unknown) => {
        dit?.dispose(); // its sessions are released with the others below
        throw e;
      });
      sessions.push(...t.sessions);
      vaeRunner = t.runner;
      reason = `${reason}; VAE decoded in ${o.vaeTile}-cell tiles`;
    }
    const deps: PipelineDeps = {
      manifest,
      backend,
      vae: vaeRunner,
      sink: (s) => Mp4Writer.create(s),
      stats: {},
      // The toy manifest (tests): a denoiser that needs no graphs.
      ...(isToy ? { denoiser: async (shape) => toyDenoiser(shape, Number((manifest.dit as { stepDelayMs?: number }).stepDelayMs ?? 0)), promptEncoder: toyPromptEncoder } : {}),
      // The exported DiT: text encoder + one-graph (wasm) or split graphs + WGSL Skiparse (webgpu).
      ...(dit ? { denoiser: dit.denoiser, promptEncoder: dit.promptEncoder, supportsImage: Boolean(encodeCondition), encodeCondition, alwaysConditioned: dit.info.mainInpaint } : {}),
    };
    const bytes = [...files.values()].reduce((a, b) => a + b.byteLength, 0) + (dit?.bytes ?? 0);
    return { deps, sessions, dit, vaeGpu, backend, reason, bytes };
  } catch (e) {
    for (const s of sessions) await s.release().catch(() => undefined);
    throw e;
  }
}

/** The LoadResult the page sees (capabilities, backend, cache activity). */
export function loadResult(manifest: ModelManifest, m: OpenedModel, cache: LoadResult['cache']): LoadResult {
  return {
    modelId: manifest.id,
    name: manifest.name,
    backend: m.backend,
    backendReason: m.reason,
    wasmThreads: ortThreadCount(),
    crossOriginIsolated: Boolean(globalThis.crossOriginIsolated),
    capabilities: { decodeLatents: true, generate: Boolean(m.deps.denoiser && m.deps.promptEncoder), imageToVideo: Boolean(m.deps.supportsImage) },
    defaults: manifest.defaults,
    latentChannels: manifest.vae.latentChannels,
    bytesLoaded: m.bytes,
    cache,
    ...(m.dit ? { ditBackend: m.dit.backend } : {}),
  };
}
