// Issue #33, problem 5: the CLI's file-system and argument edges, each through the real CLI (its own Vite server and
// headless Chromium where it gets that far): an output that is an input, an output that cannot be written, timeouts
// past setTimeout's ceiling, hex numbers, request errors found by the engine, a run from another folder, and an
// input file at the documented size limit (streamed to the page by the CLI's server).
import { expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { recordFamily, type CaseResult } from './fixtures/bad-inputs/round-two';

test.describe.configure({ timeout: 900_000 }); // several CLI runs, each starting Vite + Chromium + the model

const CLI = resolve('src/cli/generate.mjs');
const DIR = resolve('test-results/cli-edges');
const PHOTO = resolve('e2e/fixtures/bad-inputs/images/palette-alpha.png');

function cli(args: string[], cwd = process.cwd(), timeout = 300_000) {
  const t0 = Date.now();
  const r = spawnSync('node', [CLI, ...args], { encoding: 'utf8', timeout, cwd });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout, seconds: (Date.now() - t0) / 1000 };
}

test('CLI edges: refused up front with exit 2, or handled; nothing overwritten or left behind', async () => {
  mkdirSync(DIR, { recursive: true });
  const results: CaseResult[] = [];
  const photo = join(DIR, 'photo.png');
  writeFileSync(photo, readFileSync(PHOTO));
  const before = readFileSync(photo);

  const quick: { name: string; args: string[]; re: RegExp }[] = [
    { name: '--image x.png -o x.png', args: ['p', '--image', photo, '-o', photo], re: /is the --image file: writing the video would overwrite it/ },
    { name: '-o the same file through another spelling', args: ['p', '--image', photo, '-o', `${DIR}/../cli-edges/photo.png`], re: /would overwrite it/ },
    { name: '-o in a folder that does not exist', args: ['p', '-o', '/no-such-folder-osp/out.mp4'], re: /the folder \/no-such-folder-osp does not exist/ },
    { name: '-o a folder', args: ['p', '-o', DIR], re: /is not a file/ },
    { name: '--timeout-min 35792 (past setTimeout)', args: ['p', '--timeout-min', '35792', '-o', join(DIR, 'never.mp4')], re: /--timeout-min must be .* at most 35000/ },
    { name: '--timeout-min 1e9', args: ['p', '--timeout-min', '1e9', '-o', join(DIR, 'never.mp4')], re: /--timeout-min must be a number/ },
    { name: '--cfg 0x10', args: ['p', '--cfg', '0x10', '-o', join(DIR, 'never.mp4')], re: /--cfg must be a number, got "0x10"/ },
    { name: '--cfg " 2 "', args: ['p', '--cfg', ' 2 ', '-o', join(DIR, 'never.mp4')], re: /--cfg must be a number/ },
  ];
  for (const c of quick) {
    const r = cli(c.args);
    results.push({ input: c.name, handled: r.code === 2 && c.re.test(r.stderr) && r.seconds < 20, message: r.stderr.split('\n')[0] });
    expect(r.code, c.name).toBe(2);
    expect(r.stderr, c.name).toMatch(c.re);
    expect(r.seconds, `${c.name}: refused before any generation`).toBeLessThan(20);
  }
  expect(readFileSync(photo).equals(before), 'the photo is untouched').toBe(true);
  expect(existsSync(join(DIR, 'never.mp4'))).toBe(false);

  // A request the engine refuses (frames must be 1 + 4k) is a bad argument too: exit 2, as the README says.
  const bad = cli(['p', '--frames', '6', '--steps', '1', '--backend', 'wasm', '-q', '-o', join(DIR, 'never.mp4')]);
  results.push({ input: '--frames 6 (refused by the engine)', handled: bad.code === 2 && /ValidationError/.test(bad.stderr), message: bad.stderr.trim().split('\n').pop() ?? '' });
  expect(bad.stderr).toMatch(/ValidationError: .*frames/);
  expect(bad.code).toBe(2);

  // From another folder, with an input at the documented limit (200 MB: a real PNG padded with zeros after IEND,
  // which decoders ignore): the video is written, nothing is left in that folder but it.
  const elsewhere = mkdtempSync(join(tmpdir(), 'osp-cli-'));
  const big = join(elsewhere, 'big.png');
  writeFileSync(big, Buffer.concat([before, Buffer.alloc(200 * 2 ** 20 - before.length)]));
  const ok = cli(['a ball', '--image', 'big.png', '--steps', '1', '--frames', '1', '--backend', 'wasm', '-q', '-o', 'out.mp4'], elsewhere, 900_000);
  const left = readdirSync(elsewhere).sort();
  results.push({ input: 'run from another folder with a 200 MB --image', handled: ok.code === 0 && left.join() === 'big.png,out.mp4', message: `${ok.stderr.trim().split('\n').pop()} ${ok.stdout.trim()} [left: ${left.join(', ')}]` });
  expect(ok.stderr).not.toMatch(/has been closed/);
  expect(ok.code, ok.stderr).toBe(0);
  expect(left).toEqual(['big.png', 'out.mp4']); // no .vite/ or anything else
  expect(readFileSync(join(elsewhere, 'out.mp4')).subarray(4, 8).toString('latin1')).toBe('ftyp');
  recordFamily('cli-file-system-edges', 'CLI: output = input, unwritable output, timeout past 2^31 ms, hex/space numbers, engine-refused request, another folder, 200 MB input', results);
});
