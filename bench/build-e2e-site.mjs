// Static build of bench/e2e.html (the e2e benchmark page and its engine worker) for machines without Node or Vite —
// the device machine of bench/gpu-browser-run.py. Models are not copied (publicDir off): that server maps /models/.
//   node bench/build-e2e-site.mjs OUTDIR
import { build } from 'vite';

const outDir = process.argv[2];
if (!outDir) throw new Error('usage: node bench/build-e2e-site.mjs OUTDIR');
await build({
  configFile: 'vite.config.ts', publicDir: false, logLevel: 'warn',
  build: { outDir, emptyOutDir: true, rollupOptions: { input: { e2e: 'bench/e2e.html' } } },
});
