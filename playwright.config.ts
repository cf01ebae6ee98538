import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './scripts/headless.mjs';

// OSP_E2E_PORT: a second checkout on the same machine runs its own e2e server on another port.
const port = Number(process.env.OSP_E2E_PORT ?? 5199);

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // The static-build specs run against `vite preview` (playwright.preview.config.ts); screenshots only on request.
  testIgnore: ['**/app-static*.spec.ts', ...(process.env.OSP_SCREENSHOTS ? [] : ['**/app-screenshots.spec.ts'])],
  timeout: 180_000,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
  },
  webServer: {
    // OSP_E2E turns off HMR and file watching (vite.config.ts): an edit elsewhere in the tree must not reload a page
    // mid-test. Never reuse a server: another checkout's server on this port would serve other files.
    command: `OSP_E2E=1 npx vite --port ${port} --strictPort`,
    url: `http://127.0.0.1:${port}`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
