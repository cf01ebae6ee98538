import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './scripts/headless.mjs';

// The static build (dist/): `vite preview` (sends COOP/COEP like a configured host) and a plain static server that
// does not (the service worker must provide cross-origin isolation there). Run with `npm run test:e2e:preview`.
// Only the e2e/app-static*.spec.ts specs run here; they skip themselves under the dev-server config.
// OSP_E2E_PORT moves both servers (a second checkout on the same machine runs its own).
const preview = process.env.OSP_E2E_PORT ? Number(process.env.OSP_E2E_PORT) + 91 : 5290;
const plain = preview + 1;

export default defineConfig({
  testDir: 'e2e',
  testMatch: 'app-static*.spec.ts',
  timeout: 120_000,
  workers: 1,
  reporter: [['list']],
  projects: [{ name: 'preview' }],
  use: {
    baseURL: `http://127.0.0.1:${preview}`,
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
  },
  webServer: [
    {
      command: `npx vite build --logLevel warn && npx vite preview --port ${preview} --strictPort`,
      url: `http://127.0.0.1:${preview}`,
      reuseExistingServer: false,
      timeout: 240_000,
    },
    {
      // Starts after the build above (webServers start in order and wait for their url).
      command: `node e2e/fixtures/app/static-server.mjs dist ${plain}`,
      url: `http://127.0.0.1:${plain}`,
      reuseExistingServer: false,
      timeout: 30_000,
    },
  ],
});
