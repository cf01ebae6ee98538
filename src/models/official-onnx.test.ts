// The converted upstream-v13 fixture model (training/convert_official.py on ../shared/fixtures/upstream-v13, the
// folder below) on onnxruntime-node vs upstream's own outputs: every graph family ≤ 1e-4 max abs (the PyTorch
// modules it was exported from match upstream to ≤ 1e-5: training/tests/test_convert_official.py).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { parseManifest } from './manifest';
import { parseNpy } from './npy';
import { ditGraphNames, parseDitGraphs } from '../engine/dit';

// OSP_OFFICIAL_DIR / OSP_OFFICIAL_TOL: check another conversion of the same fixtures, e.g. an fp16-storage copy
// (python -m training.convert.onnx_fp16 …) at its own tolerance; errors are printed either way.
const CONVERTED_DIR = process.env.OSP_OFFICIAL_DIR ?? 'training/fixtures/official/upstream-v13';
const FIX = resolve(__dirname, '../../../shared/fixtures/upstream-v13');
const have = existsSync(FIX) && existsSync(join(CONVERTED_DIR, 'manifest.json'));
const TOL = Number(process.env.OSP_OFFICIAL_TOL ?? 1e-4);
const errors: Record<string, number> = {};
const check = (key: string, err: number) => {
  errors[key] = err;
  expect(err, key).toBeLessThan(TOL);
};

const npy = (...p: string[]) => parseNpy(new Uint8Array(readFileSync(join(FIX, ...p))));
const f32 = (...p: string[]) => npy(...p).data as Float32Array;
const tensor = (...p: string[]) => {
  const a = npy(...p);
  return new ort.Tensor(a.dtype === 'int64' ? 'int64' : 'float32', a.data as Float32Array, a.shape);
};
const asFloat = (...p: string[]) => {
  const a = npy(...p);
  return new ort.Tensor('float32', Float32Array.from(a.data as BigInt64Array, (v) => Number(v)), a.shape);
};
/** Drop the singleton axis 1 of [B, 1, ...] (upstream passes text as [B, 1, L, C] and masks as [B, 1, L]). */
const squeeze1 = (t: ort.Tensor) => new ort.Tensor(t.type as 'float32', t.data as Float32Array, [t.dims[0], ...t.dims.slice(2)]);
const scaled = (a: Float32Array, k: number) => Float32Array.from(a, (v) => v * k);

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d; // NaN fails
  }
  return m;
}

const sessions = new Map<string, ort.InferenceSession>();
async function session(graph: string) {
  let s = sessions.get(graph);
  if (!s) {
    s = await ort.InferenceSession.create(join(CONVERTED_DIR, graph), { graphOptimizationLevel: 'all' });
    sessions.set(graph, s);
  }
  return s;
}
afterAll(async () => {
  for (const s of sessions.values()) await s.release();
  if (Object.keys(errors).length) console.log(`max abs vs upstream (${CONVERTED_DIR}): ${JSON.stringify(errors)}`);
});

describe.skipIf(!have)('converted upstream-v13 fixture model on onnxruntime-node', () => {
  it('has a valid manifest whose sizes and sha256 match the files, and a SentencePiece tokenizer', () => {
    const m = parseManifest(JSON.parse(readFileSync(join(CONVERTED_DIR, 'manifest.json'), 'utf8')));
    for (const f of m.files) {
      const b = readFileSync(join(CONVERTED_DIR, f.path));
      expect(b.length, f.path).toBe(f.bytes);
      expect(createHash('sha256').update(b).digest('hex'), f.path).toBe(f.sha256);
    }
    expect(m.tokenizer?.type).toBe('sentencepiece');
    expect(m.tokenizer?.maxLength).toBe(512);
    const info = parseDitGraphs(JSON.parse(readFileSync(join(CONVERTED_DIR, 'dit_graphs.json'), 'utf8')));
    expect(info.modes.join(',')).toBe(['dense', 'dense', ...Array(14).fill(['single', 'group']).flat(), 'dense', 'dense'].join(','));
    expect(info.tokenizerType).toBe('sentencepiece');
    expect(info.tokenizer).toBe('tokenizer.json'); // written by the converter from spiece.model (kept for provenance)
    expect(m.files.some((f) => f.path === 'spiece.model')).toBe(true);
    // the i2v DiT has its own weights: only its one-graph is used; the WebGPU split path must not pair its embed
    // with the t2v blocks
    expect(info.inpaint).toEqual({ oneGraph: 'dit_inpaint', embed: 'dit_embed_inpaint', sharesBlocks: false });
    expect(ditGraphNames(info, 'wasm').optional).toEqual(['dit_inpaint']);
    expect(ditGraphNames(info, 'webgpu').optional).toEqual([]);
    // the model card carries the source files' hashes
    const card = readFileSync(join(CONVERTED_DIR, 'README.md'), 'utf8');
    const src = createHash('sha256').update(readFileSync(join(FIX, 'dit/t2v/diffusion_pytorch_model.safetensors'))).digest('hex');
    expect(card).toContain(src);
  });

  it('VAE encoder / decoder graphs match upstream WFVAEModel', { timeout: 60_000 }, async () => {
    const enc = await session('vae_encoder.onnx');
    const e = await enc.run({ video: tensor('wfvae', 'x.npy') });
    check('vae_encoder latent', maxAbs(e.latent.data as Float32Array, scaled(f32('wfvae', 'enc_mean.npy'), 0.18215)));
    check('vae_encoder logvar', maxAbs(e.logvar.data as Float32Array, f32('wfvae', 'enc_logvar.npy')));
    const dec = await session('vae_decoder.onnx');
    for (const [z, ref] of [['z.npy', 'dec.npy'], ['z_long.npy', 'dec_long.npy']]) {
      const zt = npy('wfvae', z);
      const out = await dec.run({ latent: new ort.Tensor('float32', scaled(zt.data as Float32Array, 0.18215), zt.shape) });
      check(`vae_decoder ${ref}`, maxAbs(out.video.data as Float32Array, f32('wfvae', ref)));
    }
  });

  it('text encoder graph matches MT5EncoderModel', { timeout: 60_000 }, async () => {
    const te = await session('text_encoder.onnx');
    const out = await te.run({ input_ids: tensor('mt5', 'input_ids.npy'), text_mask: asFloat('mt5', 'attention_mask.npy') });
    check('text_encoder', maxAbs(out.text_states.data as Float32Array, f32('mt5', 'last_hidden_state.npy')));
  });

  for (const [name, graph] of [['t2v', 'dit.onnx'], ['inpaint', 'dit_inpaint.onnx']] as const) {
    for (const c of ['main', 'odd']) {
      it(`${graph} matches upstream ${name === 't2v' ? 'OpenSoraT2V_v1_3' : 'OpenSoraInpaint_v1_3'} (${c})`, async () => {
        const s = await session(graph);
        const hs = npy('dit', name, c, 'hidden_states.npy');
        const [B, Cin, T, H, W] = hs.shape;
        const all = hs.data as Float32Array;
        const cell = T * H * W;
        const part = (c0: number, c1: number) => {
          const out = new Float32Array(B * (c1 - c0) * cell);
          for (let b = 0; b < B; b++) out.set(all.subarray((b * Cin + c0) * cell, (b * Cin + c1) * cell), b * (c1 - c0) * cell);
          return new ort.Tensor('float32', out, [B, c1 - c0, T, H, W]);
        };
        const feeds: Record<string, ort.Tensor> = {
          latent: name === 'inpaint' ? part(0, 8) : new ort.Tensor('float32', all, hs.shape),
          timestep: tensor('dit', name, c, 'timestep.npy'),
          text_states: squeeze1(tensor('dit', name, c, 'encoder_hidden_states.npy')),
          text_mask: squeeze1(asFloat('dit', name, c, 'encoder_attention_mask.npy')),
        };
        if (name === 'inpaint') {
          feeds.cond_latent = part(8, 16);
          feeds.cond_mask = part(16, 20);
        }
        const out = await s.run(feeds);
        check(`${graph} ${c}`, maxAbs(out.v.data as Float32Array, f32('dit', name, c, 'out.npy')));
      }, 240_000); // session creation of a 32-layer graph: ~40 s on 2 busy cores
    }
  }
});
