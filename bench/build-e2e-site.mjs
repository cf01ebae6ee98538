import { build } from 'vite';
await build({ configFile: 'vite.config.ts', publicDir: false, logLevel: 'warn',
  build: { outDir: process.argv[2], emptyOutDir: true, rollupOptions: { input: { e2e: 'bench/e2e.html' } } } });
