// Choosing and loading the tiled VAE decode (vae-tiles.ts) in the worker: used when the load options force it or when
// the memory plan's VAE-decode estimate exceeds VAE_TILE_THRESHOLD_BYTES and the model ships the head/tail graphs
// (training/export_vae_tiles.py). The graphs' files are downloaded and verified like every model file; the shared
// weights already loaded for the chunk graph are reused.
import { externalDataName, fileByRole, graphFiles, requireFile, type ManifestFile, type ModelManifest } from '../models/manifest';
import { loadFiles, type DownloadProgress, type FileCache } from '../models/fetch';
import type { MemoryPlan } from '../models/memory-plan';
import { createSession, f32, type ort } from '../models/ort-session';
import type { CancelFlag } from '../core/cancel';
import { ValidationError } from './types';
import type { ChunkSchedule, VaeChunkRunner } from './vae-stream';
import { parseTilesInfo, tiledChunkRunner, type TilesInfo } from './vae-tiles';

/** Above this many bytes of planned VAE-decode activations 'auto' decodes in tiles (one causal chunk's working set). */
export const VAE_TILE_THRESHOLD_BYTES = 1024 * 2 ** 20;
/** Tile edge 'auto' uses, in latent cells (256 px): a 32-cell tile with the 16-cell overlap keeps half of it new. */
export const VAE_AUTO_TILE = 32;

export type VaeTilesOption = 'auto' | 'off' | number;

export function hasTiledVae(m: ModelManifest): boolean {
  return Boolean(fileByRole(m, 'vae-decoder-chunk-head') && fileByRole(m, 'vae-decoder-chunk-tail') && fileByRole(m, 'vae-decoder-tiles'));
}

/** The tile edge to decode with, or null for whole frames. */
export function chooseVaeTile(m: ModelManifest, plan: MemoryPlan | null, option: VaeTilesOption = 'auto'): number | null {
  if (option === 'off') return null;
  if (typeof option === 'number') {
    if (!Number.isInteger(option) || option < 1) throw new ValidationError(`vaeTiles must be 'auto', 'off' or a tile edge in latent cells, got ${option}`);
    if (!hasTiledVae(m)) throw new ValidationError(`vaeTiles ${option}: model ${m.id} has no tiled VAE graphs (training/export_vae_tiles.py)`);
    return option;
  }
  if (option !== 'auto') throw new ValidationError(`vaeTiles must be 'auto', 'off' or a tile edge in latent cells, got ${String(option)}`);
  const vae = plan?.components.find((c) => c.name === 'VAE decode');
  return hasTiledVae(m) && vae && vae.activationBytes > VAE_TILE_THRESHOLD_BYTES ? VAE_AUTO_TILE : null;
}

export interface TiledVaeLoadOptions {
  backend: 'wasm' | 'webgpu';
  device?: GPUDevice;
  files: Map<string, Uint8Array>;
  cancel?: CancelFlag;
  cache?: FileCache;
  onDownload?: (d: DownloadProgress) => void;
}

/** Sessions of the head and tail graphs + the tiled runner over them. */
export async function loadTiledVae(m: ModelManifest, base: string | URL, schedule: ChunkSchedule, tile: number, o: TiledVaeLoadOptions): Promise<{ runner: VaeChunkRunner<unknown>; sessions: ort.InferenceSession[]; info: TilesInfo }> {
  const wanted: ManifestFile[] = [...graphFiles(m, 'vae-decoder-chunk-head'), ...graphFiles(m, 'vae-decoder-chunk-tail'), requireFile(m, 'vae-decoder-tiles')];
  const missing = wanted.filter((f, i) => !o.files.has(f.path) && wanted.findIndex((g) => g.path === f.path) === i);
  if (missing.length) for (const [k, v] of await loadFiles(base, missing, { cancel: o.cancel, cache: o.cache, onProgress: o.onDownload })) o.files.set(k, v);
  const info = parseTilesInfo(JSON.parse(new TextDecoder().decode(o.files.get(requireFile(m, 'vae-decoder-tiles').path)!)), schedule);
  const open = (role: 'vae-decoder-chunk-head' | 'vae-decoder-chunk-tail') => {
    const g = requireFile(m, role);
    return createSession(o.files.get(g.path)!, { backend: o.backend, device: o.device, externalData: (g.externalData ?? []).map((p) => ({ path: externalDataName(g, p), data: o.files.get(p)! })) });
  };
  const head = await open('vae-decoder-chunk-head');
  let tail: ort.InferenceSession;
  try {
    tail = await open('vae-decoder-chunk-tail');
  } catch (e) {
    await head.release().catch(() => undefined);
    throw e;
  }
  const runner = tiledChunkRunner(head, tail, f32, schedule, info, { tile }) as VaeChunkRunner<unknown>;
  return { runner, sessions: [head, tail], info };
}
