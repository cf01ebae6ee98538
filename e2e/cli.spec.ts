import { expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { buildDevManifest } from '../src/models/dev-manifest';

// `npm run generate` end to end: its own Vite server and headless Chromium, the real worker, ORT, the real VAE
// and WebCodecs; the denoiser is the pipeline's toy stand-in until the trained DiT is bundled. The MP4 is checked
// by decoding it with ffmpeg.
const DIR = 'test-results/cli';

function cli(...args: string[]) {
  const r = spawnSync('node', ['src/cli/generate.mjs', ...args], { encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function probe(file: string) {
  const r = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries',
    'stream=nb_read_frames,width,height,r_frame_rate,codec_name', '-of', 'json', file], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout).streams[0] as { nb_read_frames: string; width: number; height: number; r_frame_rate: string; codec_name: string };
}

function frameHashes(file: string): string[] {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'framemd5', '-'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(',').pop()!.trim());
}

test.describe('npm run generate (CLI)', () => {
  test.describe.configure({ timeout: 600_000 });

  test('writes a decodable MP4 with the requested frames; the same seed gives the same frames', async () => {
    mkdirSync(DIR, { recursive: true });
    const manifest = { ...buildDevManifest('public/models/osp-v13-tiny', { fitPreviewFrom: 'training/fixtures/vae' }), dit: { kind: 'toy' } };
    writeFileSync(`${DIR}/toy-manifest.json`, JSON.stringify(manifest));
    const common = ['a red circle moves right', '--model', `${DIR}/toy-manifest.json`, '--model-base', 'public/models/osp-v13-tiny',
      '--seed', '7', '--steps', '3', '--frames', '17', '--backend', 'wasm'];
    const a = cli(...common, '-o', `${DIR}/a.mp4`);
    console.log(a.stdout, a.stderr);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/wrote .*a\.mp4 .*17 frames .* @ 8 fps, seed 7, 3 steps/);
    expect(a.stderr).toMatch(/denoise: step 3\/3/);
    const p = probe(`${DIR}/a.mp4`);
    expect(Number(p.nb_read_frames)).toBe(17);
    expect(p.r_frame_rate).toBe('8/1');
    expect([p.width, p.height]).toEqual([manifest.defaults.width, manifest.defaults.height]);
    const b = cli(...common, '-o', `${DIR}/b.mp4`, '--quiet');
    expect(b.code).toBe(0);
    expect(b.stderr).toBe('');
    expect(frameHashes(`${DIR}/b.mp4`)).toEqual(frameHashes(`${DIR}/a.mp4`));
    expect(readFileSync(`${DIR}/a.mp4`).length).toBeGreaterThan(500);
  });

  test('bad arguments and bad models fail with a clear message and a non-zero exit code', async () => {
    const usage = [
      [[], /missing the prompt/],
      [['p', '--steps', '0'], /--steps must be in \[1, 1000\]/],
      [['p', '--seed=-3'], /--seed must be an integer/],
      [['p', '--seed', '1.5'], /--seed must be an integer/],
      [['p', '--cfg', 'NaN'], /--cfg must be a number/],
      [['p', '--backend', 'cuda'], /--backend must be auto, wasm or webgpu/],
      [['p', '--image', 'no-such.jpg'], /no such file: no-such.jpg/],
      [['p', '--end-image', 'x.jpg'], /--end-image needs --image/],
      [['p', '--model', 'nope.json'], /no such manifest/],
      [['p', '--what'], /Unknown option '--what'/],
    ] as const;
    for (const [args, re] of usage) {
      const r = cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(re);
    }
    // A model that does not exist reaches the worker and comes back as a readable error (exit 1).
    const r = cli('p', '--model', 'no-such-model', '-o', `${DIR}/never.mp4`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: .*no-such-model/);
  });
});
