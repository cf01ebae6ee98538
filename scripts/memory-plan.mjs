#!/usr/bin/env node
// `node scripts/memory-plan.mjs [--model DIR | --real] [--size WxH] [--frames N] [--backend wasm|webgpu]
//   [--max-buffer BYTES] [--max-binding BYTES] [--memory BYTES] [--tile N --overlap N] [--fp16] [--json FILE]`
// --fp16: DiT and text-encoder weights stored as 16-bit (upstream ships them so; our exports are fp32 today).
// Prints the memory plan (src/models/memory-plan.ts) for a model folder's manifest, or with --real for Open-Sora
// Plan v1.3's released sizes (src/models/real-size.ts), at the manifest's default size unless told; --json saves it.
// The same plan the engine makes before loading (worker.ts) — here without a browser, for docs and what-ifs.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createServer, createServerModuleRunner } from 'vite';

const { values: v } = parseArgs({
  options: {
    model: { type: 'string', default: 'public/models/osp-v13-tiny' },
    real: { type: 'boolean', default: false },
    size: { type: 'string' },
    frames: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    'max-buffer': { type: 'string' },
    'max-binding': { type: 'string' },
    memory: { type: 'string' },
    tile: { type: 'string' },
    overlap: { type: 'string', default: '4' },
    json: { type: 'string' },
    fp16: { type: 'boolean', default: false },
  },
});
const fail = (msg) => {
  console.error(`memory-plan: ${msg}`);
  process.exit(2);
};
const int = (s, name) => {
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < 1) fail(`${name} must be a positive integer, got "${s}"`);
  return n;
};
if (!['wasm', 'webgpu'].includes(v.backend)) fail(`--backend must be wasm or webgpu, not "${v.backend}"`);

const server = await createServer({ configFile: false, logLevel: 'error', server: { middlewareMode: true, hmr: false }, appType: 'custom' });
try {
  const runner = createServerModuleRunner(server.environments.ssr, { hmr: false });
  const { planMemory } = await runner.import('/src/models/memory-plan.ts');
  const { parseManifest } = await runner.import('/src/models/manifest.ts');
  const { realSizeManifest } = await runner.import('/src/models/real-size.ts');
  const manifest = v.real ? realSizeManifest() : parseManifest(JSON.parse(readFileSync(`${v.model}/manifest.json`, 'utf8')));
  if (v.fp16) {
    manifest.dit = { ...manifest.dit, dtype: 'float16' };
    manifest.textEncoder = { ...manifest.textEncoder, dtype: 'float16' };
  }
  let [width, height] = [manifest.defaults.width, manifest.defaults.height];
  if (v.size) {
    const m = /^(\d+)x(\d+)$/.exec(v.size);
    if (!m) fail(`--size must be WxH, got "${v.size}"`);
    [width, height] = [int(m[1], '--size width'), int(m[2], '--size height')];
  }
  const target = { width, height, frames: v.frames ? int(v.frames, '--frames') : manifest.defaults.frames, ...(v.tile ? { vaeTile: { size: int(v.tile, '--tile'), overlap: Number(v.overlap) } } : {}) };
  const limits = {
    backend: v.backend,
    ...(v['max-buffer'] ? { maxBufferSize: int(v['max-buffer'], '--max-buffer') } : {}),
    ...(v['max-binding'] ? { maxStorageBufferBindingSize: int(v['max-binding'], '--max-binding') } : {}),
    ...(v.memory ? { memoryBytes: int(v.memory, '--memory'), memorySource: '--memory' } : {}),
  };
  const plan = planMemory(manifest, target, limits);
  console.log(`model: ${manifest.name}`);
  for (const line of plan.lines) console.log(line);
  if (v.json) {
    writeFileSync(v.json, `${JSON.stringify({ model: manifest.id, command: `node scripts/memory-plan.mjs ${process.argv.slice(2).join(' ')}`, plan }, null, 1)}\n`);
    console.log(`saved ${v.json}`);
  }
} finally {
  await server.close();
}
