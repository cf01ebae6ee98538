// Parameter counts of the three components from their manifest configs, without loading anything: what the memory
// plan (memory-plan.ts) charges for weights. Ports of training/models/skiparse_dit.py analytic_param_count(),
// training/models/text_encoder.py and training/models/wfvae.py Decoder; for the bundled model they reproduce the
// exported weight files to the byte (memory-plan.test.ts), which is what makes them trustworthy at the real size.

/** Skiparse DiT (OpenSoraT2V_v1_3): manifest `dit` (export_dit.py config dict). */
export interface DitDims {
  num_layers: number;
  hidden: number;
  num_heads: number;
  patch_size: number;
  patch_size_t: number;
  in_channels: number;
  out_channels: number;
  caption_channels: number;
  ffn_mult: number;
  timestep_channels: number;
  inpaint?: boolean;
  mask_channels?: number;
  sparse_n?: number;
  layer_modes?: string[];
  /** Weight storage ('float16' / 'bfloat16' = 2 bytes; absent = fp32). */
  dtype?: string;
}

export function ditParams(c: DitDims): number {
  const d = c.hidden;
  const p = c.patch_size;
  const f = c.ffn_mult * d;
  const attnSelf = 4 * d * d + 4 * d;
  const attnCross = 4 * d * d + 4 * d; // to_k / to_v read the projected caption (width D)
  const ffn = 2 * d * f + f + d;
  const block = attnSelf + attnCross + ffn + 6 * d;
  const patch = c.in_channels * d * p * p + d;
  const caption = c.caption_channels * d + d + d * d + d;
  const adaln = c.timestep_channels * d + d + d * d + d + 6 * d * d + 6 * d;
  const final = 2 * d + d * p * p * c.out_channels + p * p * c.out_channels;
  const inpaint = c.inpaint ? c.in_channels * d * p * p + d + (c.mask_channels ?? 4) * d * p * p + d + 2 * d * d : 0;
  return block * c.num_layers + patch + caption + adaln + final + inpaint;
}

/**
 * Text encoder, two kinds: ours (training/models/text_encoder.py: {vocab_size, width, layers, ffn_mult, max_length})
 * and mT5 encoders ({kind: 'mt5', d_model, d_ff, num_layers, num_heads, d_kv, vocab_size}: gated-GELU FFN, no
 * biases, RMSNorm, one relative-position bias table of 32 buckets).
 */
export interface TextEncoderDims {
  kind?: 'mt5';
  vocab_size: number;
  width?: number;
  layers?: number;
  ffn_mult?: number;
  max_length?: number;
  heads?: number;
  d_model?: number;
  d_ff?: number;
  num_layers?: number;
  num_heads?: number;
  d_kv?: number;
  dtype?: string;
}

export function textEncoderParams(c: TextEncoderDims): number {
  if (c.kind === 'mt5') {
    const d = c.d_model ?? 0;
    const inner = (c.num_heads ?? 0) * (c.d_kv ?? 0);
    const layer = 4 * d * inner + 3 * d * (c.d_ff ?? 0) + 2 * d;
    return c.vocab_size * d + (c.num_layers ?? 0) * layer + 32 * (c.num_heads ?? 0) + d;
  }
  const w = c.width ?? 0;
  const f = (c.ffn_mult ?? 4) * w;
  const layer = 3 * w * w + 3 * w + w * w + w + w * f + f + f * w + w + 4 * w;
  return c.vocab_size * w + (c.max_length ?? 0) * w + (c.layers ?? 0) * layer + 2 * w;
}

/** WF-VAE decoder widths: base channels B, energy-flow width E, latent channels L (training/models/wfvae.py). */
export interface VaeDecoderDims {
  base: number;
  energy: number;
  latent: number;
  connectLayers?: number;
  resBlocks?: number;
}

export function wfvaeDecoderParams(v: VaeDecoderDims): number {
  const { base: b, energy: e, latent: l } = v;
  const c = v.connectLayers ?? 2;
  const nr = v.resBlocks ?? 2;
  const conv3 = (i: number, o: number) => i * o * 27 + o;
  const conv2 = (i: number, o: number, k = 3) => i * o * k * k + o;
  const res = (i: number, o = i) => 2 * i + conv3(i, o) + 2 * o + conv3(o, o) + (i !== o ? i * o + o : 0);
  const attn = (ch: number) => 2 * ch + 4 * (ch * ch + ch);
  const b4 = 4 * b;
  return conv3(l, b4) + res(b4) + attn(b4) + res(b4, b4 + e)
    + c * res(e) + conv2(e, 24)
    + nr * res(b4) + conv3(b4, b4) + res(b4, b4 + e)
    + c * res(e) + conv2(e, 12)
    + res(b4, 2 * b) + res(2 * b) + conv2(2 * b, 2 * b) + res(2 * b)
    + res(2 * b, b) + res(b)
    + 2 * b + conv2(b, 24);
}

/**
 * The decoder's base width from its fp32 weight file (E = B, as in every WF-VAE release and ours), or null when no
 * width reproduces the size within 1 % (then the plan says the VAE estimate is unknown instead of guessing).
 */
export function vaeBaseFromWeightBytes(bytes: number, latent: number, bytesPerParam = 4): number | null {
  for (let b = 4; b <= 1024; b += 4) {
    const want = wfvaeDecoderParams({ base: b, energy: b, latent }) * bytesPerParam;
    if (Math.abs(want - bytes) <= 0.01 * bytes) return b;
    if (want > bytes * 1.01) break;
  }
  return null;
}
