// Open-Sora Plan v1.3's released sizes as a manifest (no files to download: sizes only), for the memory plan at the
// real size (scripts/memory-plan.mjs, docs/BENCHMARKS.md "Real size (plan, CPU-side)"). Configs: upstream
// OpenSoraT2V_v1_3_2B_122 (training/models/skiparse_dit.py DiTConfig.v1_3_2b_122), google/mt5-xxl's encoder
// (d_model 4096, d_ff 10240, 24 layers, 64 heads × 64, vocab 250112, 512 tokens), WF-VAE base 128
// (WFVAEConfig.released(): decoder 110,165,436 parameters, counted in PyTorch).
import { MANIFEST_FORMAT, MANIFEST_VERSION, type ModelManifest } from './manifest';

const RELEASED_VAE_DECODER_PARAMS = 110_165_436;
const zeros = '0'.repeat(64);

export function realSizeManifest(): ModelManifest {
  return {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    id: 'osp-v13-2b-real-size',
    name: 'Open-Sora Plan v1.3 2B (released sizes, plan only)',
    vae: { latentChannels: 8, temporalCompression: 4, spatialCompression: 8, scalingFactor: 0.18215 },
    dit: {
      num_layers: 32, num_heads: 24, head_dim: 96, hidden: 2304, in_channels: 8, out_channels: 8, patch_size: 2, patch_size_t: 1,
      caption_channels: 4096, sparse1d: true, sparse_n: 4, ffn_mult: 4, timestep_channels: 256, inpaint: false,
      layer_modes: Array.from({ length: 32 }, (_, i) => (i % 2 ? 'group' : 'single')),
    },
    textEncoder: { kind: 'mt5', vocab_size: 250112, d_model: 4096, d_ff: 10240, num_layers: 24, num_heads: 64, d_kv: 64 },
    tokenizer: { type: 'sentencepiece', vocab: 'tokenizer.json', maxLength: 512, padId: 0, unkId: 2, eosId: 1 },
    defaults: { steps: 100, cfgScale: 7.5, frames: 93, width: 640, height: 352, fps: 18, negativePrompt: '', promptTemplate: '' },
    files: [{ path: 'vae_decoder.weights', role: 'vae-decoder-weights', bytes: RELEASED_VAE_DECODER_PARAMS * 4, sha256: zeros }],
  };
}
