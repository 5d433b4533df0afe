// The published types as a user's compiler sees them: the README's TypeScript examples compiled in a
// consumer project against the packed tarball's .d.ts files, with `strict` and `skipLibCheck: false`
// (so every declaration file the package ships is checked too, not only the parts the examples use),
// as an ES module (`module: nodenext`, the "import" condition) and as CommonJS (the "require" condition,
// with `module: nodenext` and with `module: commonjs`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { documentationPrograms, programFileName, type Program } from './snippets.js';

const root = resolve(import.meta.dirname, '../..');
const consumer = inject('consumerProject');
const { programs } = documentationPrograms(root);

/** An ES-module program as a CommonJS file: imports first, the rest inside an async function (no top-level await). */
function asCommonJs(program: Program): string {
  const lines = program.code.split('\n');
  const imports = lines.filter((line) => /^import\s.*;\s*(\/\/.*)?$/.test(line));
  const body = lines.filter((line) => !imports.includes(line));
  return [...imports, '', 'export async function example(): Promise<void> {', ...body.map((line) => `  ${line}`), '}', ''].join('\n');
}

interface Consumer {
  name: string;
  packageType: 'module' | 'commonjs';
  compilerOptions: Record<string, unknown>;
}

const CONSUMERS: Consumer[] = [
  { name: 'esm-nodenext', packageType: 'module', compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' } },
  { name: 'cjs-nodenext', packageType: 'commonjs', compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' } },
  { name: 'cjs-commonjs', packageType: 'commonjs', compilerOptions: { module: 'commonjs', moduleResolution: 'bundler' } },
];

function writeConsumer(spec: Consumer): string {
  const dir = join(consumer, `types-${spec.name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: `types-${spec.name}`, private: true, type: spec.packageType }, null, 2)}\n`);
  writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify({
    compilerOptions: {
      ...spec.compilerOptions,
      target: 'es2022',
      lib: ['es2022'],
      strict: true,
      skipLibCheck: false,
      noEmit: true,
      allowJs: true,
      checkJs: true,
      types: ['node'],
      typeRoots: [join(root, 'node_modules/@types')],
    },
    include: ['*.ts', '*.cts', '*.js', '*.cjs'],
  }, null, 2)}\n`);
  for (const program of programs) {
    if (spec.packageType === 'module' || program.commonjs) writeFileSync(join(dir, programFileName(program)), program.code);
    // The ES-module TypeScript examples once more, as CommonJS code resolving 'dendrite' through "require".
    else if (program.language === 'ts') writeFileSync(join(dir, programFileName(program)), asCommonJs(program));
  }
  return dir;
}

describe('published types', () => {
  it('the README has TypeScript examples to compile', () => {
    expect(programs.filter((p) => p.language === 'ts').length).toBeGreaterThanOrEqual(3);
    expect(programs.some((p) => p.code.includes("from 'dendrite'"))).toBe(true);
  });

  it.each(CONSUMERS.map((spec) => [spec.name, spec] as const))('compile in a strict consumer project with skipLibCheck: false (%s)', (_name, spec) => {
    const dir = writeConsumer(spec);
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: dir, encoding: 'utf8' });
    expect(`${tsc.stdout}${tsc.stderr}`).toBe('');
    expect(tsc.status).toBe(0);
  });
});
