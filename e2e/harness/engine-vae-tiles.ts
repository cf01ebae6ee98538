// Browser side of e2e/engine-vae-tiles.spec.ts: the engine worker's load path with the memory plan (reported before
// any download; a budget too small refused with the numbers) and the spatially tiled VAE decode (vaeTiles) against
// the whole-frame decode of the same latent, through MP4 and back.
import { createEngine } from '../../src/engine/api';
import type { LoadProgress } from '../../src/engine/types';
import type { ModelManifest } from '../../src/models/manifest';
import { readMp4 } from '../../src/video/mp4-reader';

export interface VaeTilesResult {
  planFirst: boolean;
  planFits: boolean;
  planLines: string[];
  refusal: { name: string; message: string } | null;
  tiledReason: string;
  frames: [number, number];
  psnrTiledVsWhole: number;
  maxPixelDiff: number;
}

async function decode(manifest: ModelManifest, vaeTiles: 'off' | number, latent: Float32Array, shape: number[], events: LoadProgress[]) {
  const engine = createEngine();
  try {
    const loaded = await engine.load({ manifest, baseUrl: '/models/osp-v13-tiny/' }, (p) => events.push(p), { backend: 'wasm', vaeTiles });
    const res = await engine.decodeLatents(latent, shape, { fps: 8 });
    return { reason: loaded.backendReason, frames: (await readMp4(res.mp4, { frames: true })).frames! };
  } finally {
    await engine.dispose().catch(() => undefined);
    engine.terminate();
  }
}

/** `manifest`: the VAE-only dev manifest of the bundled folder (no DiT to load: three loads stay cheap). */
export async function tiledVsWhole({ manifest }: { manifest: ModelManifest }): Promise<VaeTilesResult> {
  let seed = 3;
  const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const shape = [1, 8, 3, 16, 16]; // 9 frames at 128²: 2×2 tiles of 15 latent cells
  const latent = Float32Array.from({ length: 8 * 3 * 256 }, () => (rnd() + rnd() + rnd() - 1.5) * 0.3);
  const events: LoadProgress[] = [];
  const whole = await decode(manifest, 'off', latent, shape, events);
  const planAt = events.findIndex((e) => e.memoryPlan);
  const firstDownload = events.findIndex((e) => e.stage === 'download');
  const plan = events[planAt]?.memoryPlan;
  const tiled = await decode(manifest, 15, latent, shape, []);
  let refusal: { name: string; message: string } | null = null;
  const engine = createEngine();
  try {
    await engine.load({ manifest, baseUrl: '/models/osp-v13-tiny/' }, () => undefined, { backend: 'wasm', memoryBudgetBytes: 64 * 2 ** 20 });
  } catch (e) {
    refusal = { name: (e as Error).name, message: (e as Error).message };
  } finally {
    engine.terminate();
  }
  let se = 0;
  let n = 0;
  let maxDiff = 0;
  whole.frames.forEach((f, i) => {
    const g = tiled.frames[i];
    for (let p = 0; p < f.length; p += 4) for (let c = 0; c < 3; c++) { const d = f[p + c] - g[p + c]; se += d * d; n++; maxDiff = Math.max(maxDiff, Math.abs(d)); }
  });
  return {
    planFirst: planAt >= 0 && (firstDownload < 0 || planAt < firstDownload),
    planFits: plan?.fits ?? false,
    planLines: plan?.lines ?? [],
    refusal,
    tiledReason: tiled.reason,
    frames: [whole.frames.length, tiled.frames.length],
    psnrTiledVsWhole: se === 0 ? 99 : 10 * Math.log10((255 * 255 * n) / se),
    maxPixelDiff: maxDiff,
  };
}
