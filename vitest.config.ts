import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each test file gets its own process: the addon's thread pool and ISA come from the environment at load.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
