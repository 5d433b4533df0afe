/**
 * Global setup of `npm run test:package`: packs Dendrite once (`npm pack`, which runs `prepare`,
 * so dist/ is rebuilt from lib/), installs the tarball offline into an empty project in a temporary
 * folder, and hands that project's path to the tests.
 *
 * The install skips install scripts and copies in the addon this checkout already built
 * (build/Release, or the prebuild node-gyp-build picks here), as the install script would have
 * built it: the tests are about what the tarball carries for JavaScript and TypeScript users, and a
 * compile would cost minutes. scripts/check-pack.sh (in CI) installs the tarball with its scripts
 * and no compiler.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** An empty project with the packed dendrite installed in node_modules. */
    consumerProject: string;
  }
}

const root = resolve(import.meta.dirname, '../..');

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) failed with status ${result.status}:\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/** Packs this checkout into `folder` and installs the tarball in an empty project there; returns the project. */
function installPackedPackage(folder: string): string {
  const packed = join(folder, 'tarball');
  mkdirSync(packed);
  run('npm', ['pack', '--pack-destination', packed], root);
  const tarball = readdirSync(packed).find((f) => f.endsWith('.tgz'));
  if (tarball === undefined) throw new Error(`npm pack wrote no .tgz into ${packed}`);

  // The consumer's lock file holds the tarball and, from this checkout's lock file, the versions and
  // integrity hashes of Dendrite's dependencies, so `npm ci --offline` takes them from npm's cache.
  const consumer = join(folder, 'consumer');
  mkdirSync(consumer);
  const tarballSpec = `file:${relative(consumer, join(packed, tarball))}`;
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const rootLock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const production = Object.entries(rootLock.packages as Record<string, { dev?: boolean; devOptional?: boolean }>)
    .filter(([path, entry]) => path !== '' && !entry.dev && !entry.devOptional);
  const consumerManifest = { name: 'dendrite-consumer', private: true, type: 'module', dependencies: { dendrite: tarballSpec } };
  writeFileSync(join(consumer, 'package.json'), `${JSON.stringify(consumerManifest, null, 2)}\n`);
  writeFileSync(join(consumer, 'package-lock.json'), `${JSON.stringify({
    name: consumerManifest.name,
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: consumerManifest.name, dependencies: consumerManifest.dependencies },
      'node_modules/dendrite': { version: manifest.version, resolved: tarballSpec, hasInstallScript: true, dependencies: manifest.dependencies, optionalDependencies: manifest.optionalDependencies },
      ...Object.fromEntries(production),
    },
  }, null, 2)}\n`);
  // ENOTCACHED here means npm's cache lacks a dependency: `npm install` in this checkout fills it.
  run('npm', ['ci', '--offline', '--ignore-scripts'], consumer);

  const installed = join(consumer, 'node_modules', 'dendrite');
  const binary = createRequire(join(root, 'package.json'))('node-gyp-build').path(root) as string;
  mkdirSync(join(installed, 'build', 'Release'), { recursive: true });
  copyFileSync(binary, join(installed, 'build', 'Release', 'dendrite.node'));
  return consumer;
}

export default function setup(project: TestProject): () => void {
  const folder = mkdtempSync(join(tmpdir(), 'dendrite-package-'));
  const removeFolder = (): void => rmSync(folder, { recursive: true, force: true });
  try {
    project.provide('consumerProject', installPackedPackage(folder));
  } catch (error) {
    removeFolder();
    throw error;
  }
  return removeFolder;
}
