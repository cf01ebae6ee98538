// DiT-side per-channel latent normalisation (training/latent_norm.py): the sampler works on x = (z − shift[c]) / scale[c],
// where z is what the VAE graphs take and give (posterior · 0.18215). Our small WF-VAE's z has std ≈ 0.3, which left the
// diffusion schedule ~11× short of its designed SNR, so the model card's checkpoint is trained on unit-variance x. The VAE
// graphs keep the 0.18215 interface; these two maps sit between them and the sampler.
import type { LatentNorm } from '../models/manifest';

export type { LatentNorm };

function apply(src: Float32Array, channels: number, norm: LatentNorm, f: (v: number, c: number) => number): Float32Array {
  if (norm.shift.length !== channels || norm.scale.length !== channels) throw new RangeError(`latent norm has ${norm.shift.length}/${norm.scale.length} values for ${channels} channels`);
  if (src.length % channels) throw new RangeError(`latent of ${src.length} values is not [1, ${channels}, …]`);
  const per = src.length / channels; // [1, C, T, h, w]: channel c is one contiguous block
  const out = new Float32Array(src.length);
  for (let c = 0; c < channels; c++) {
    for (let i = c * per, end = i + per; i < end; i++) out[i] = f(src[i], c);
  }
  return out;
}

/** DiT latent [1, C, …] → the VAE's scaled latent (a copy; identity without a norm). */
export function latentsToVae(x: Float32Array, channels: number, norm?: LatentNorm): Float32Array {
  return norm ? apply(x, channels, norm, (v, c) => v * norm.scale[c] + norm.shift[c]) : x;
}

/** The VAE's scaled latent [1, C, …] → DiT latent (a copy; identity without a norm). */
export function latentsToDit(z: Float32Array, channels: number, norm?: LatentNorm): Float32Array {
  return norm ? apply(z, channels, norm, (v, c) => (v - norm.shift[c]) / norm.scale[c]) : z;
}
