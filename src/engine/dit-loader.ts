// Loads the DiT of a manifest (a 'dit-graphs' file = export_dit.py's dit_graphs.json, the graphs next to it, their
// shared external weights, the vocabulary) through the verified downloader, creates the ORT sessions for the chosen
// backend and returns the pipeline hooks (prompt encoder + denoiser factory). Browser/worker only (onnxruntime-web).
import type { GpuContext } from '../gpu/device';
import { SkiparseAttention, skiparseVariantFor, type SkiparseVariant, type SkiparseVariantChoice } from '../kernels/skiparse/skiparse';
import { loadFiles, type DownloadProgress, type FileCache } from '../models/fetch';
import { dirOf, externalDataName, fileByRole, ManifestError, type ManifestFile, type ModelManifest } from '../models/manifest';
import { createSession, ort, type Backend } from '../models/ort-session';
import { checkGraphIo, ditGraphIo } from '../models/graph-check';
import { WordTokenizer, type PromptTokenizer, type VocabJson } from '../text/tokenizer';
import { SentencePieceTokenizer } from '../text/sentencepiece';
import type { CancelFlag } from '../core/cancel';
import type { Denoiser } from './denoise';
import { checkDitLatentShape, ditGraphNames, OnnxPromptEncoder, parseDitGraphs, WasmDenoiser, WebGpuDenoiser, type DitGraphsInfo, type TensorCtor } from './dit';
import type { PromptEncoder } from './pipeline';
import { ValidationError } from './types';
import type * as ortTypes from 'onnxruntime-web';

export interface LoadedDit {
  info: DitGraphsInfo;
  backend: Backend;
  /** Why the DiT runs on a different backend than requested, if it does. */
  fallbackReason?: string;
  /** The WGSL Skiparse kernel of the WebGPU path (null on wasm). */
  attentionKernel: SkiparseVariant | null;
  tokenizer: PromptTokenizer;
  promptEncoder: PromptEncoder;
  denoiser: (latentShape: readonly number[]) => Promise<Denoiser>;
  /**
   * The backend's inpaint graph is loaded, or the main graphs are an inpaint model (`info.mainInpaint`); the
   * condition also needs the VAE encoder, loaded by the worker.
   */
  hasInpaintGraph: boolean;
  sessions: ortTypes.InferenceSession[];
  bytes: number;
  dispose(): void;
}

export interface LoadDitOptions {
  backend: Backend;
  /** 'auto' may fall back to wasm when a WebGPU session fails; an explicit 'webgpu' may not. */
  allowFallback: boolean;
  gpu: GpuContext | null;
  /** Skiparse kernel for the WebGPU path; 'auto' (default): tiled on hardware adapters, simple on fallback ones. */
  attentionKernel?: SkiparseVariantChoice;
  cancel?: CancelFlag;
  /** Persistent model cache (IndexedDB) for the downloads. */
  cache?: FileCache;
  onDownload?: (d: DownloadProgress) => void;
  onSession?: (message: string) => void;
}

/** True when the manifest ships the exported DiT (and not the test-only toy). */
export function hasOnnxDit(m: ModelManifest): boolean {
  return Boolean(fileByRole(m, 'dit-graphs')) && (m.dit as { kind?: unknown } | undefined)?.kind !== 'toy';
}

export async function loadDit(manifest: ModelManifest, base: URL, o: LoadDitOptions): Promise<LoadedDit> {
  const sessions: ortTypes.InferenceSession[] = [];
  try {
    return await loadDitInto(sessions, manifest, base, o);
  } catch (e) {
    for (const s of sessions) await s.release().catch(() => undefined);
    throw e;
  }
}

async function loadDitInto(sessions: ortTypes.InferenceSession[], manifest: ModelManifest, base: URL, o: LoadDitOptions): Promise<LoadedDit> {
  const cfgFile = fileByRole(manifest, 'dit-graphs');
  if (!cfgFile) throw new ManifestError(`model ${manifest.id} has no dit-graphs file`);
  const dir = dirOf(cfgFile.path);
  const byPath = new Map(manifest.files.map((f) => [f.path, f]));
  const at = (name: string): ManifestFile | undefined => byPath.get(dir + name);
  const need = (name: string): ManifestFile => {
    const f = at(name);
    if (!f) throw new ManifestError(`model ${manifest.id}: ${dir + name} (named by ${cfgFile.path}) is not in the manifest`);
    return f;
  };

  const cfgBytes = (await loadFiles(base, [cfgFile], { cancel: o.cancel, cache: o.cache, onProgress: o.onDownload })).get(cfgFile.path)!;
  let info: DitGraphsInfo;
  let rawCfg: unknown;
  try {
    rawCfg = JSON.parse(new TextDecoder().decode(cfgBytes));
    info = parseDitGraphs(rawCfg);
  } catch (e) {
    throw new ManifestError(`${cfgFile.path}: ${(e as Error).message}`);
  }

  let backend = o.backend;
  if (backend === 'webgpu' && !o.gpu) throw new Error('the webgpu DiT needs a GPU device');
  const graphsFor = (b: Backend) => {
    const { required, optional } = ditGraphNames(info, b);
    return [...required.map((n) => need(`${n}.onnx`)), ...optional.map((n) => at(`${n}.onnx`)).filter((f): f is ManifestFile => Boolean(f))];
  };
  const vocabFile = need(info.tokenizer);
  const fileSet = (graphs: ManifestFile[]) => {
    const out = new Map<string, ManifestFile>([[vocabFile.path, vocabFile]]);
    for (const g of graphs) {
      out.set(g.path, g);
      for (const p of g.externalData ?? []) {
        const f = byPath.get(p);
        if (!f) throw new ManifestError(`${g.path}: external data ${p} missing from the manifest`);
        out.set(p, f);
      }
    }
    return [...out.values()];
  };
  let graphs = graphsFor(backend);
  const files = await loadFiles(base, fileSet(graphs), { cancel: o.cancel, cache: o.cache, onProgress: o.onDownload });
  // The tokenizer the export names (dit_graphs.json tokenizer_type): word-level vocab.json for the bundled encoder,
  // tokenizer.json (Unigram, written by the converter from the model's spiece.model) for a converted mT5.
  const tokBytes = files.get(vocabFile.path)!;
  const tokenizer: PromptTokenizer =
    info.tokenizerType === 'sentencepiece'
      ? SentencePieceTokenizer.fromTokenizerJson(tokBytes, { maxLength: info.textMaxLength, padId: info.textPadId, eosId: info.textEosId })
      : new WordTokenizer(JSON.parse(new TextDecoder().decode(tokBytes)) as VocabJson, { maxLength: info.textMaxLength });

  const open = async (name: string, b: Backend, gpuOutputs = false) => {
    const g = need(`${name}.onnx`);
    o.onSession?.(`creating ${g.path} session (${b}${gpuOutputs ? ', GPU-buffer outputs' : ''})`);
    const s = await createSession(files.get(g.path)!, {
      backend: b,
      device: b === 'webgpu' ? o.gpu!.device : undefined,
      gpuOutputs,
      externalData: (g.externalData ?? []).map((p) => ({ path: externalDataName(g, p), data: files.get(p)! })),
    });
    sessions.push(s);
    // A valid graph from another export (shapes/names differ from dit_graphs.json) fails here, not mid-generation.
    const io = ditGraphIo(rawCfg, name);
    if (io) checkGraphIo(s, g.path, io);
    return s;
  };
  const Tensor = ort.Tensor as unknown as TensorCtor;
  // The text encoder runs once per prompt: always on wasm (CPU tensors in and out).
  const promptEncoder = new OnnxPromptEncoder(tokenizer, await open('text_encoder', 'wasm'), Tensor);
  const has = (name: string) => graphs.some((g) => g.path === dir + `${name}.onnx`);
  const shapeCheck = (shape: readonly number[]) => {
    try {
      checkDitLatentShape(info, shape);
    } catch (e) {
      throw new ValidationError(`this model cannot generate that size: ${(e as Error).message}`);
    }
  };

  let denoiser: LoadedDit['denoiser'];
  let fallbackReason: string | undefined;
  let attention: SkiparseAttention | null = null;
  const wasmDenoiser = async (): Promise<LoadedDit['denoiser']> => {
    const dit = await open('dit', 'wasm');
    const inpaint = info.inpaint && has(info.inpaint.oneGraph) ? await open(info.inpaint.oneGraph, 'wasm') : undefined;
    return async (shape) => {
      shapeCheck(shape);
      return new WasmDenoiser(shape, info, dit, Tensor, inpaint);
    };
  };
  // Resolved before the try below: a bad choice is the caller's error, not a reason to fall back to wasm.
  const variant = o.gpu ? skiparseVariantFor(o.gpu.summary.isFallbackAdapter, o.attentionKernel) : null;
  if (backend === 'webgpu') {
    try {
      const device = o.gpu!.device;
      const embed = await open('dit_embed', 'webgpu', true);
      const embedInpaint = info.inpaint && has(info.inpaint.embed) ? await open(info.inpaint.embed, 'webgpu', true) : undefined;
      const pre: ortTypes.InferenceSession[] = [];
      const post: ortTypes.InferenceSession[] = [];
      for (let i = 0; i < info.numLayers; i++) {
        pre.push(await open(`dit_block${i}_pre`, 'webgpu', true));
        post.push(await open(`dit_block${i}_post`, 'webgpu', true));
      }
      // dit_final's v comes back to the CPU: the sampler state is float64 on the CPU (the step's one read-back).
      const final = await open('dit_final', 'webgpu', false);
      attention = new SkiparseAttention(device, { variant: variant! });
      o.onSession?.(`Skiparse attention: WGSL ${variant} kernel`);
      const kernel = attention;
      denoiser = async (shape) => {
        shapeCheck(shape);
        return new WebGpuDenoiser(shape, info, { embed, embedInpaint, pre, post, final }, device, kernel, Tensor);
      };
    } catch (e) {
      if (!o.allowFallback) throw e;
      fallbackReason = `WebGPU DiT sessions failed (${(e as Error).message}); DiT on wasm`;
      backend = 'wasm';
      graphs = graphsFor('wasm');
      const more = await loadFiles(base, fileSet(graphs).filter((f) => !files.has(f.path)), { cancel: o.cancel, cache: o.cache, onProgress: o.onDownload });
      for (const [k, v] of more) files.set(k, v);
      denoiser = await wasmDenoiser();
    }
  } else {
    denoiser = await wasmDenoiser();
  }
  return {
    info,
    backend,
    fallbackReason,
    attentionKernel: backend === 'webgpu' ? variant : null,
    tokenizer,
    promptEncoder,
    denoiser,
    // An inpaint main model's dit/dit_embed take the condition themselves.
    hasInpaintGraph: info.mainInpaint || Boolean(info.inpaint && has(backend === 'wasm' ? info.inpaint.oneGraph : info.inpaint.embed)),
    sessions,
    bytes: [...files.values()].reduce((a, b) => a + b.byteLength, 0) + cfgBytes.byteLength,
    dispose: () => attention?.destroy(),
  };
}
