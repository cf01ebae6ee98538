// THE engine worker: owns the ORT sessions, the GPUDevice (shared by ORT's WebGPU EP and our WGSL kernels), and the
// WebCodecs encoder. Exposed with comlink; the main thread talks to it through ./api.ts.
// Every public method validates its input, never leaves a promise hanging, and reports failures as Errors whose
// `name` is one of EngineErrorName.
import * as Comlink from 'comlink';
import { acquireGpu, WebGpuUnavailableError, type GpuContext } from '../gpu/device';
import { externalDataName, graphFiles, requireFile, ManifestError, parseManifest, type ModelManifest } from '../models/manifest';
import { fetchManifest, folderUrl, loadFiles, type DownloadProgress } from '../models/fetch';
import { openModelFileCache, type OpenedCache } from '../models/idb-file-cache';
import { MODEL_ID_PATTERN, modelManifestUrl } from '../models/model-path';
import { configureOrt, createSession, f32, ortThreadCount, type ExternalDataFile } from '../models/ort-session';
import { checkGraphIo, vaeChunkIo } from '../models/graph-check';
import { Mp4Writer } from '../video/mp4-writer';
import { CancelToken } from '../core/cancel';
import { decodeToVideo, generateVideo, type PipelineDeps } from './pipeline';
import { toyDenoiser, toyPromptEncoder } from './toy-model';
import { hasOnnxDit, loadDit, type LoadedDit } from './dit-loader';
import { ConditionBuilder } from './image-condition';
import { DeviceLostError, lostWithin, rejectOnLoss } from './device-loss';
import { gpuBufferStats, trackGpuBuffers, type GpuBufferStats } from './gpu-accounting';
import { fileByRole } from '../models/manifest';
import { validateDecodeRequest, validateGenerateRequest } from './validate';
import { ortChunkRunner, parseChunkSchedule, type VaeChunkRunner } from './vae-stream';
import { hasWebGpuVaeDecoder, hasWebGpuVaeEncoder, loadWebGpuVaeDecoder, loadWebGpuVaeEncoder } from './vae-webgpu-loader';
import type { VideoEncoder } from './image-condition';
import { zeroVaeGpuCounts, type VaeGpuCounts } from './vae-stream-webgpu';
import {
  BusyError,
  NotLoadedError,
  NotSupportedError,
  ValidationError,
  type BackendChoice,
  type DecodeLatentsOptions,
  type DecodeResult,
  type EngineInfo,
  type GenerateProgress,
  type GenerateRequest,
  type GenerateResult,
  type LoadOptions,
  type LoadProgress,
  type LoadResult,
  type ModelSource,
} from './types';
import type * as ortTypes from 'onnxruntime-web';

interface Loaded {
  manifest: ModelManifest;
  result: LoadResult;
  deps: PipelineDeps;
  sessions: ortTypes.InferenceSession[];
  dit?: LoadedDit;
}

/** Resource counts for leak checks (soak script, e2e): GPU buffers of the engine's device, devices acquired. */
export interface EngineDiagnostics {
  gpu: GpuBufferStats;
  /** GPUDevices acquired by this worker so far (a device loss makes a new one). */
  devicesAcquired: number;
  deviceLost: boolean;
  /** Device losses the engine recovered from (model reloaded on a new device or on wasm). */
  recoveries: number;
  backend: 'wasm' | 'webgpu' | null;
  ditBackend: 'wasm' | 'webgpu' | null;
  /** ORT sessions alive. */
  sessions: number;
  /** The WebGPU VAE's WGSL Haar dispatches, graph runs and read-backs since load (null: whole-graph VAE). */
  vaeGpu: VaeGpuCounts | null;
}

/** What the tokenizer makes of a prompt (for the UI: words the model does not know, words cut off). */
export interface PromptAnalysis {
  unknownWords: string[];
  truncatedWords: number;
  maxWords: number;
}

/** "vae.weights: from cache" / "vae.weights: downloading 1.2/7.0 MB" for LoadProgress.message. */
function downloadMessage(d: DownloadProgress): string {
  if (d.phase === 'cached') return `${d.file}: from cache (${d.total} bytes)`;
  if (d.phase === 'verify') return `${d.file}: verifying`;
  return `${d.file}: downloading ${d.loaded}/${d.total} bytes`;
}

/** Calls a progress callback without letting it fail or slow the job (comlink proxies return promises). */
function safeCallback<T>(fn: ((p: T) => unknown) | undefined): (p: T) => void {
  return (p) => {
    if (!fn) return;
    try {
      void Promise.resolve(fn(p)).catch(() => undefined);
    } catch {
      /* a throwing callback must not break the job */
    }
  };
}

/** Failures that have nothing to do with the GPU (no need to wait for a device-lost signal). */
function isRequestError(e: unknown): boolean {
  return ['CancelledError', 'ValidationError', 'NotSupportedError', 'NotLoadedError', 'BusyError'].includes((e as Error)?.name);
}

/**
 * Frees a progress callback's comlink proxy (a MessagePort + the page's closure) as soon as its job is over. Without
 * it the page keeps one per call until the worker happens to collect the proxy (the soak showed ~4 KB per job).
 */
function releaseCallback(fn: unknown): void {
  try {
    (fn as { [Comlink.releaseProxy]?: () => void } | undefined)?.[Comlink.releaseProxy]?.();
  } catch {
    /* a plain function (Engine used directly) or already released */
  }
}

function isManifestUrl(s: string): boolean {
  return /\.json(\?.*)?$/i.test(s);
}

async function chooseBackend(choice: BackendChoice, current: GpuContext | null): Promise<{ backend: 'wasm' | 'webgpu'; reason: string; gpu: GpuContext | null }> {
  if (choice === 'wasm') return { backend: 'wasm', reason: 'requested', gpu: current };
  let gpu: GpuContext | null = current;
  try {
    gpu ??= await acquireGpu();
  } catch (e) {
    if (choice === 'webgpu') throw new WebGpuUnavailableError(`WebGPU requested but unavailable: ${(e as Error).message}`);
    return { backend: 'wasm', reason: `WebGPU unavailable (${(e as Error).message})`, gpu: null };
  }
  if (choice === 'webgpu') return { backend: 'webgpu', reason: 'requested', gpu };
  if (gpu.summary.isFallbackAdapter) {
    // A software adapter (SwiftShader) is 100–250× slower than ORT's wasm backend; keep the device for our kernels.
    return { backend: 'wasm', reason: 'fallback (software) WebGPU adapter: wasm is faster', gpu };
  }
  return { backend: 'webgpu', reason: 'hardware WebGPU adapter', gpu };
}

export class Engine {
  private model: Loaded | null = null;
  private gpu: GpuContext | null = null;
  private gpuLost = false;
  private job: CancelToken | null = null;
  /** The page's shared cancel cell (SharedCancelSignal), when the page is cross-origin isolated. */
  private sharedCancel: Int32Array | null = null;
  private busy = false;
  /** The last successful load's source and options: what a device-loss recovery reloads. */
  private lastLoad: { source: ModelSource; options: LoadOptions } | null = null;
  private devicesAcquired = 0;
  /** Counters of the loaded model's WebGPU VAE (WGSL Haar kernels), null when it uses the whole graphs. */
  private vaeGpu: VaeGpuCounts | null = null;
  private recoveries = 0;
  /** The persistent model cache (IndexedDB), opened on the first load; null cache: loads go without it. */
  private fileCache: Promise<OpenedCache> | null = null;

  private watchGpu(gpu: GpuContext | null): void {
    this.gpu = gpu;
    this.gpuLost = false;
    if (gpu) {
      trackGpuBuffers(gpu.device);
      this.devicesAcquired++;
    }
    void gpu?.device.lost.then(() => {
      if (this.gpu === gpu) this.gpuLost = true;
    });
  }

  info(): EngineInfo {
    return { loaded: this.model?.result ?? null, busy: this.busy };
  }

  /** Loads a model: manifest → verified download (with progress) → ORT sessions. Replaces a loaded model. */
  async load(source: ModelSource, onProgress?: (p: LoadProgress) => unknown, options: LoadOptions = {}): Promise<LoadResult> {
    return this.exclusive((cancel) => this.loadModel(source, safeCallback(onProgress), options, cancel)).finally(() => releaseCallback(onProgress));
  }

  private async loadModel(source: ModelSource, report: (p: LoadProgress) => void, options: LoadOptions, cancel: CancelToken): Promise<LoadResult> {
    {
      const backendChoice = options.backend ?? 'auto';
      if (!['auto', 'wasm', 'webgpu'].includes(backendChoice)) throw new ValidationError(`backend must be auto, wasm or webgpu, got ${String(backendChoice)}`);
      if (!['auto', 'simple', 'tiled', undefined].includes(options.attentionKernel)) {
        throw new ValidationError(`attentionKernel must be auto, simple or tiled, got ${String(options.attentionKernel)}`);
      }
      if (options.wasmThreads !== undefined) {
        if (!Number.isInteger(options.wasmThreads) || options.wasmThreads < 1 || options.wasmThreads > 64) {
          throw new ValidationError(`wasmThreads must be an integer in [1, 64], got ${String(options.wasmThreads)}`);
        }
        configureOrt({ threads: options.wasmThreads }); // no-op once ORT has created a session in this worker
      }
      report({ stage: 'manifest', message: 'reading manifest' });
      const { manifest, base } = await this.resolveManifest(source, options);
      await this.unload();
      // Model files come from the browser's cache when it has them (verified like downloads), else are downloaded
      // and stored there; no IndexedDB or a full disk only means no cache.
      const { cache, reason: noCache } = await (this.fileCache ??= openModelFileCache());
      cache?.begin();
      const dl = (d: DownloadProgress) => report({ stage: 'download', message: downloadMessage(d), download: d });
      // One GPUDevice for the worker's lifetime (reused across loads; a lost device is replaced).
      const chosen = await chooseBackend(backendChoice, this.gpu && !this.gpuLost ? this.gpu : null);
      if (chosen.gpu !== this.gpu) this.watchGpu(chosen.gpu);

      const chunkGraph = requireFile(manifest, 'vae-decoder-chunk');
      const wanted = [...graphFiles(manifest, 'vae-decoder-chunk'), requireFile(manifest, 'vae-decoder-chunk-schedule')];
      const files = await loadFiles(base, wanted, {
        cancel,
        cache: cache ?? undefined,
        onProgress: dl,
      });
      report({ stage: 'session', message: `creating ${chunkGraph.path} session (${chosen.backend})` });
      const externalData: ExternalDataFile[] = (chunkGraph.externalData ?? []).map((p) => ({ path: externalDataName(chunkGraph, p), data: files.get(p)! }));
      let backend = chosen.backend;
      let reason = chosen.reason;
      let session: ortTypes.InferenceSession;
      try {
        session = await createSession(files.get(chunkGraph.path)!, { backend, device: this.gpu?.device, externalData });
      } catch (e) {
        if (backend !== 'webgpu' || backendChoice === 'webgpu') throw e;
        backend = 'wasm';
        reason = `WebGPU session failed (${(e as Error).message}); using wasm`;
        session = await createSession(files.get(chunkGraph.path)!, { backend, externalData });
      }
      let schedule: ReturnType<typeof parseChunkSchedule>;
      try {
        schedule = parseChunkSchedule(JSON.parse(new TextDecoder().decode(files.get(requireFile(manifest, 'vae-decoder-chunk-schedule').path)!)));
        // A valid graph with other inputs/shapes (from another export) fails at load with a clear message.
        checkGraphIo(session, chunkGraph.path, vaeChunkIo(schedule, manifest.vae.latentChannels));
      } catch (e) {
        await session.release().catch(() => undefined);
        throw e;
      }
      let vae = ortChunkRunner(session, f32, schedule) as VaeChunkRunner<unknown>;
      const vaeGpu = zeroVaeGpuCounts();
      let usesVaeGpu = false;
      // WebGPU: the chunk step without its Haar transforms + our WGSL Haar kernels on ORT's GPU buffers
      // (vae-stream-webgpu.ts); the whole chunk graph stays when the manifest has no core graph or it fails to load.
      if (backend === 'webgpu' && this.gpu && hasWebGpuVaeDecoder(manifest)) {
        try {
          const g = await loadWebGpuVaeDecoder(manifest, base, schedule, {
            device: this.gpu.device,
            files,
            counts: vaeGpu,
            cancel,
            cache: cache ?? undefined,
            onDownload: dl,
            onSession: (message) => report({ stage: 'session', message }),
          });
          await session.release().catch(() => undefined);
          session = g.session;
          vae = g.runner;
          usesVaeGpu = true;
        } catch (e) {
          if ((e as Error).name === 'CancelledError') {
            await session.release().catch(() => undefined);
            throw e;
          }
          reason = `${reason}; WGSL-Haar VAE unavailable (${(e as Error).message}): whole chunk graph on WebGPU`;
        }
      }
      const isToy = (manifest.dit as { kind?: unknown } | undefined)?.kind === 'toy';
      let dit: LoadedDit | undefined;
      if (!isToy && hasOnnxDit(manifest)) {
        try {
          dit = await loadDit(manifest, base, {
            backend,
            allowFallback: backendChoice !== 'webgpu',
            gpu: this.gpu,
            attentionKernel: options.attentionKernel,
            cancel,
            cache: cache ?? undefined,
            onDownload: dl,
            onSession: (message) => report({ stage: 'session', message }),
          });
        } catch (e) {
          await session.release().catch(() => undefined);
          throw e;
        }
        if (dit.fallbackReason) reason = `${reason}; ${dit.fallbackReason}`;
      }
      // Inpainting condition (i2v, transition, continuation; every job of an inpaint main model): the DiT's inpaint
      // graph + the VAE encoder (WGSL forward Haar + vae_encoder_core on WebGPU when listed, else wasm).
      let encodeCondition: PipelineDeps['encodeCondition'];
      const extraSessions: ortTypes.InferenceSession[] = [];
      if (dit?.info.mainInpaint && !fileByRole(manifest, 'vae-encoder')) {
        dit.dispose();
        for (const s of [session, ...dit.sessions]) await s.release().catch(() => undefined);
        throw new ManifestError(`model ${manifest.id}: its DiT is an inpaint model (dit_config.inpaint), which needs the VAE encoder (role vae-encoder) for every generation, and the manifest lists none`);
      }
      if (dit?.hasInpaintGraph && fileByRole(manifest, 'vae-encoder')) {
        const loadedDit = dit;
        try {
          const gpuEnc = backend === 'webgpu' && this.gpu && hasWebGpuVaeEncoder(manifest)
            ? await loadWebGpuVaeEncoder(manifest, base, {
              device: this.gpu.device,
              files,
              counts: vaeGpu,
              cancel,
              cache: cache ?? undefined,
            onDownload: dl,
              onSession: (message) => report({ stage: 'session', message }),
            }).catch((e: Error) => {
              if (e.name === 'CancelledError') throw e;
              reason = `${reason}; WGSL-Haar VAE encoder unavailable (${e.message}): wasm encoder`;
              return null;
            })
            : null;
          let encode: VideoEncoder;
          if (gpuEnc) {
            extraSessions.push(gpuEnc.session);
            encode = gpuEnc.encode;
            usesVaeGpu = true;
          } else {
            const encGraph = requireFile(manifest, 'vae-encoder');
            const encFiles = await loadFiles(base, graphFiles(manifest, 'vae-encoder'), {
              cancel,
              cache: cache ?? undefined,
              onProgress: dl,
            });
            report({ stage: 'session', message: `creating ${encGraph.path} session (wasm)` });
            const enc = await createSession(encFiles.get(encGraph.path)!, {
              backend: 'wasm',
              externalData: (encGraph.externalData ?? []).map((p) => ({ path: externalDataName(encGraph, p), data: encFiles.get(p)! })),
            });
            extraSessions.push(enc);
            for (const [k, v] of encFiles) files.set(k, v);
            encode = async (video, dims) => {
              const out = await enc.run({ video: f32(video, dims) });
              const data = (await out.latent.getData()) as Float32Array;
              for (const t of Object.values(out)) t.dispose();
              return data;
            };
          }
          const maskChannels = loadedDit.info.maskChannels;
          const conditions = new ConditionBuilder(encode, maskChannels, manifest.vae.spatialCompression);
          encodeCondition = (kept, req) => conditions.build(kept, req.frames, req.latentShape);
        } catch (e) {
          loadedDit.dispose();
          for (const s of [session, ...loadedDit.sessions]) await s.release().catch(() => undefined);
          throw e;
        }
      }
      const deps: PipelineDeps = {
        manifest,
        backend,
        vae,
        sink: (o) => Mp4Writer.create(o),
        stats: {},
        // The DiT integration plugs in here: a Denoiser (ONNX graphs + WGSL Skiparse on this.gpu) and a PromptEncoder.
        ...(isToy ? { denoiser: async (shape) => toyDenoiser(shape, Number((manifest.dit as { stepDelayMs?: number }).stepDelayMs ?? 0)), promptEncoder: toyPromptEncoder } : {}),
        // The exported DiT (dit-loader.ts): text encoder + one-graph (wasm) or split graphs + WGSL Skiparse (webgpu).
        // Image-to-video when the manifest has the inpaint graph and the VAE encoder.
        ...(dit ? { denoiser: dit.denoiser, promptEncoder: dit.promptEncoder, supportsImage: Boolean(encodeCondition), encodeCondition, alwaysConditioned: dit.info.mainInpaint } : {}),
      };
      // Entries the current manifest no longer references (an older export) are dropped once this load succeeded.
      const activity = cache?.report();
      const evicted = cache ? await cache.retainOnly(manifest.files.map((f) => f.sha256)).catch(() => 0) : 0;
      const result: LoadResult = {
        modelId: manifest.id,
        name: manifest.name,
        backend,
        backendReason: reason,
        wasmThreads: ortThreadCount(),
        crossOriginIsolated: Boolean(globalThis.crossOriginIsolated),
        capabilities: { decodeLatents: true, generate: Boolean(deps.denoiser && deps.promptEncoder), imageToVideo: Boolean(deps.supportsImage) },
        defaults: manifest.defaults,
        latentChannels: manifest.vae.latentChannels,
        bytesLoaded: [...files.values()].reduce((a, b) => a + b.byteLength, 0) + (dit?.bytes ?? 0),
        cache: { hits: activity?.hits ?? 0, stored: activity?.stored ?? 0, discarded: activity?.discarded ?? 0, evicted, problem: activity ? activity.storeError : noCache ?? 'no cache' },
        ...(dit ? { ditBackend: dit.backend } : {}),
      };
      this.model = { manifest, result, deps, sessions: [session, ...(dit?.sessions ?? []), ...extraSessions], dit };
      this.lastLoad = { source, options };
      this.vaeGpu = usesVaeGpu ? vaeGpu : null;
      report({ stage: 'ready', message: `${manifest.id} ready (${backend})` });
      return result;
    }
  }

  /** Text(/image)-to-video. Rejects with NotSupportedError when the model has no DiT (a VAE-only manifest). */
  async generate(request: GenerateRequest, onProgress?: (p: GenerateProgress) => unknown): Promise<GenerateResult> {
    const model = this.requireModel();
    const req = validateGenerateRequest(request, model.manifest);
    return this.exclusive((cancel) => this.onLiveDevice(cancel, () => generateVideo(this.model!.deps, req, { cancel, onProgress: safeCallback(onProgress) }))).finally(() => releaseCallback(onProgress));
  }

  /**
   * Runs a job that may use the GPU. A device lost while idle is replaced before the job starts; a device lost
   * during the job rejects it at once with DeviceLostError (a GPU call on a dead device may never settle), after
   * the model has been reloaded on a new device — or on wasm if that fails — so the next call works.
   */
  private async onLiveDevice<T>(cancel: CancelToken, job: () => Promise<T>): Promise<T> {
    if (this.gpuLost && this.model?.result.backend === 'webgpu') await this.recoverFromDeviceLoss(cancel);
    const gpu = this.model?.result.backend === 'webgpu' || this.model?.result.ditBackend === 'webgpu' ? this.gpu : null;
    if (!gpu) return job();
    const loss = rejectOnLoss(gpu.device);
    try {
      return await Promise.race([job(), loss.promise]);
    } catch (e) {
      if (!(e instanceof DeviceLostError) && (isRequestError(e) || !(await lostWithin(gpu.device, 200)))) throw e;
      cancel.cancel(); // a job still stuck in a GPU call stops at its next step/chunk boundary
      const how = await this.recoverFromDeviceLoss(new CancelToken());
      const why = e instanceof DeviceLostError ? e.message.replace(/^the GPU device was lost /, '') : `(${(e as Error).message})`;
      throw new DeviceLostError(`The GPU device was lost during generation ${why}. The engine ${how}; generate again.`);
    } finally {
      loss.stop();
    }
  }

  /** Reloads the last model on a fresh GPUDevice, or on wasm if WebGPU cannot be brought back. Returns what it did. */
  private async recoverFromDeviceLoss(cancel: CancelToken): Promise<string> {
    const last = this.lastLoad;
    if (!last) throw new DeviceLostError('the GPU device was lost and no model is loaded');
    this.recoveries++;
    const dead = this.gpu;
    this.gpu = null;
    this.gpuLost = false;
    await this.unload();
    dead?.device.destroy();
    const quiet = () => undefined;
    try {
      const r = await this.loadModel(last.source, quiet, last.options, cancel);
      return `reloaded the model on a new GPU device (${r.backend}${r.ditBackend && r.ditBackend !== r.backend ? `, DiT on ${r.ditBackend}` : ''})`;
    } catch (e) {
      const r = await this.loadModel(last.source, quiet, { ...last.options, backend: 'wasm' }, cancel);
      this.lastLoad = last; // keep asking for the user's backend on the next load
      return `could not get a new GPU device (${(e as Error).message}) and reloaded the model on ${r.backend}`;
    }
  }

  /** Resource counts for leak checks. */
  diagnostics(): EngineDiagnostics {
    return {
      gpu: gpuBufferStats(this.gpu?.device),
      devicesAcquired: this.devicesAcquired,
      deviceLost: this.gpuLost,
      recoveries: this.recoveries,
      backend: this.model?.result.backend ?? null,
      ditBackend: this.model?.result.ditBackend ?? null,
      sessions: this.model?.sessions.length ?? 0,
      vaeGpu: this.model ? this.vaeGpu : null,
    };
  }

  /**
   * Test hook: destroys the GPUDevice now, exactly like a driver reset would take it away (also mid-job: comlink
   * delivers this call while a job awaits the GPU). Only in dev/test builds — a production build refuses.
   */
  debugLoseDevice(): boolean {
    if (!import.meta.env.DEV && import.meta.env.MODE !== 'test') throw new NotSupportedError('debugLoseDevice is only available in development builds');
    if (!this.gpu) return false;
    this.gpu.device.destroy();
    return true;
  }

  /** Scaled latents [1, C, T, h, w] → streaming VAE decode → MP4. */
  async decodeLatents(latents: Float32Array, shape: number[], options?: DecodeLatentsOptions, onProgress?: (p: GenerateProgress) => unknown): Promise<DecodeResult> {
    const model = this.requireModel();
    const d = validateDecodeRequest(latents, shape, options, model.manifest);
    return this.exclusive((cancel) => this.onLiveDevice(cancel, async () => {
      const t0 = performance.now();
      const out = await decodeToVideo(this.model!.deps, d.latents, d.shape, d.fps, { chunkFrames: d.chunkFrames, cancel, onProgress: safeCallback(onProgress), t0 });
      return {
        mp4: out.mp4,
        meta: {
          modelId: model.manifest.id,
          frames: out.frames,
          width: out.width,
          height: out.height,
          fps: d.fps,
          codec: out.codec,
          backend: model.deps.backend,
          bytes: out.mp4.size,
          timings: { decodeMs: out.decodeMs, totalMs: performance.now() - t0 },
        },
      };
    })).finally(() => releaseCallback(onProgress));
  }

  /** Unknown / cut-off words of a prompt under the loaded model's tokenizer (empty when it has none). */
  analyzePrompt(text: string): PromptAnalysis {
    if (typeof text !== 'string') throw new ValidationError('prompt must be a string');
    const tok = this.requireModel().dit?.tokenizer;
    if (!tok) return { unknownWords: [], truncatedWords: 0, maxWords: 0 };
    return { unknownWords: tok.unknownWords(text), truncatedWords: tok.truncatedWords(text), maxWords: tok.maxLength - 1 };
  }

  /** Attaches the page's shared cancel cell: every later job also stops when the page sets it. */
  useSharedCancel(buffer: SharedArrayBuffer): boolean {
    if (typeof SharedArrayBuffer === 'undefined' || !(buffer instanceof SharedArrayBuffer) || buffer.byteLength < 4) {
      throw new ValidationError('the shared cancel signal must be a SharedArrayBuffer of at least 4 bytes');
    }
    this.sharedCancel = new Int32Array(buffer, 0, 1);
    return true;
  }

  /** Asks the running job to stop at the next step/chunk boundary; true if a job was running. */
  cancel(): boolean {
    if (!this.job) return false;
    this.job.cancel();
    return true;
  }

  /** Releases sessions and the GPU device. The engine can load again afterwards. */
  async dispose(): Promise<void> {
    this.job?.cancel();
    await this.unload();
    this.gpu?.device.destroy();
    this.gpu = null;
  }

  private requireModel(): Loaded {
    if (!this.model) throw new NotLoadedError('no model loaded: call load() first');
    return this.model;
  }

  private async exclusive<T>(fn: (cancel: CancelToken) => Promise<T>): Promise<T> {
    if (this.busy) throw new BusyError('the engine is busy with another job (cancel it or wait)');
    this.busy = true;
    if (this.sharedCancel) Atomics.store(this.sharedCancel, 0, 0); // a cancel meant for an earlier job
    const token = new CancelToken(this.sharedCancel);
    this.job = token;
    try {
      return await fn(token);
    } finally {
      this.busy = false;
      if (this.job === token) this.job = null;
    }
  }

  private async resolveManifest(source: ModelSource, options: LoadOptions): Promise<{ manifest: ModelManifest; base: URL }> {
    if (typeof source === 'object' && source !== null) {
      if (typeof source.baseUrl !== 'string') throw new ValidationError('an inline manifest needs baseUrl (the model folder URL)');
      const base = new URL(source.baseUrl.endsWith('/') ? source.baseUrl : `${source.baseUrl}/`, self.location.href);
      return { manifest: parseManifest(source.manifest), base };
    }
    if (typeof source !== 'string' || !source) throw new ValidationError('model must be a model id, a manifest URL or {manifest, baseUrl}');
    let url: URL;
    if (isManifestUrl(source)) url = new URL(source, self.location.href);
    else if (MODEL_ID_PATTERN.test(source)) url = modelManifestUrl(new URL(options.modelsBaseUrl ?? '/models/', self.location.href), source);
    else throw new ValidationError(`invalid model id ${JSON.stringify(source.slice(0, 80))}`);
    try {
      return { manifest: await fetchManifest(url), base: folderUrl(url) };
    } catch (e) {
      if (e instanceof ManifestError && /HTTP 404/.test(e.message)) throw new ManifestError(`unknown model ${JSON.stringify(source)}: no manifest at ${url.pathname}`);
      throw e;
    }
  }

  private async unload(): Promise<void> {
    const m = this.model;
    this.model = null;
    m?.dit?.dispose();
    for (const s of m?.sessions ?? []) await s.release().catch(() => undefined);
  }
}

// Only when actually running as a worker (tests may import Engine directly).
const WGS = (globalThis as { WorkerGlobalScope?: abstract new () => unknown }).WorkerGlobalScope;
if (WGS && self instanceof WGS) {
  Comlink.expose(new Engine());
}

export type EngineWorkerApi = Engine;
