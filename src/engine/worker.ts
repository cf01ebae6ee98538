// THE engine worker: owns the ORT sessions, the GPUDevice (shared by ORT's WebGPU EP and our WGSL kernels), and the
// WebCodecs encoder. Exposed with comlink; the main thread talks to it through ./api.ts.
// Every public method validates its input, never leaves a promise hanging, and reports failures as Errors whose
// `name` is one of EngineErrorName.
import * as Comlink from 'comlink';
import type { GpuContext } from '../gpu/device';
import { ManifestError, parseManifest, type ModelManifest } from '../models/manifest';
import { fetchManifest, folderUrl } from '../models/fetch';
import { openModelFileCache, type OpenedCache } from '../models/idb-file-cache';
import { MODEL_ID_PATTERN, modelManifestUrl } from '../models/model-path';
import { CancelToken } from '../core/cancel';
import { decodeToVideo, generateVideo, type PipelineDeps } from './pipeline';
import type { LoadedDit } from './dit-loader';
import { DeviceLostError, lostWithin, rejectOnLoss } from './device-loss';
import { gpuBufferStats, trackGpuBuffers, type GpuBufferStats } from './gpu-accounting';
import { checkMemoryPlan } from './memory-check';
import { chooseVaeTile } from './vae-tiles-loader';
import { validateDecodeRequest, validateGenerateRequest } from './validate';
import type { VaeGpuCounts } from './vae-stream-webgpu';
import { chooseBackend } from './backend-choice';
import { loadResult, openModel } from './load-model';
import { downloadMessage, isManifestUrl, isRequestError, releaseCallback, safeCallback, validateLoadOptions } from './worker-support';
import {
  BusyError,
  NotLoadedError,
  NotSupportedError,
  ValidationError,
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
  /** Where parts of the model opened during a job (the VAE encoder) report progress; null between jobs. */
  private jobNotice: ((message: string) => void) | null = null;
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
    const choice = validateLoadOptions(options);
    report({ stage: 'manifest', message: 'reading manifest' });
    const { manifest, base } = await this.resolveManifest(source, options);
    await this.unload();
    // Model files come from the browser's cache when it has them (verified like downloads), else are downloaded
    // and stored there; no IndexedDB or a full disk only means no cache.
    const { cache, reason: noCache } = await (this.fileCache ??= openModelFileCache());
    cache?.begin();
    // One GPUDevice for the worker's lifetime (reused across loads; a lost device is replaced).
    const chosen = await chooseBackend(choice, this.gpu && !this.gpuLost ? this.gpu : null);
    if (chosen.gpu !== this.gpu) this.watchGpu(chosen.gpu);
    // The memory plan before any download: a model that cannot fit is refused here, with the numbers.
    const memoryPlan = checkMemoryPlan(manifest, chosen.backend, chosen.gpu?.summary ?? null, options.memoryBudgetBytes);
    if (memoryPlan) report({ stage: 'manifest', message: memoryPlan.lines[memoryPlan.lines.length - 1].trim(), memoryPlan });
    const opened = await openModel(manifest, base, {
      chosen, choice, gpu: this.gpu, options, cancel, cache: cache ?? undefined,
      onDownload: (d) => report({ stage: 'download', message: downloadMessage(d), download: d }),
      onSession: (message) => report({ stage: 'session', message }),
      onLater: (message) => this.jobNotice?.(message),
      vaeTile: chooseVaeTile(manifest, memoryPlan, options.vaeTiles),
    });
    // Entries the current manifest no longer references (an older export) are dropped once this load succeeded.
    const activity = cache?.report();
    const evicted = cache ? await cache.retainOnly(manifest.files.map((f) => f.sha256)).catch(() => 0) : 0;
    const result = loadResult(manifest, opened, { hits: activity?.hits ?? 0, stored: activity?.stored ?? 0, discarded: activity?.discarded ?? 0, evicted, problem: activity ? activity.storeError : noCache ?? 'no cache' });
    this.model = { manifest, result, deps: opened.deps, sessions: opened.sessions, dit: opened.dit };
    this.lastLoad = { source, options };
    this.vaeGpu = opened.vaeGpu;
    report({ stage: 'ready', message: `${manifest.id} ready (${opened.backend})` });
    return result;
  }

  /** Text(/image)-to-video. Rejects with NotSupportedError when the model has no DiT (a VAE-only manifest). */
  async generate(request: GenerateRequest, onProgress?: (p: GenerateProgress) => unknown): Promise<GenerateResult> {
    const model = this.requireModel();
    const req = validateGenerateRequest(request, model.manifest);
    const progress = safeCallback(onProgress);
    const t0 = performance.now();
    // The lazily opened VAE encoder reports its download and session creation to this job.
    const notice = (message: string) => progress({ stage: 'text', message, elapsedMs: performance.now() - t0 });
    return this.exclusive((cancel) => {
      this.jobNotice = notice;
      return this.onLiveDevice(cancel, () => generateVideo(this.model!.deps, req, { cancel, onProgress: progress }));
    }).finally(() => {
      if (this.jobNotice === notice) this.jobNotice = null;
      releaseCallback(onProgress);
    });
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
