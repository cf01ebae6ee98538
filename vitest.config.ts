import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts'],
    pool: 'forks',
    // ORT sessions over the dev graphs take seconds on a busy 2-core machine; 5 s (the default) fails them on load,
    // not on a wrong result.
    testTimeout: 60_000,
  },
});
