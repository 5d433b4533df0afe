import { configDefaults, defineConfig } from 'vitest/config';

// Files named *.gc.test.ts force garbage collections: they run with --expose-gc. A worker thread cannot
// take that flag (Node rejects it in a Worker's execArgv), so under `--pool=threads` (the qemu run in
// CI) they get the same function at run time instead (test/memory.gc.test.ts).
const threadsPool = process.argv.includes('--pool=threads') || process.argv.includes('threads');

export default defineConfig({
  test: {
    // test/package packs the package and runs once per CI run: `npm run test:package` (vitest.package.config.ts).
    exclude: [...configDefaults.exclude, 'test/package/**'],
    // Each test file gets its own process: the addon's thread pool and ISA come from the environment at load.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'test/package/**', 'test/**/*.gc.test.ts'] } },
      { extends: true, test: { name: 'gc', include: ['test/**/*.gc.test.ts'], execArgv: threadsPool ? [] : ['--expose-gc'] } },
    ],
  },
});
