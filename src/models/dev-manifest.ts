// Node-only (tests and dev scripts; never imported by browser code): builds a manifest for a model folder from the
// files that are actually there (sizes, sha256, roles by file name, external-data references read from the graphs),
// for test fixtures and dev exports (the shipped model has its own manifest.json, written by the export). Values are
// read from disk each call, so a re-exported VAE (new weights, same I/O) needs no change here.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fitLatentPreview } from './preview-fit';
import { MANIFEST_FORMAT, MANIFEST_VERSION, parseManifest, type FileRole, type LatentPreviewMap, type ManifestFile, type ModelManifest } from './manifest';

const ROLES: [RegExp, FileRole][] = [
  [/^vae_decoder_chunk\.onnx$/, 'vae-decoder-chunk'],
  [/^vae_decoder_chunk_core\.onnx$/, 'vae-decoder-chunk-core'],
  [/^vae_decoder_chunk_head\.onnx$/, 'vae-decoder-chunk-head'],
  [/^vae_decoder_chunk_tail\.onnx$/, 'vae-decoder-chunk-tail'],
  [/^vae_decoder_tiles\.json$/, 'vae-decoder-tiles'],
  [/^vae_decoder_chunk\.json$/, 'vae-decoder-chunk-schedule'],
  [/^vae_decoder_core\.onnx$/, 'vae-decoder-core'],
  [/^vae_decoder\.onnx$/, 'vae-decoder'],
  [/^vae_encoder_core\.onnx$/, 'vae-encoder-core'],
  [/^vae_encoder\.onnx$/, 'vae-encoder'],
  [/^vae_split\.json$/, 'vae-split'],
  [/^vae_decoder\.weights$/, 'vae-decoder-weights'],
  [/^vae_encoder\.weights$/, 'vae-encoder-weights'],
  [/^dit_graphs\.json$/, 'dit-graphs'],
  [/^dit.*\.onnx$/, 'dit'],
  [/^dit.*\.weights$/, 'dit-weights'],
  [/^text_encoder.*\.onnx$/, 'text-encoder'],
  [/^text_encoder.*\.weights$/, 'text-encoder-weights'],
  [/^vocab.*$/, 'tokenizer-vocab'],
  [/^spiece\.model$/, 'tokenizer-vocab'],
  [/^tokenizer\.json$/, 'tokenizer-vocab'],
  [/^README\.md$/, 'model-card'],
];

function roleOf(name: string): FileRole {
  return ROLES.find(([re]) => re.test(name))?.[1] ?? 'other';
}

/** External-data file names referenced by an ONNX graph (the `location` strings; we look for sibling file names). */
function externalRefs(graph: Buffer, candidates: string[]): string[] {
  return candidates.filter((c) => graph.includes(Buffer.from(c, 'utf8')));
}

export interface DevManifestOptions {
  id?: string;
  latentPreview?: LatentPreviewMap;
  /** Fit the latent→RGB preview map on the VAE parity fixtures in this folder (training/fixtures/vae). */
  fitPreviewFrom?: string;
  /** Which files of the folder to list (default: the VAE's, so VAE-only tests ignore the DiT files beside it). */
  only?: RegExp;
}

function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Preview map fitted on the decoder (latent → video) and encoder (video → latent) fixture pairs. */
export function fitPreviewFromFixtures(fixDir: string): LatentPreviewMap & { samples: number; rmse: number } {
  type Ref = { file: string; shape: number[] };
  const index = JSON.parse(readFileSync(join(fixDir, 'index.json'), 'utf8')) as { fixtures: Record<string, { inputs: Record<string, Ref>; outputs: Record<string, Ref> }> };
  const pairs: { latent: Float32Array; latentDims: number[]; video: Float32Array; videoDims: number[] }[] = [];
  for (const fx of Object.values(index.fixtures)) {
    const lat = fx.inputs.latent ?? fx.outputs.latent;
    const vid = fx.outputs.video ?? fx.inputs.video;
    if (!lat || !vid || lat.shape.length !== 5 || vid.shape.length !== 5) continue;
    pairs.push({ latent: readF32(join(fixDir, lat.file)), latentDims: lat.shape, video: readF32(join(fixDir, vid.file)), videoDims: vid.shape });
  }
  if (!pairs.length) throw new Error(`no latent/video fixture pairs in ${fixDir}`);
  return fitLatentPreview(pairs);
}

/** Files of a folder with sizes, sha256, roles and external-data references; paths prefixed with `prefix`. */
export function devFiles(dir: string, prefix = '', only?: RegExp): ManifestFile[] {
  const names = readdirSync(dir).filter((n) => statSync(join(dir, n)).isFile() && n !== 'manifest.json' && (!only || only.test(n))).sort();
  const weights = names.filter((n) => n.endsWith('.weights') || n.endsWith('.data') || n.endsWith('.onnx_data'));
  return names.map((name) => {
    const bytes = readFileSync(join(dir, name));
    const f: ManifestFile = { path: prefix + name, role: roleOf(name), bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
    if (name.endsWith('.onnx')) {
      const refs = externalRefs(bytes, weights);
      if (refs.length) f.externalData = refs.map((r) => prefix + r);
    }
    return f;
  });
}

/** Manifest for the files in `dir` (e.g. public/models/osp-v13-tiny). */
export function buildDevManifest(dir: string, o: DevManifestOptions = {}): ModelManifest {
  const files = devFiles(dir, '', o.only ?? /^vae_/);
  const id = o.id ?? dir.split('/').filter(Boolean).pop()!;
  return devManifest(id, files, o);
}

function devManifest(id: string, files: ManifestFile[], o: DevManifestOptions, extra: Record<string, unknown> = {}): ModelManifest {
  let latentPreview = o.latentPreview;
  if (!latentPreview && o.fitPreviewFrom) {
    const fit = fitPreviewFromFixtures(o.fitPreviewFrom);
    latentPreview = { matrix: fit.matrix, bias: fit.bias };
  }
  return parseManifest({
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    id,
    name: `${id} (dev manifest)`,
    description: 'Built from the files on disk by src/models/dev-manifest.ts; the model export will write the real manifest.json.',
    vae: { latentChannels: 8, temporalCompression: 4, spatialCompression: 8, scalingFactor: 0.18215 },
    defaults: { steps: 30, cfgScale: 4.5, frames: 17, width: 64, height: 64, fps: 8, negativePrompt: '', promptTemplate: '' },
    limits: { maxFrames: 33, maxSteps: 200, sizes: [] },
    ...(latentPreview ? { latentPreview } : {}),
    ...extra,
    files,
  });
}

export interface DevDitManifestOptions extends DevManifestOptions {
  /** VAE folder on disk and its path from the served root (public/ is served at /). */
  vaeDir?: string;
  vaePrefix?: string;
  /** DiT export folder on disk and its path from the served root (Vite serves the repo root). */
  ditDir?: string;
  ditPrefix?: string;
}

/**
 * A whole model (VAE + DiT + text encoder + vocab) from two folders: the trained VAE (public/models/osp-v13-tiny)
 * and the DiT dev export (training/fixtures/dit/dev, random weights of the real architecture at toy width).
 * Paths are relative to the served root: load it with baseUrl '/'. Built from disk on each call (so a re-exported
 * VAE or DiT needs no committed sha256 update).
 */
export function buildDevDitManifest(o: DevDitManifestOptions = {}): ModelManifest {
  const vaeDir = o.vaeDir ?? 'public/models/osp-v13-tiny';
  const ditDir = o.ditDir ?? 'training/fixtures/dit/dev';
  const vaePrefix = o.vaePrefix ?? 'models/osp-v13-tiny/';
  const ditPrefix = o.ditPrefix ?? `${ditDir}/`;
  const files = [...devFiles(vaeDir, vaePrefix, /^vae_/), ...devFiles(ditDir, ditPrefix)];
  const graphs = JSON.parse(readFileSync(join(ditDir, 'dit_graphs.json'), 'utf8')) as { dit_config: Record<string, unknown>; text_config: Record<string, unknown>; tokenizer: string; source?: string };
  const vocab = JSON.parse(readFileSync(join(ditDir, graphs.tokenizer), 'utf8')) as { max_length: number; pad_id: number; unk_id: number; eos_id: number };
  return devManifest(o.id ?? 'osp-v13-dev-dit', files, o, {
    dit: { kind: 'skiparse-onnx', source: graphs.source ?? '', ...graphs.dit_config },
    textEncoder: graphs.text_config,
    tokenizer: { type: 'word', vocab: ditPrefix + graphs.tokenizer, maxLength: vocab.max_length, padId: vocab.pad_id, unkId: vocab.unk_id, eosId: vocab.eos_id, lowercase: true },
  });
}
