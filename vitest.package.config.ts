import { defineConfig } from 'vitest/config';

// `npm run test:package`: the README's code blocks and the published types, checked against the packed
// tarball installed in an empty project. It packs and installs once per run, so CI runs it once rather
// than in every pass of the suite (vitest.config.ts leaves test/package out).
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    globalSetup: ['test/package/setup.ts'],
    pool: 'forks',
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
