// Node-only (tests and dev scripts; never imported by browser code): builds a manifest for a model folder from the
// files that are actually there (sizes, sha256, roles by file name, external-data references read from the graphs),
// until the model export writes the real manifest.json. Values are read from disk each call, so a re-exported VAE
// (new weights, same I/O) needs no change here.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_FORMAT, MANIFEST_VERSION, parseManifest, type FileRole, type LatentPreviewMap, type ManifestFile, type ModelManifest } from './manifest';

const ROLES: [RegExp, FileRole][] = [
  [/^vae_decoder_chunk\.onnx$/, 'vae-decoder-chunk'],
  [/^vae_decoder_chunk\.json$/, 'vae-decoder-chunk-schedule'],
  [/^vae_decoder_core\.onnx$/, 'vae-decoder-core'],
  [/^vae_decoder\.onnx$/, 'vae-decoder'],
  [/^vae_encoder_core\.onnx$/, 'vae-encoder-core'],
  [/^vae_encoder\.onnx$/, 'vae-encoder'],
  [/^vae_split\.json$/, 'vae-split'],
  [/^vae_decoder\.weights$/, 'vae-decoder-weights'],
  [/^vae_encoder\.weights$/, 'vae-encoder-weights'],
  [/^dit.*\.onnx$/, 'dit'],
  [/^dit.*\.weights$/, 'dit-weights'],
  [/^text_encoder.*\.onnx$/, 'text-encoder'],
  [/^text_encoder.*\.weights$/, 'text-encoder-weights'],
  [/^vocab.*$/, 'tokenizer-vocab'],
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
}

/** Manifest for the files in `dir` (e.g. public/models/osp-v13-tiny). */
export function buildDevManifest(dir: string, o: DevManifestOptions = {}): ModelManifest {
  const names = readdirSync(dir).filter((n) => statSync(join(dir, n)).isFile() && n !== 'manifest.json').sort();
  const weights = names.filter((n) => n.endsWith('.weights') || n.endsWith('.data') || n.endsWith('.onnx_data'));
  const files: ManifestFile[] = names.map((name) => {
    const bytes = readFileSync(join(dir, name));
    const f: ManifestFile = { path: name, role: roleOf(name), bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
    if (name.endsWith('.onnx')) {
      const refs = externalRefs(bytes, weights);
      if (refs.length) f.externalData = refs;
    }
    return f;
  });
  const id = o.id ?? dir.split('/').filter(Boolean).pop()!;
  return parseManifest({
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    id,
    name: `${id} (dev manifest)`,
    description: 'Built from the files on disk by src/models/dev-manifest.ts; the model export will write the real manifest.json.',
    vae: { latentChannels: 8, temporalCompression: 4, spatialCompression: 8, scalingFactor: 0.18215 },
    defaults: { steps: 30, cfgScale: 4.5, frames: 17, width: 64, height: 64, fps: 8, negativePrompt: '', promptTemplate: '' },
    limits: { maxFrames: 33, maxSteps: 200, sizes: [] },
    ...(o.latentPreview ? { latentPreview: o.latentPreview } : {}),
    files,
  });
}
