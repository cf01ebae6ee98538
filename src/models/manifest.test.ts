// Manifest validation, the dev manifest of the real VAE folder, and the verified download path (Node fetch against
// an in-process HTTP server serving public/models/).
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDevDitManifest, buildDevManifest } from './dev-manifest';
import { dirOf, externalDataName, graphFiles, parseManifest, ManifestError, type ModelManifest } from './manifest';
import { IntegrityError, fetchManifest, loadFiles, sha256Hex, type DownloadProgress } from './fetch';
import { CancelToken, CancelledError } from '../core/cancel';

const DIR = 'public/models/osp-v13-tiny';

describe('dev manifest of the exported VAE', () => {
  const m = buildDevManifest(DIR);
  it('lists every file with size, sha256 and role; decoder graphs reference their shared weights', () => {
    expect(m.id).toBe('osp-v13-tiny');
    const byPath = new Map(m.files.map((f) => [f.path, f]));
    for (const p of ['vae_decoder.onnx', 'vae_decoder_chunk.onnx', 'vae_decoder.weights', 'vae_decoder_chunk.json', 'vae_encoder.onnx']) expect(byPath.has(p)).toBe(true);
    expect(byPath.get('vae_decoder_chunk.onnx')!.role).toBe('vae-decoder-chunk');
    expect(byPath.get('vae_decoder.onnx')!.externalData).toEqual(['vae_decoder.weights']);
    expect(byPath.get('vae_decoder_chunk.onnx')!.externalData).toEqual(['vae_decoder.weights']);
    expect(byPath.get('vae_encoder.onnx')!.externalData).toEqual(['vae_encoder.weights']);
    const w = byPath.get('vae_decoder.weights')!;
    expect(w.bytes).toBe(readFileSync(join(DIR, w.path)).byteLength);
    expect(graphFiles(m, 'vae-decoder-chunk').map((f) => f.path)).toEqual(['vae_decoder_chunk.onnx', 'vae_decoder.weights']);
  });

  it('round-trips through JSON and validation', () => {
    expect(parseManifest(JSON.parse(JSON.stringify(m)))).toEqual(m);
  });
});

describe('parseManifest rejects bad manifests with clear messages', () => {
  const good = (): Record<string, unknown> => JSON.parse(JSON.stringify(buildDevManifest(DIR)));
  const cases: [string, (j: Record<string, unknown>) => void, RegExp][] = [
    ['wrong format', (j) => { j.format = 'x'; }, /format/],
    ['future version', (j) => { j.version = 99; }, /newer/],
    ['bad id', (j) => { j.id = '../x'; }, /model id/],
    ['path traversal', (j) => { (j.files as { path: string }[])[0].path = '../secret'; }, /relative path/],
    ['absolute url', (j) => { (j.files as { path: string }[])[0].path = 'https://evil/x'; }, /relative path/],
    ['bad sha', (j) => { (j.files as { sha256: string }[])[0].sha256 = 'abc'; }, /sha256/],
    ['missing external', (j) => { j.files = (j.files as { path: string }[]).filter((f) => f.path !== 'vae_decoder.weights'); }, /external data/],
    ['NaN default', (j) => { (j.defaults as Record<string, unknown>).cfgScale = 'NaN'; }, /cfgScale/],
    ['negative image guidance', (j) => { (j.defaults as Record<string, unknown>).imageCfgScale = -1; }, /imageCfgScale must be ≥ 0/],
    ['string image guidance', (j) => { (j.defaults as Record<string, unknown>).imageCfgScale = '3'; }, /imageCfgScale must be a finite number/],
    ['bad preview', (j) => { j.latentPreview = { matrix: [[1]], bias: [0, 0, 0] }; }, /rows/],
    ['latent norm: wrong length', (j) => { (j.vae as Record<string, unknown>).latentNorm = { shift: [0], scale: [1] }; }, /8 shift and scale/],
    ['latent norm: zero scale', (j) => { (j.vae as Record<string, unknown>).latentNorm = { shift: Array(8).fill(0), scale: [...Array(7).fill(1), 0] }; }, /positive/],
    ['latent norm: NaN shift', (j) => { (j.vae as Record<string, unknown>).latentNorm = { shift: [...Array(7).fill(0), 'NaN'], scale: Array(8).fill(1) }; }, /finite/],
  ];
  for (const [name, mutate, re] of cases) {
    it(name, () => {
      const j = good();
      mutate(j);
      expect(() => parseManifest(j)).toThrow(ManifestError);
      expect(() => parseManifest(j)).toThrow(re);
    });
  }
  it('non-object', () => expect(() => parseManifest(null)).toThrow(/JSON object/));
});

describe('verified download with progress', () => {
  let server: Server;
  let base = '';
  const tamper = new Set<string>();
  beforeAll(async () => {
    server = createServer((req, res) => {
      const name = decodeURIComponent((req.url ?? '/').split('/').pop() ?? '');
      if (name === 'manifest.json') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(buildDevManifest(DIR)));
        return;
      }
      try {
        const bytes = readFileSync(join(DIR, name));
        if (tamper.has(name)) bytes[bytes.length >> 1] ^= 1;
        // Two writes so the client sees several chunks.
        res.write(bytes.subarray(0, bytes.length >> 1));
        res.end(bytes.subarray(bytes.length >> 1));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/models/osp-v13-tiny/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('downloads, reports monotone per-file and overall progress, verifies sha256', async () => {
    const m: ModelManifest = await fetchManifest(new URL('manifest.json', base));
    const files = graphFiles(m, 'vae-decoder-chunk');
    const events: DownloadProgress[] = [];
    const got = await loadFiles(base, files, { onProgress: (p) => events.push(p) });
    for (const f of files) {
      expect(got.get(f.path)!.byteLength).toBe(f.bytes);
      expect(await sha256Hex(got.get(f.path)!)).toBe(f.sha256);
    }
    const total = files.reduce((a, f) => a + f.bytes, 0);
    expect(events.every((e) => e.overallTotal === total && e.fileCount === 2)).toBe(true);
    for (let i = 1; i < events.length; i++) expect(events[i].overallLoaded).toBeGreaterThanOrEqual(events[i - 1].overallLoaded);
    expect(events.at(-1)).toMatchObject({ phase: 'done', overallLoaded: total, file: 'vae_decoder.weights' });
    expect(events.filter((e) => e.phase === 'download' && e.file === 'vae_decoder.weights').length).toBeGreaterThan(2);
  });

  it('rejects a corrupted file, a wrong size, a 404; uses a valid cache; cancels', async () => {
    const m = buildDevManifest(DIR);
    const json = m.files.find((f) => f.path === 'vae_split.json')!;
    tamper.add('vae_split.json');
    await expect(loadFiles(base, [json])).rejects.toThrow(IntegrityError);
    await expect(loadFiles(base, [json])).rejects.toThrow(/sha256/);
    tamper.clear();
    await expect(loadFiles(base, [{ ...json, bytes: json.bytes + 1 }])).rejects.toThrow(/has \d+ bytes/);
    await expect(loadFiles(base, [{ ...json, bytes: json.bytes - 1 }])).rejects.toThrow(/larger/);
    await expect(loadFiles(base, [{ ...json, path: 'nope.json' }])).rejects.toThrow(/HTTP 404/);
    const store = new Map<string, Uint8Array>([[json.sha256, readFileSync(join(DIR, json.path))]]);
    const phases: string[] = [];
    const cached = await loadFiles('http://127.0.0.1:1/never/', [json], {
      cache: { get: async (k) => store.get(k), set: async () => undefined },
      onProgress: (p) => phases.push(p.phase),
    });
    expect(phases).toEqual(['cached']);
    expect(cached.get(json.path)!.byteLength).toBe(json.bytes);
    const token = new CancelToken();
    token.cancel();
    await expect(loadFiles(base, [json], { cancel: token })).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('manifest paths in sub-folders (VAE + DiT dev manifest)', () => {
  it('externalDataName is relative to the graph folder', () => {
    const g = { path: 'training/fixtures/dit/dev/dit.onnx', role: 'dit' as const, bytes: 1, sha256: '0'.repeat(64) };
    expect(dirOf(g.path)).toBe('training/fixtures/dit/dev/');
    expect(externalDataName(g, 'training/fixtures/dit/dev/dit.weights')).toBe('dit.weights');
    expect(externalDataName({ ...g, path: 'vae.onnx' }, 'vae.weights')).toBe('vae.weights');
    expect(dirOf('vae.onnx')).toBe('');
  });

  it('buildDevDitManifest: VAE + DiT files with roles, prefixed paths, tokenizer from vocab.json', () => {
    const m = buildDevDitManifest();
    const by = (p: string) => m.files.find((f) => f.path === p);
    expect(by('models/osp-v13-tiny/vae_decoder_chunk.onnx')?.externalData).toEqual(['models/osp-v13-tiny/vae_decoder.weights']);
    expect(by('training/fixtures/dit/dev/dit_graphs.json')?.role).toBe('dit-graphs');
    expect(by('training/fixtures/dit/dev/dit_block3_pre.onnx')?.externalData).toEqual(['training/fixtures/dit/dev/dit.weights']);
    expect(by('training/fixtures/dit/dev/vocab.json')?.role).toBe('tokenizer-vocab');
    expect(by('training/fixtures/dit/dev/text_encoder.onnx')?.role).toBe('text-encoder');
    expect(m.tokenizer).toMatchObject({ type: 'word', vocab: 'training/fixtures/dit/dev/vocab.json', maxLength: 32, unkId: 1, eosId: 2 });
    expect(m.dit).toMatchObject({ kind: 'skiparse-onnx', num_layers: 8 });
  });
});
