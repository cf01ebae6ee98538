// Shared by the Playwright config, the benchmarks and the CLI: how we start Vite and Debian's Chromium headless.
import { chromium } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Flags that give real WebGPU in headless Chromium here (../shared/docs/platform.md). */
export const chromiumArgs = [
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--enable-unsafe-webgpu',
];

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Serves the given local files (name → path) at `/__cli-input/<random token>/<name>`, streamed from disk: the CLI's
 * inputs reach the page by a same-origin fetch, with no copy through page.evaluate (200 MB of base64 in evaluate
 * calls took minutes and one big call closed the page). Only these files, only under this run's unguessable token.
 */
function localFilesPlugin(files) {
  const token = randomBytes(16).toString('hex');
  const prefix = `/__cli-input/${token}/`;
  const plugin = {
    name: 'osp-cli-inputs',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const url = req.url ?? '';
        if (!url.startsWith(prefix)) return next();
        const path = files.get(decodeURIComponent(url.slice(prefix.length)));
        if (!path) {
          res.statusCode = 404;
          return res.end();
        }
        res.setHeader('Content-Type', 'application/octet-stream');
        res.setHeader('Content-Length', String(statSync(path).size));
        createReadStream(path).pipe(res);
      });
    },
  };
  return { plugin, urlOf: (name) => (files.has(name) ? `${prefix}${encodeURIComponent(name)}` : undefined) };
}

/**
 * Starts the Vite dev server (COOP/COEP headers from vite.config.ts) on a free port. `files` (name → local path) are
 * served to the page for this run only; `inputUrl(name)` gives each one's same-origin path.
 */
export async function startViteServer(port = 0, root = REPO_ROOT, files = new Map()) {
  const inputs = localFilesPlugin(files);
  const { createServer } = await import('vite');
  // No HMR and no file watching: an edit in the working tree must never reload the page in the middle of a job.
  // Rooted at the repository, whatever the working directory: Vite's config, public/ and its cache (node_modules/.vite)
  // are found there, and nothing is written where the command was started.
  const server = await createServer({ root, configFile: join(root, 'vite.config.ts'), server: { port, strictPort: false, host: '127.0.0.1', hmr: false, watch: null }, logLevel: 'warn', plugins: [inputs.plugin] });
  await server.listen();
  const address = server.httpServer?.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return { server, url: `http://127.0.0.1:${actualPort}`, inputUrl: inputs.urlOf };
}

export async function launchChromium(extraArgs = []) {
  return chromium.launch({ executablePath: chromiumPath, args: [...chromiumArgs, ...extraArgs], headless: true });
}
