// The model folder's manifest (public/models/<id>/manifest.json, written by the model export): what the engine needs
// to know about a model, every file with its size and sha256, and the generation defaults. Plain JSON.

import type { GenerationMode } from '../core/modes';
import type { GenerationParams } from '../core/params';
import { MODEL_ID_PATTERN, modelPathProblem } from './model-path';
import { ManifestError } from '../core/errors';

export const MANIFEST_FORMAT = 'osp-web-model';
export const MANIFEST_VERSION = 1;

/** What a file is for (the engine looks files up by role, never by hard-coded name). */
export type FileRole =
  | 'vae-decoder' // one-graph decoder [1,8,t,h,w] → [1,3,1+4(t−1),8h,8w]
  | 'vae-decoder-chunk' // causal-cache chunk step (see vae-decoder-chunk-schedule)
  | 'vae-decoder-chunk-schedule' // JSON: its I/O names, state shapes and schedule
  | 'vae-decoder-core' // decoder without the Haar transforms (WebGPU path)
  | 'vae-decoder-chunk-core' // chunk step without the Haar transforms (WebGPU path; schedule in vae-split)
  | 'vae-decoder-chunk-head' // chunk step up to the mid block, whole frame (spatially tiled decode, vae-tiles.ts)
  | 'vae-decoder-chunk-tail' // the rest of the chunk step, one spatial tile at a time
  | 'vae-decoder-tiles' // JSON: the head/tail state split and the tile margin (export_vae_tiles.py)
  | 'vae-encoder'
  | 'vae-encoder-core'
  | 'vae-split' // JSON describing the Haar split
  | 'vae-decoder-weights' // external data shared by the decoder graphs
  | 'vae-encoder-weights'
  | 'dit'
  | 'dit-weights'
  | 'dit-graphs' // JSON: the DiT graphs' I/O, config, layer modes, tokenizer (export_dit.py dit_graphs.json)
  | 'text-encoder'
  | 'text-encoder-weights'
  | 'tokenizer-vocab'
  | 'model-card'
  | 'other';

export interface ManifestFile {
  /** Path relative to the model folder (no '..', no leading '/'). */
  path: string;
  role: FileRole;
  bytes: number;
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string;
  /** For ONNX graphs: paths (relative to the folder) of their external-data files, as named inside the graph. */
  externalData?: string[];
}

export interface VaeConfig {
  /** Latent channels C (8 for WF-VAE-tiny of OSP v1.3). */
  latentChannels: number;
  /** Pixel frames per latent frame after the first: T_pix = 1 + temporal·(T_lat − 1). */
  temporalCompression: number;
  /** Pixels per latent cell along H and W. */
  spatialCompression: number;
  /** Latents handed to/from the VAE graphs are z · scalingFactor (0.18215). */
  scalingFactor: number;
  /** The DiT's latents are (z · scalingFactor − shift[c]) / scale[c] (per channel; absent = identity). */
  latentNorm?: LatentNorm;
}

export interface TokenizerConfig {
  /** 'word' = whitespace/punctuation split over a closed vocabulary; 'bpe' / 'sentencepiece' for larger encoders. */
  type: 'word' | 'bpe' | 'sentencepiece' | 'char';
  /** Path of the vocabulary file in `files`. */
  vocab: string;
  maxLength: number;
  padId: number;
  unkId: number;
  bosId?: number;
  eosId?: number;
  lowercase?: boolean;
}

/** The DiT's per-channel latent normalisation (x = (z − shift[c]) / scale[c]; src/engine/latent-norm.ts applies it). */
export interface LatentNorm {
  shift: number[];
  scale: number[];
}

/** The model's defaults for every generation parameter but the prompt and seed. */
export interface GenerationDefaults extends Omit<GenerationParams, 'prompt' | 'seed'> {
  /** Prompt template with "{prompt}" (upstream: "high quality, high aesthetic, {prompt}"; empty = plain prompt). */
  promptTemplate: string;
  /**
   * CFG when frames are given (image-to-video, transition, continuation); absent: cfgScale. Why a second value: the
   * guidance that makes a prompt readable from noise can over-sharpen a given photo into texture as it moves.
   */
  imageCfgScale?: number;
}

/** The default guidance of a mode: imageCfgScale when frames are given and the model names one, else cfgScale. */
export function defaultCfgScale(d: GenerationDefaults, mode: GenerationMode): number {
  return mode !== 't2v' && d.imageCfgScale !== undefined ? d.imageCfgScale : d.cfgScale;
}

export interface GenerationLimits {
  maxFrames: number;
  maxSteps: number;
  /** Allowed output sizes (the DiT is trained at fixed sizes); empty = any multiple of the latent cell. */
  sizes: { width: number; height: number }[];
}

/** Cheap latent → RGB preview: rgb[k] = bias[k] + Σ_c matrix[k][c]·latent[c] (latent as given to the VAE, i.e. scaled), in [−1, 1]. */
export interface LatentPreviewMap {
  matrix: number[][];
  bias: number[];
}

export interface ModelManifest {
  format: typeof MANIFEST_FORMAT;
  version: number;
  id: string;
  name: string;
  description?: string;
  license?: string;
  vae: VaeConfig;
  /** Denoiser hyper-parameters (hidden size, layers, heads, patch size, Skiparse k, …), owned by the DiT export. */
  dit?: Record<string, unknown>;
  textEncoder?: Record<string, unknown>;
  tokenizer?: TokenizerConfig;
  defaults: GenerationDefaults;
  limits?: GenerationLimits;
  latentPreview?: LatentPreviewMap;
  files: ManifestFile[];
}

export { ManifestError };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function num(o: Record<string, unknown>, key: string, where: string, opts: { int?: boolean; min?: number; max?: number } = {}): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ManifestError(`${where}.${key} must be a finite number`);
  if (opts.int && !Number.isInteger(v)) throw new ManifestError(`${where}.${key} must be an integer`);
  if (opts.min !== undefined && v < opts.min) throw new ManifestError(`${where}.${key} must be ≥ ${opts.min}`);
  if (opts.max !== undefined && v > opts.max) throw new ManifestError(`${where}.${key} must be ≤ ${opts.max}, got ${v}`);
  return v;
}

function str(o: Record<string, unknown>, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new ManifestError(`${where}.${key} must be a string`);
  return v;
}

/** A safe relative path inside the model folder (the rule is model-path.ts's, shared with the loader and the CLI). */
export function isSafeRelativePath(p: string): boolean {
  return modelPathProblem(p) === null;
}

/** Validates untrusted JSON as a manifest (clear message on the first problem). */
export function parseManifest(json: unknown): ModelManifest {
  if (!isObj(json)) throw new ManifestError('manifest must be a JSON object');
  if (json.format !== MANIFEST_FORMAT) throw new ManifestError(`manifest.format must be "${MANIFEST_FORMAT}", got ${JSON.stringify(json.format)}`);
  const version = num(json, 'version', 'manifest', { int: true });
  if (version > MANIFEST_VERSION) throw new ManifestError(`manifest version ${version} is newer than this app understands (${MANIFEST_VERSION})`);
  const id = str(json, 'id', 'manifest');
  if (!MODEL_ID_PATTERN.test(id)) throw new ManifestError(`manifest.id ${JSON.stringify(id)} is not a valid model id`);
  str(json, 'name', 'manifest');
  if (!isObj(json.vae)) throw new ManifestError('manifest.vae missing');
  for (const k of ['latentChannels', 'temporalCompression', 'spatialCompression']) num(json.vae, k, 'manifest.vae', { int: true, min: 1 });
  num(json.vae, 'scalingFactor', 'manifest.vae');
  if (json.vae.latentNorm !== undefined) checkLatentNorm(json.vae.latentNorm, num(json.vae, 'latentChannels', 'manifest.vae'));
  if (!isObj(json.defaults)) throw new ManifestError('manifest.defaults missing');
  num(json.defaults, 'steps', 'manifest.defaults', { int: true, min: 1, max: MANIFEST_CAPS.steps });
  num(json.defaults, 'frames', 'manifest.defaults', { int: true, min: 1, max: MANIFEST_CAPS.frames });
  for (const k of ['width', 'height']) num(json.defaults, k, 'manifest.defaults', { int: true, min: 1, max: MANIFEST_CAPS.side });
  if (json.limits !== undefined) checkLimits(json.limits);
  num(json.defaults, 'cfgScale', 'manifest.defaults', { min: 0 });
  if (json.defaults.imageCfgScale !== undefined) num(json.defaults, 'imageCfgScale', 'manifest.defaults', { min: 0 });
  num(json.defaults, 'fps', 'manifest.defaults', { min: 1 });
  str(json.defaults, 'negativePrompt', 'manifest.defaults');
  str(json.defaults, 'promptTemplate', 'manifest.defaults');
  if (!Array.isArray(json.files) || json.files.length === 0) throw new ManifestError('manifest.files must be a non-empty array');
  const seen = new Set<string>();
  json.files.forEach((f, i) => {
    const where = `manifest.files[${i}]`;
    if (!isObj(f)) throw new ManifestError(`${where} must be an object`);
    const path = str(f, 'path', where);
    const problem = modelPathProblem(path);
    if (problem) throw new ManifestError(`${where}.path ${JSON.stringify(path.slice(0, 80))} must be a relative path inside the model folder: it ${problem}`);
    if (seen.has(path)) throw new ManifestError(`${where}.path ${path} is listed twice`);
    seen.add(path);
    str(f, 'role', where);
    num(f, 'bytes', where, { int: true, min: 0 });
    if (!/^[0-9a-f]{64}$/.test(str(f, 'sha256', where))) throw new ManifestError(`${where}.sha256 must be 64 lower-case hex digits`);
  });
  for (const f of json.files as ManifestFile[]) {
    for (const ext of f.externalData ?? []) {
      if (!seen.has(ext)) throw new ManifestError(`${f.path} needs external data ${ext}, which is not in manifest.files`);
    }
  }
  if (json.latentPreview !== undefined) checkPreview(json.latentPreview, num(json.vae, 'latentChannels', 'manifest.vae'));
  return json as unknown as ModelManifest;
}

/**
 * Hard ceilings on what a manifest may ask of the page: a tampered manifest must not make the page build a select with
 * millions of options or a typed array of unbounded length. The same ceilings as share links (share.ts).
 */
export const MANIFEST_CAPS = { frames: 1024, steps: 1000, side: 4096, sizes: 64 } as const;

function checkLimits(l: unknown): void {
  const where = 'manifest.limits';
  if (!isObj(l)) throw new ManifestError(`${where} must be an object`);
  num(l, 'maxFrames', where, { int: true, min: 1, max: MANIFEST_CAPS.frames });
  num(l, 'maxSteps', where, { int: true, min: 1, max: MANIFEST_CAPS.steps });
  if (!Array.isArray(l.sizes) || l.sizes.length > MANIFEST_CAPS.sizes) throw new ManifestError(`${where}.sizes must be an array of at most ${MANIFEST_CAPS.sizes} sizes`);
  l.sizes.forEach((z, i) => {
    if (!isObj(z)) throw new ManifestError(`${where}.sizes[${i}] must be {width, height}`);
    for (const k of ['width', 'height']) num(z, k, `${where}.sizes[${i}]`, { int: true, min: 8, max: MANIFEST_CAPS.side });
  });
}

function checkLatentNorm(n: unknown, channels: number): void {
  const where = 'manifest.vae.latentNorm';
  if (!isObj(n) || !Array.isArray(n.shift) || !Array.isArray(n.scale)) throw new ManifestError(`${where} must have shift[C] and scale[C]`);
  if (n.shift.length !== channels || n.scale.length !== channels) throw new ManifestError(`${where} must have ${channels} shift and scale values`);
  if (!n.shift.every((v) => typeof v === 'number' && Number.isFinite(v))) throw new ManifestError(`${where}.shift must be finite numbers`);
  if (!n.scale.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0)) throw new ManifestError(`${where}.scale must be positive finite numbers`);
}

export function checkPreview(p: unknown, channels: number): LatentPreviewMap {
  if (!isObj(p) || !Array.isArray(p.matrix) || !Array.isArray(p.bias)) throw new ManifestError('latentPreview must have matrix[3][C] and bias[3]');
  if (p.matrix.length !== 3 || p.bias.length !== 3) throw new ManifestError('latentPreview.matrix must have 3 rows and bias 3 values');
  for (const row of p.matrix) {
    if (!Array.isArray(row) || row.length !== channels || !row.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new ManifestError(`latentPreview.matrix rows must have ${channels} finite numbers`);
    }
  }
  if (!p.bias.every((v) => typeof v === 'number' && Number.isFinite(v))) throw new ManifestError('latentPreview.bias must be finite numbers');
  return p as unknown as LatentPreviewMap;
}

/** The file with this role (first one), or undefined. */
export function fileByRole(m: ModelManifest, role: FileRole): ManifestFile | undefined {
  return m.files.find((f) => f.role === role);
}

export function requireFile(m: ModelManifest, role: FileRole): ManifestFile {
  const f = fileByRole(m, role);
  if (!f) throw new ManifestError(`model ${m.id} has no ${role} file`);
  return f;
}

/** Files needed to run a graph: the graph and its external data. */
export function graphFiles(m: ModelManifest, role: FileRole): ManifestFile[] {
  const g = requireFile(m, role);
  return [g, ...(g.externalData ?? []).map((p) => {
    const f = m.files.find((x) => x.path === p);
    if (!f) throw new ManifestError(`${g.path}: external data ${p} missing from manifest`);
    return f;
  })];
}

/** Folder part of a manifest path ('' for a top-level file). */
export function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i + 1);
}

/**
 * The name ORT must be given for an external-data file of `graph`: its path relative to the graph's folder, which is
 * how the graph records it (manifest paths are relative to the model folder).
 */
export function externalDataName(graph: ManifestFile, dataPath: string): string {
  const dir = dirOf(graph.path);
  return dir && dataPath.startsWith(dir) ? dataPath.slice(dir.length) : dataPath;
}

/** Pixel frames for a latent length T: 1 + temporal·(T − 1). */
export function pixelFrames(vae: VaeConfig, latentFrames: number): number {
  return 1 + vae.temporalCompression * (latentFrames - 1);
}

/** Latent frames for a pixel length (must be 1 + temporal·k). */
export function latentFrames(vae: VaeConfig, pixelFrameCount: number): number {
  return 1 + (pixelFrameCount - 1) / vae.temporalCompression;
}
