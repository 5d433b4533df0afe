import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/package packs the package and runs once per CI run: `npm run test:package` (vitest.package.config.ts).
    exclude: [...configDefaults.exclude, 'test/package/**'],
    // Each test file gets its own process: the addon's thread pool and ISA come from the environment at load.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
