import { expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDevDitManifest, buildDevManifest } from '../src/models/dev-manifest';

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

  test('transition (--image + --end-image) and continuation (--video, --keep-frames) through the dev DiT', async () => {
    // A private folder: another Playwright run clears test-results/ when it starts.
    const DIR = mkdtempSync(join(tmpdir(), 'osp-cli-'));
    // The dev DiT (random weights, real architecture + inpaint graph) with the trained VAE; files served from the repo root.
    writeFileSync(`${DIR}/dev-dit-manifest.json`, JSON.stringify(buildDevDitManifest()));
    const ff = (...a: string[]) => expect(spawnSync('ffmpeg', ['-v', 'error', '-y', ...a]).status).toBe(0);
    ff('-f', 'lavfi', '-i', 'testsrc=size=120x80', '-frames:v', '1', `${DIR}/first.png`);
    ff('-f', 'lavfi', '-i', 'color=c=orange:size=50x90', '-frames:v', '1', `${DIR}/last.png`);
    ff('-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=8', '-frames:v', '12', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', `${DIR}/clip.mp4`);
    const common = ['a red ball bounces', '--model', `${DIR}/dev-dit-manifest.json`, '--model-base', '.', '--seed', '3', '--steps', '2', '--frames', '9', '--backend', 'wasm'];
    const t = cli(...common, '--image', `${DIR}/first.png`, '--end-image', `${DIR}/last.png`, '-o', `${DIR}/transition.mp4`);
    console.log(t.stdout, t.stderr);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/9 frames 64×64 .*, transition, backend wasm/);
    expect(t.stderr).toMatch(/end image: 50×90 → center crop 50×50 at \(0, 20\) → resized to 64×64/);
    expect(Number(probe(`${DIR}/transition.mp4`).nb_read_frames)).toBe(9);
    const c = cli(...common, '--video', `${DIR}/clip.mp4`, '-o', `${DIR}/continuation.mp4`);
    console.log(c.stdout, c.stderr);
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/9 frames 64×64 .*, continuation of 4 frames, backend wasm/); // default: ⌊9/2⌋ kept
    expect(c.stderr).toMatch(/video: kept 4 frames of a 96×64 clip → crop 64×64 at \(16, 0\) → resized to 64×64/);
    expect(Number(probe(`${DIR}/continuation.mp4`).nb_read_frames)).toBe(9);
    const c2 = cli(...common, '--video', `${DIR}/clip.mp4`, '--keep-frames', '2', '-o', `${DIR}/continuation2.mp4`, '-q');
    expect(c2.code, c2.stderr).toBe(0);
    expect(c2.stdout).toMatch(/continuation of 2 frames/);
    expect(frameHashes(`${DIR}/continuation2.mp4`)).not.toEqual(frameHashes(`${DIR}/continuation.mp4`));
    // Bad requests found only with the model or the file's content: still bad arguments, exit 2 with the reason
    // (README: "2 bad arguments, including a request the engine refuses"; issue #33).
    const tooMany = cli(...common, '--video', `${DIR}/clip.mp4`, '--keep-frames', '9', '-o', `${DIR}/never.mp4`);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toMatch(/error: .*video has 9 frames: a continuation of 9 frames keeps 1 to 8/);
    const short = cli(...common, '--video', `${DIR}/clip.mp4`, '--frames', '33', '--keep-frames', '16', '-o', `${DIR}/never.mp4`);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/error: .*--keep-frames 16: the video has only 12 frames/);
    const notVideo = cli(...common, '--video', `${DIR}/first.png`, '-o', `${DIR}/never.mp4`);
    expect(notVideo.code).toBe(2);
    expect(notVideo.stderr).toMatch(/error: .*(could not read that file as a video|no video track)/);
  });

  test('the prompt refiner: the refined caption is printed and generated (= the caption as written, --no-refine)', async () => {
    mkdirSync(DIR, { recursive: true });
    const common = ['--seed', '3', '--steps', '2', '--frames', '5', '--backend', 'wasm'];
    const r = cli('On a navy backdrop, a crimson ball rolls leftward', ...common, '-o', `${DIR}/refined.mp4`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('refined (refiner v1): "a red circle moves left on a blue background"');
    expect(r.stderr).toMatch(/refiner: crimson → red \(nearest of the model's colours \(CIELAB\)\)/);
    const w = cli('a red circle moves left on a blue background', '--no-refine', ...common, '-o', `${DIR}/written.mp4`);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toContain('prompt used as written (--no-refine)');
    expect(Number(probe(`${DIR}/refined.mp4`).nb_read_frames)).toBe(5);
    expect(frameHashes(`${DIR}/refined.mp4`)).toEqual(frameHashes(`${DIR}/written.mp4`));
    expect(cli('--help').stdout).toContain('--no-refine');
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
      [['p', '--video', 'c.mp4', '--image', 'x.jpg'], /--video \(continuation\) cannot be combined with --image/],
      [['p', '--keep-frames', '3'], /--keep-frames goes with --video/],
      [['p', '--video', 'no-such.mp4'], /--video: no such file: no-such.mp4/],
      [['p', '--video', 'e2e', '--keep-frames', '2'], /--video: not a file: e2e/],
      [['p', '--video', 'x.mp4', '--keep-frames', '0'], /--keep-frames must be in \[1, 1023\]/],
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
