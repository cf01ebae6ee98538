// Bundles bench/node-gpu-bench.ts (+ src/gpu wrappers and the WGSL they import with ?raw) into one ES module that
// runs under plain Node with no node_modules: `node bench/build-node-gpu-bench.mjs [outDir]` (default .gpubench/carry).
import { build } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = process.argv[2] ?? `${root}.gpubench/carry`;
await build({
  root,
  configFile: false,
  publicDir: false,
  logLevel: 'warn',
  build: {
    ssr: 'bench/node-gpu-bench.ts',
    outDir,
    emptyOutDir: false,
    minify: false,
    target: 'node20',
    rollupOptions: { output: { format: 'es', entryFileNames: 'node-gpu-bench.mjs', codeSplitting: false } },
  },
});
console.log(`wrote ${outDir}/node-gpu-bench.mjs`);
