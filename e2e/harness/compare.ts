// Comparisons and fixture loading shared by the browser-side e2e harnesses.
import type { TensorF32 } from '../../src/engine/vae-stream';

/** Largest |a[i] − b[i]|; Infinity when the lengths differ, NaN anywhere counts as Infinity. */
export function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  return m;
}

export interface TensorRef { file: string; shape: number[] }

/** A raw float32 tensor of the WF-VAE parity fixtures (training/fixtures/vae, export_vae.py). */
export async function vaeFixture(ref: TensorRef): Promise<TensorF32> {
  const res = await fetch(`/training/fixtures/vae/${ref.file}`);
  if (!res.ok) throw new Error(`fixture ${ref.file}: HTTP ${res.status}`);
  return { data: new Float32Array(await res.arrayBuffer()), dims: ref.shape };
}
