#!/usr/bin/env node
// `npm run generate -- "prompt" -o out.mp4 [--image a.jpg [--end-image b.jpg] | --video clip.mp4 [--keep-frames N]]
//                      [--seed N] [--steps N] [--cfg X] [--frames N]
//                      [--negative TEXT] [--backend auto|wasm|webgpu] [--model ID|path/to/manifest.json] [--no-refine]`
// Drives the SAME engine worker as the playground in headless Chromium (src/cli/page.ts) and writes the MP4.
// Exit codes: 0 ok, 2 bad arguments or a request the engine refuses, 3 the browser could not start, 1 generation
// failed (message on stderr). Works from any folder: paths are taken relative to the working directory, the dev server
// runs from the repository (so nothing, e.g. a `.vite/` cache, is written where it was started).
import { accessSync, constants, existsSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DEFAULT_MODEL = 'osp-v13-tiny';

class UsageError extends Error {}

const USAGE = `usage: npm run generate -- "PROMPT" -o out.mp4 [options]
  -o, --output FILE        where to write the MP4 (default: out.mp4)
      --image FILE         image-to-video: the first frame (any size; center-cropped and resized)
      --end-image FILE     transition: the last frame (needs --image; at least 5 frames)
      --video FILE         continuation: a clip (MP4, MOV, WebM) whose first frames are kept and continued
      --keep-frames N      with --video: how many of its first frames to keep, 1 to frames-1
                           (default: half the output frames, as training/sample.py)
      --negative TEXT      negative prompt (default: the model's)
      --no-refine          give the model the prompt as written (default: the prompt refiner rewrites it into
                           the model's caption style and prints the result, as the playground does)
      --seed N             non-negative integer (default: random, printed)
      --steps N            denoising steps (default: the model's)
      --cfg X              classifier-free guidance scale (default: the model's)
      --frames N           1 + 4k pixel frames, e.g. 1, 17, 33 (default: the model's)
      --backend B          auto | wasm | webgpu (default: auto)
      --model M            a model id under public/models/ or a manifest.json path (default: ${DEFAULT_MODEL})
      --model-base DIR     with a manifest path: the folder holding its files (default: the manifest's folder)
      --timeout-min M      give up after M minutes (default: 30)
  -q, --quiet              no progress output`;

/** setTimeout's ceiling (2^31 − 1 ms ≈ 35,791 min): a longer delay fires at once, so the flag is capped below it. */
export const MAX_TIMEOUT_MIN = 35_000;
const DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;

function decimalArg(name, v) {
  // Number() would read "0x10" as 16, "1e3" as 1000 and " 2 " as 2: only plain decimals are accepted.
  if (!DECIMAL.test(v)) throw new UsageError(`--${name} must be a number, got "${v}"`);
  return Number(v);
}

function intArg(name, v, min, max) {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be an integer, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw new UsageError(`--${name} must be in [${min}, ${max}], got ${n}`);
  return n;
}

const MAX_INPUT_BYTES = { image: 200 * 2 ** 20, 'end-image': 200 * 2 ** 20, video: 500 * 2 ** 20 };

function readFileArg(name, path) {
  if (path === undefined) return undefined;
  if (!existsSync(path)) throw new UsageError(`--${name}: no such file: ${path}`);
  const st = statSync(path);
  if (!st.isFile()) throw new UsageError(`--${name}: not a file: ${path}`);
  if (st.size === 0) throw new UsageError(`--${name}: the file is empty: ${path}`);
  if (st.size > MAX_INPUT_BYTES[name]) throw new UsageError(`--${name}: ${path} is ${Math.round(st.size / 2 ** 20)} MB, at most ${MAX_INPUT_BYTES[name] / 2 ** 20} MB`);
  return path;
}

/** The same file, even through another spelling or a link (a file that does not exist yet is compared by path). */
function sameFile(a, b) {
  const real = (p) => (existsSync(p) ? realpathSync(p) : resolve(p));
  return real(a) === real(b);
}

/** Refuses an output that would overwrite an input or cannot be written — before a long generation, not after. */
function checkOutput(output, inputs) {
  for (const [name, path] of Object.entries(inputs)) {
    if (path !== undefined && sameFile(output, path)) throw new UsageError(`-o ${output} is the --${name} file: writing the video would overwrite it`);
  }
  if (existsSync(output)) {
    if (!statSync(output).isFile()) throw new UsageError(`-o ${output} is not a file`);
    try {
      accessSync(output, constants.W_OK);
    } catch {
      throw new UsageError(`-o ${output} cannot be written (permission denied)`);
    }
    return;
  }
  const dir = dirname(resolve(output));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`-o ${output}: the folder ${dirname(output)} does not exist`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UsageError(`-o ${output}: the folder ${dirname(output)} cannot be written (permission denied)`);
  }
}

export function parseCli(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o', default: 'out.mp4' },
      image: { type: 'string' },
      'end-image': { type: 'string' },
      video: { type: 'string' },
      'keep-frames': { type: 'string' },
      negative: { type: 'string' },
      seed: { type: 'string' },
      steps: { type: 'string' },
      cfg: { type: 'string' },
      frames: { type: 'string' },
      backend: { type: 'string', default: 'auto' },
      model: { type: 'string', default: DEFAULT_MODEL },
      'model-base': { type: 'string' },
      'timeout-min': { type: 'string', default: '30' },
      quiet: { type: 'boolean', short: 'q', default: false },
      'no-refine': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return { help: true };
  if (positionals.length !== 1) throw new UsageError(positionals.length ? 'give exactly one prompt (quote it)' : 'missing the prompt');
  if (!['auto', 'wasm', 'webgpu'].includes(values.backend)) throw new UsageError(`--backend must be auto, wasm or webgpu, got "${values.backend}"`);
  if (values['end-image'] !== undefined && values.image === undefined) throw new UsageError('--end-image needs --image (a transition goes from the first to the last frame)');
  if (values.video !== undefined && (values.image !== undefined || values['end-image'] !== undefined)) {
    throw new UsageError('--video (continuation) cannot be combined with --image/--end-image');
  }
  if (values['keep-frames'] !== undefined && values.video === undefined) throw new UsageError('--keep-frames goes with --video (the frames of the clip to keep)');
  const cfgScale = values.cfg !== undefined ? decimalArg('cfg', values.cfg) : undefined;
  const request = {
    prompt: positionals[0],
    ...(values.negative !== undefined ? { negativePrompt: values.negative } : {}),
    ...(values.seed !== undefined ? { seed: intArg('seed', values.seed, 0, Number.MAX_SAFE_INTEGER) } : {}),
    ...(values.steps !== undefined ? { steps: intArg('steps', values.steps, 1, 1000) } : {}),
    ...(cfgScale !== undefined ? { cfgScale } : {}),
    ...(values.frames !== undefined ? { frames: intArg('frames', values.frames, 1, 1024) } : {}),
    previewEvery: 0,
  };
  const timeoutMin = decimalArg('timeout-min', values['timeout-min']);
  if (!(timeoutMin > 0) || timeoutMin > MAX_TIMEOUT_MIN) throw new UsageError(`--timeout-min must be a number of minutes above 0 and at most ${MAX_TIMEOUT_MIN}, got "${values['timeout-min']}"`);
  const keepFrames = intArg('keep-frames', values['keep-frames'], 1, 1023);
  const inputs = { image: readFileArg('image', values.image), 'end-image': readFileArg('end-image', values['end-image']), video: readFileArg('video', values.video) };
  checkOutput(values.output, inputs);
  return { output: values.output, request, refine: !values['no-refine'], backend: values.backend, model: values.model, modelBase: values['model-base'], timeoutMin, quiet: values.quiet, keepFrames, inputs };
}

/** A model id stays an id; a manifest file is read here and served by Vite from its folder in the repo. */
function modelSource(model, modelBase) {
  if (!model.endsWith('.json')) {
    if (modelBase !== undefined) throw new UsageError('--model-base only goes with a manifest path');
    return model;
  }
  const path = resolve(model);
  if (!existsSync(path)) throw new UsageError(`--model: no such manifest: ${model}`);
  const rel = relative(ROOT, modelBase !== undefined ? resolve(modelBase) : dirname(path));
  if (rel.startsWith('..')) throw new UsageError('--model/--model-base must be inside this repository (files are served by the dev server)');
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`--model: ${model} is not valid JSON (${e.message})`);
  }
  // Vite serves public/ at the site root.
  const urlPath = rel.split('\\').join('/').replace(/^public(\/|$)/, '');
  return { manifest, baseUrl: urlPath ? `/${urlPath}/` : '/' };
}

function progressPrinter(quiet) {
  let last = '';
  return (kind, p) => {
    if (quiet) return;
    let line;
    if (kind === 'load') {
      const d = p.download;
      // One line per file and per 25%: enough to see a slow download move, not a wall of text.
      // The memory plan arrives before any download (engine/memory-check.ts): printed whole.
      if (p.memoryPlan) line = p.memoryPlan.lines.join('\n');
      else line = d ? `load: downloading ${d.file} (${d.fileIndex + 1}/${d.fileCount}) ${Math.floor((4 * d.loaded) / Math.max(1, d.total)) * 25}%` : `load: ${p.message}`;
    } else if (p.step !== undefined) {
      line = `${p.stage}: step ${p.step}/${p.totalSteps}${p.etaMs !== undefined ? `, ETA ${(p.etaMs / 1000).toFixed(1)} s` : ''}`;
    } else if (p.chunk) {
      line = `${p.stage}: chunk ${p.chunk.index + 1}/${p.chunk.count} (${p.chunk.firstFrame + p.chunk.frames}/${p.chunk.totalFrames} frames)`;
    } else {
      line = p.stage;
    }
    if (line !== last) process.stderr.write(`${line}\n`);
    last = line;
  };
}

async function main() {
  let args;
  try {
    args = parseCli(process.argv.slice(2));
    if (args.help) {
      console.log(USAGE);
      return 0;
    }
    args.model = modelSource(args.model, args.modelBase);
  } catch (e) {
    if (e instanceof UsageError || e?.code?.startsWith?.('ERR_PARSE_ARGS')) {
      console.error(`error: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  const { launchChromium, startViteServer } = await import('../../scripts/headless.mjs');
  let browser;
  let server;
  let inputUrl;
  try {
    // Input files are streamed to the page by the dev server itself (scripts/headless.mjs), never copied through CDP.
    const files = new Map(Object.entries(args.inputs).filter(([, path]) => path !== undefined));
    ({ server, inputUrl } = await startViteServer(0, ROOT, files));
    browser = await launchChromium();
  } catch (e) {
    console.error(`error: could not start headless Chromium (${e.message}). Install it with: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    await server?.close();
    return 3;
  }
  const t0 = Date.now();
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));
    await page.exposeFunction('cliProgress', progressPrinter(args.quiet));
    const url = server.resolvedUrls?.local?.[0] ?? `http://127.0.0.1:${server.config.server.port}/`;
    await page.goto(new URL('src/cli/index.html', url).href);
    await page.waitForFunction(() => typeof window.cliRun === 'function', null, { timeout: 60_000 });
    if (args.refine) {
      // The playground's refiner (src/text/refiner.ts) in the same page: the caption printed is the one generated.
      const r = await page.evaluate((p) => window.cliRefine(p), args.request.prompt);
      for (const m of r.mappings) console.error(`refiner: ${m.from} → ${m.to || '(ignored)'} (${m.why})`);
      for (const u of r.unplaced) console.error(`refiner: ${u.word}: ${u.why}`);
      if (r.caption) {
        console.log(`refined (refiner v${r.version}): ${JSON.stringify(r.caption)}`);
        args.request.prompt = r.caption;
      } else console.log('refiner: nothing of the model\'s world recognised; the prompt is used as written');
    } else console.log('prompt used as written (--no-refine)');
    const job = {
      model: args.model, backend: args.backend, request: args.request, keepFrames: args.keepFrames,
      image: inputUrl('image'), endImage: inputUrl('end-image'), video: inputUrl('video'),
    };
    let timer;
    const result = await Promise.race([
      page.evaluate((j) => window.cliRun(j), job),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${args.timeoutMin} min`)), args.timeoutMin * 60_000);
      }),
    ]).finally(() => clearTimeout(timer));
    const bytes = Buffer.from(result.mp4Base64, 'base64');
    writeFileSync(args.output, bytes);
    const m = result.meta ?? {};
    if (result.imageFit) console.error(`image: ${result.imageFit.summary}`);
    if (result.endImageFit) console.error(`end image: ${result.endImageFit.summary}`);
    if (result.videoFit) console.error(`video: kept ${result.videoFit.summary}`);
    const mode = { i2v: ', image-to-video', transition: ', transition', continuation: `, continuation of ${m.keptFrames} frames` }[m.mode] ?? '';
    console.log(`wrote ${args.output} (${bytes.length} bytes): ${m.frames} frames ${m.width}×${m.height} @ ${m.fps} fps, seed ${m.seed}, ` +
      `${m.steps} steps, cfg ${m.cfgScale}${mode}, backend ${result.backend}, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return 0;
  } catch (e) {
    // Errors from the worker arrive as "Name: message"; strip Playwright's wrapper text.
    const msg = String(e?.message ?? e).replace(/^page\.evaluate: (Error: )?/, '').split('\n    at ')[0];
    console.error(`error: ${msg}`);
    // The engine's request validation and the input readers refuse what was asked: a bad argument, as documented.
    return /^(ValidationError|ImageInputError|VideoInputError)\b/.test(msg) ? 2 : 1;
  } finally {
    await browser.close();
    await server.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then((code) => process.exit(code), (e) => {
    console.error(`error: ${e?.stack ?? e}`);
    process.exit(1);
  });
}
