// What a user sees on a platform without a prebuilt binary when the package manager did not run Dendrite's
// install script (npm 11 asks first; pnpm and Bun skip it until approved): the install succeeds, and the
// first import throws a NativeError saying so, with the commands the README gives.
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, inject, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const consumer = inject('consumerProject');

describe('install scripts not run, no prebuilt binary', () => {
  it('importing dendrite throws a NativeError that says the install script did not run and what to run', () => {
    // The installed package as it is before its install script runs, on a platform the tarball has no
    // prebuild for: no build/, no prebuilds/. Its dependencies resolve from the consumer's node_modules.
    const unbuilt = join(consumer, 'unbuilt');
    cpSync(join(consumer, 'node_modules', 'dendrite'), join(unbuilt, 'node_modules', 'dendrite'), {
      recursive: true,
      filter: (source) => !/[\\/]node_modules[\\/]dendrite[\\/](build|prebuilds)([\\/]|$)/.test(source),
    });
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.DENDRITE_BINARY;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', "import('dendrite').catch((e) => { console.error(`${e.name}: ${e.message}`); process.exit(3); })"], {
      cwd: unbuilt,
      env,
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(3);
    expect(run.stderr).toMatch(new RegExp(`^NativeError: Dendrite's native addon is not built for ${process.platform}-${process.arch} `));
    expect(run.stderr).toMatch(/install script, which builds one, did not run/);
    expect(run.stderr).toMatch(/Cause: No native build was found for platform=/);

    // The README describes the same situation with the same commands.
    const commands = [...run.stderr.matchAll(/^ {2}(npm .*)$/gm)].map((m) => m[1]);
    expect(commands).toEqual(['npm install-scripts approve dendrite', 'npm rebuild dendrite']);
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### When the install script does not run'));
    expect(section.length).toBeLessThan(readme.length);
    for (const command of commands) expect(section).toContain(command);
    expect(section).toContain("Dendrite's native addon is not built for");
  });
});
