import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { MODEL_ID_PATTERN, modelFileUrl, modelManifestUrl, modelPathProblem } from './model-path';
import { ManifestError, parseManifest } from './manifest';

// The same corpus as training/tests/test_export_manifest.py and the e2e spec: one rule, three callers.
const corpus = JSON.parse(readFileSync(new URL('../../e2e/fixtures/bad-inputs/model-paths.json', import.meta.url), 'utf8')) as {
  bad: string[];
  good: string[];
  badIds: string[];
  goodIds: string[];
};
const FOLDER = 'http://127.0.0.1:5199/models/osp-v13-tiny/';

describe('model file paths', () => {
  it.each(corpus.bad)('refuses %j, and never yields a URL outside the folder', (p) => {
    expect(modelPathProblem(p, FOLDER)).not.toBeNull();
    expect(() => modelFileUrl(FOLDER, p)).toThrow(/file path/);
  });

  it('refuses what the old literal check let through (the URL parser turns it into ".." or "//host")', () => {
    // Each of these resolves outside the folder with `new URL(path, folder)`: the reason a literal check is not enough.
    for (const p of ['%2e%2e/secret.onnx', '\t/\t/evil.example/x.onnx', '.\t./secret.onnx']) {
      const u = new URL(p, FOLDER);
      expect(u.href.startsWith(FOLDER)).toBe(false);
      expect(modelPathProblem(p, FOLDER)).not.toBeNull();
    }
  });

  it.each(corpus.good)('accepts %j inside the folder', (p) => {
    expect(modelPathProblem(p, FOLDER)).toBeNull();
    const u = modelFileUrl(FOLDER, p);
    expect(u.origin).toBe(new URL(FOLDER).origin);
    expect(decodeURIComponent(u.pathname)).toBe(`/models/osp-v13-tiny/${p}`);
  });

  it('a folder without a trailing slash is refused rather than guessed', () => {
    expect(modelPathProblem('x.onnx', 'http://h/models/m')).toMatch(/does not end/);
  });

  it.each(corpus.badIds)('refuses model id %j', (id) => {
    expect(MODEL_ID_PATTERN.test(id)).toBe(false);
    expect(() => modelManifestUrl('http://h/models/', id)).toThrow(/invalid model id/);
  });

  it.each(corpus.goodIds)('accepts model id %j', (id) => {
    expect(modelManifestUrl('http://h/models/', id).href).toBe(`http://h/models/${id}/manifest.json`);
  });

  it('the manifest parser applies the rule to every file', () => {
    const m = JSON.parse(readFileSync(new URL('../../public/models/osp-v13-tiny/manifest.json', import.meta.url), 'utf8'));
    for (const p of corpus.bad) {
      const j = structuredClone(m);
      j.files[0].path = p;
      expect(() => parseManifest(j), p).toThrow(ManifestError);
    }
  });

  it('manifest limits are bounded, with a clear message', () => {
    const m = JSON.parse(readFileSync(new URL('../../public/models/osp-v13-tiny/manifest.json', import.meta.url), 'utf8'));
    const cases: [string, (j: Record<string, any>) => void, RegExp][] = [
      ['maxFrames in the millions', (j) => (j.limits.maxFrames = 5_000_000), /maxFrames must be ≤ 1024/],
      ['maxSteps 1e9', (j) => (j.limits.maxSteps = 1e9), /maxSteps must be ≤ 1000/],
      ['100000 sizes', (j) => (j.limits.sizes = Array.from({ length: 100_000 }, () => ({ width: 64, height: 64 }))), /at most 64 sizes/],
      ['size 1e6 wide', (j) => (j.limits.sizes = [{ width: 1e6, height: 64 }]), /width must be ≤ 4096/],
      ['default frames 1e7', (j) => (j.defaults.frames = 1e7), /frames must be ≤ 1024/],
      ['limits not an object', (j) => (j.limits = 7), /limits must be an object/],
    ];
    for (const [name, edit, want] of cases) {
      const j = structuredClone(m);
      edit(j);
      expect(() => parseManifest(j), name).toThrow(want);
    }
    expect(() => parseManifest(structuredClone(m))).not.toThrow();
  });
});
