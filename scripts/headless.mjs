// Shared by the Playwright config, the benchmarks and the CLI: how we start Vite and Debian's Chromium headless.
import { chromium } from '@playwright/test';
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

/** Starts the Vite dev server (COOP/COEP headers from vite.config.ts) on a free port. */
export async function startViteServer(port = 0, root = REPO_ROOT) {
  const { createServer } = await import('vite');
  // No HMR and no file watching: an edit in the working tree must never reload the page in the middle of a job.
  // Rooted at the repository, whatever the working directory: Vite's config, public/ and its cache (node_modules/.vite)
  // are found there, and nothing is written where the command was started.
  const server = await createServer({ root, configFile: join(root, 'vite.config.ts'), server: { port, strictPort: false, host: '127.0.0.1', hmr: false, watch: null }, logLevel: 'warn' });
  await server.listen();
  const address = server.httpServer?.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return { server, url: `http://127.0.0.1:${actualPort}` };
}

export async function launchChromium(extraArgs = []) {
  return chromium.launch({ executablePath: chromiumPath, args: [...chromiumArgs, ...extraArgs], headless: true });
}
