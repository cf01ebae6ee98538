// The bundled model folder (public/models/osp-v13-tiny) as the app downloads it: a valid manifest that lists exactly
// the files on disk with their true sizes and sha256, weights within the size budget, and a DiT/tokenizer description
// that agrees with the export's own dit_graphs.json and vocab.json.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileByRole, graphFiles, parseManifest } from './manifest';

const DIR = 'public/models/osp-v13-tiny';
const MB = 1024 * 1024;

describe('bundled model osp-v13-tiny', () => {
  const m = parseManifest(JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')));

  it('lists every file in the folder with its real size and sha256', () => {
    const onDisk = readdirSync(DIR).filter((n) => n !== 'manifest.json').sort();
    expect(m.files.map((f) => f.path).sort()).toEqual(onDisk);
    for (const f of m.files) {
      const bytes = readFileSync(join(DIR, f.path));
      expect(bytes.byteLength, f.path).toBe(f.bytes);
      expect(createHash('sha256').update(bytes).digest('hex'), f.path).toBe(f.sha256);
    }
  });

  it('ships each weight once, within the 60 MB budget of the model card', () => {
    const weights = m.files.filter((f) => f.path.endsWith('.weights'));
    expect(weights.map((f) => f.path).sort()).toEqual(['dit.weights', 'vae_decoder.weights', 'vae_encoder.weights']);
    const total = m.files.reduce((s, f) => s + f.bytes, 0);
    expect(total).toBeLessThan(60 * MB);
    for (const g of m.files.filter((f) => f.path.endsWith('.onnx'))) {
      expect(g.externalData?.length, `${g.path} keeps its weights in a shared external file`).toBe(1);
      expect(g.bytes, `${g.path} is a small graph`).toBeLessThan(2 * MB);
    }
  });

  it('describes the DiT, tokenizer and defaults consistently with the export', () => {
    const graphs = JSON.parse(readFileSync(join(DIR, 'dit_graphs.json'), 'utf8')) as { dit_config: Record<string, unknown>; tokenizer: string };
    expect(m.dit).toMatchObject({ kind: 'skiparse-onnx', ...graphs.dit_config });
    expect(m.dit?.layer_modes).toEqual(['dense', 'dense', 'single', 'group', 'single', 'group', 'dense', 'dense']);
    expect(m.dit?.hidden as number).toBeGreaterThanOrEqual(192);
    const vocab = JSON.parse(readFileSync(join(DIR, graphs.tokenizer), 'utf8')) as { max_length: number; unk_id: number; tokens: string[] };
    expect(m.tokenizer).toMatchObject({ type: 'word', vocab: graphs.tokenizer, maxLength: vocab.max_length, unkId: vocab.unk_id });
    expect(vocab.tokens).toEqual(expect.arrayContaining(['red', 'circle', 'camera', 'zooms']));
    const d = m.defaults;
    expect(m.limits?.sizes).toContainEqual({ width: d.width, height: d.height });
    expect(d.steps).toBeLessThanOrEqual(m.limits!.maxSteps);
    expect((d.frames - 1) % m.vae.temporalCompression).toBe(0);
    expect(m.latentPreview?.matrix).toHaveLength(3);
    for (const role of ['dit', 'text-encoder', 'vae-decoder-chunk', 'vae-encoder', 'model-card'] as const) expect(fileByRole(m, role), role).toBeDefined();
    expect(graphFiles(m, 'vae-decoder-chunk').map((f) => f.path)).toEqual(['vae_decoder_chunk.onnx', 'vae_decoder.weights']);
  });
});
