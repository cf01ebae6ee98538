import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

// Cross-origin isolation lets onnxruntime-web use SharedArrayBuffer threads. The rest is hardening, the same set the
// README recommends for static hosts: no MIME sniffing (a model file or a user's upload is never run as a script), no
// Referer to anyone (share links carry their settings in the hash, which browsers never send, but the page has no
// reason to tell other sites its address), and no framing by other sites (the page has buttons a frame could
// overlay; nothing embeds it).
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/**
 * The page's Content-Security-Policy, read from index.html's meta tag (its one source). A dedicated worker does not
 * inherit the page's meta policy — it takes the CSP of its own script response — so the servers below send this
 * policy as a header on worker scripts, and the service worker adds it to the worker scripts it serves.
 */
function pagePolicy(): string {
  const html = readFileSync(fileURLToPath(new URL('./index.html', import.meta.url)), 'utf8');
  const m = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html);
  if (!m) throw new Error('index.html has no Content-Security-Policy meta tag');
  return m[1].replace(/\s+/g, ' ').trim();
}

/** Dev server and `vite preview`: the page's CSP as a header on every worker script (Sec-Fetch-Dest: worker). */
function workerCsp(policy: string): Plugin {
  const header = (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const dest = req.headers['sec-fetch-dest'];
    if (dest === 'worker' || dest === 'sharedworker') res.setHeader('Content-Security-Policy', policy);
    next();
  };
  return {
    name: 'osp-worker-csp',
    configureServer: (server) => void server.middlewares.use(header),
    configurePreviewServer: (server) => void server.middlewares.use(header),
  };
}

/**
 * Build only: writes dist/sw.js from src/sw/sw.js with the list of files to precache (every built file except model
 * folders and source maps) and a version derived from their contents, so a new build replaces the old cache.
 */
function serviceWorker(policy: string): Plugin {
  let outDir = 'dist';
  let root = '.';
  return {
    name: 'osp-service-worker',
    apply: 'build',
    configResolved(c) {
      root = c.root;
      outDir = resolve(c.root, c.build.outDir);
    },
    closeBundle() {
      const files: string[] = [];
      const walk = (dir: string) => {
        for (const name of readdirSync(dir)) {
          const p = join(dir, name);
          const rel = relative(outDir, p).split('\\').join('/');
          if (statSync(p).isDirectory()) {
            if (rel !== 'models') walk(p);
          } else if (!rel.endsWith('.map') && rel !== 'sw.js') files.push(rel);
        }
      };
      walk(outDir);
      files.sort();
      const hash = createHash('sha256');
      for (const f of files) hash.update(f).update(readFileSync(join(outDir, f)));
      const precache = { version: hash.digest('hex').slice(0, 16), files: ['./', ...files] };
      const src = readFileSync(resolve(root, 'src/sw/sw.js'), 'utf8');
      writeFileSync(join(outDir, 'sw.js'), `self.__OSP_PRECACHE__ = ${JSON.stringify(precache)};\nself.__OSP_CSP__ = ${JSON.stringify(policy)};\n${src}`);
    },
  };
}

export default defineConfig(({ command }) => ({
  // Relative asset URLs: the build runs from any static host and any sub-path.
  base: command === 'build' ? './' : '/',
  server: {
    headers: isolationHeaders,
    host: '127.0.0.1',
    // e2e runs (OSP_E2E=1, playwright.config.ts): no HMR and no watcher, so edits never reload a page mid-test.
    ...(process.env.OSP_E2E ? { hmr: false, watch: null } : {}),
  },
  preview: { headers: isolationHeaders, host: '127.0.0.1' },
  // ORT ships its own wasm loader; pre-bundling breaks its asset URLs.
  // The CLI page is an entry too: a dependency first discovered while `npm run generate` runs would make Vite
  // re-optimize and reload the page mid-job.
  optimizeDeps: { exclude: ['onnxruntime-web'], entries: ['index.html', 'src/cli/index.html'] },
  worker: { format: 'es' },
  build: { target: 'es2022' },
  plugins: [workerCsp(pagePolicy()), serviceWorker(pagePolicy())],
}));
