// Every ts/js code block of README.md and docs/*.md runs, as a user would run it: written to a file in an
// empty project that installed the packed tarball (test/package/setup.ts), and run with Node (through tsx
// for TypeScript). `npm run test:package`; CI runs it once.
//
// How to write a code block so that it runs (the rules this test applies):
// - A ```ts / ```js block is a whole program: it imports what it uses (`import * as dn from 'dendrite'`)
//   and ends by itself. Top-level await is fine (ES module); a block that uses require() and no import
//   statement runs as CommonJS (.cts / .cjs).
// - A block that builds on an earlier one says so in its first line, naming the heading the earlier
//   block sits under: `// continues "Using it": model, xTrain, yTrain`. It is appended to the first
//   block under that heading in the same file (after the blocks that already continue it), and they
//   run as one program.
// - A block that is deliberately not a program (a signature, an options object, an excerpt) starts with
//   a line `// fragment` (`// fragment: the options of fit()`), and is skipped. Other languages
//   (```sh, ```json, plain ```) are never run.
// - A server reads its port from `process.env.PORT`, prints `listening on http://localhost:<port>` once
//   it listens, and closes on SIGTERM: the test then sends it one request, then SIGTERM, and expects it
//   to exit with status 0.
// - Training: keep the epochs small enough that the block runs in seconds; training meant to go on (beside
//   a server) stops on the server's SIGTERM, as the server example's does.
// - Each program runs in its own empty folder (files it saves land there) and passes if it exits with
//   status 0; its output is shown when it fails. One program: `npm run test:package -- -t README.md:30`.
// The consumer-types test (types.test.ts) also compiles every TypeScript block, strictly.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { documentationPrograms, programFileName, programsOf, type Program } from './snippets.js';

const root = resolve(import.meta.dirname, '../..');
const consumer = inject('consumerProject');
const { programs, fragments } = documentationPrograms(root);
const tsx = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
/** A program that has not ended after this long has hung (the machine may be loaded). */
const HANG_MS = 240_000;
const LISTENING = /listening on http:\/\/localhost:(\d+)/;

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().listen(0, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

interface Outcome {
  status: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  /** The HTTP status of the request sent to a server, if the program said it listens. */
  served: number | null;
  hung: boolean;
}

async function runProgram(program: Program): Promise<Outcome> {
  const dir = join(consumer, 'snippets', programFileName(program).replace(/\.\w+$/, ''));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, programFileName(program));
  writeFileSync(file, program.code);
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), NO_COLOR: '1' };
  delete env.DENDRITE_BINARY; // the installed package loads its own binary
  const child = spawn(process.execPath, ['--import', tsx, file], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let served: number | null = null;
  let hung = false;
  let requested = false;
  const onData = (chunk: Buffer): void => {
    output += chunk.toString();
    const listening = LISTENING.exec(output);
    if (listening && !requested) {
      requested = true;
      fetch(`http://localhost:${listening[1]}/`, { method: 'POST', body: '', signal: AbortSignal.timeout(HANG_MS) })
        .then(async (response) => {
          served = response.status;
          await response.text();
        })
        .catch((error: unknown) => { output += `\n[test] request failed: ${String(error)}\n`; })
        .finally(() => child.kill('SIGTERM'));
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const timer = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, HANG_MS);
  const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => child.on('close', (code, sig) => done([code, sig])));
  clearTimeout(timer);
  return { status, signal, output, served, hung };
}

describe('documentation code blocks: how they are read', () => {
  const markdown = [
    '# Title', '```ts', "import * as dn from 'dendrite';", 'const a = 1;', '```',
    '## Next', '```ts', '// fragment: an excerpt', 'a + 1', '```',
    '```sh', 'npm test', '```',
    '```js', '// continues "Title": a', 'console.log(a);', '```',
    '- a list item', '  ~~~typescript', "  import { readFileSync } from 'node:fs';", '  ~~~',
    '```js', "const dn = require('dendrite');", '```',
  ].join('\n');

  it('a block is a program, a fragment is skipped, a continuation joins the block under the named heading', () => {
    const { programs: found, fragments: skipped } = programsOf(markdown, 'X.md');
    expect(found.map((p) => p.name)).toEqual(['X.md:2', 'X.md:19', 'X.md:22']);
    expect(found[0].snippets.map((s) => s.line)).toEqual([2, 14]);
    expect(found[0].code).toContain('const a = 1;');
    expect(found[0].code).toContain('console.log(a);');
    expect(found[0].language).toBe('ts');
    expect(found[1].code).toContain("import { readFileSync } from 'node:fs';");
    expect(found[1].code).not.toContain('  import');
    expect(skipped.map((s) => s.line)).toEqual([7]);
    expect(found[2].commonjs).toBe(true);
    expect(found.map(programFileName)).toEqual(['x-2.ts', 'x-19.ts', 'x-22.cjs']);
  });

  it('a continuation naming a heading without an earlier block is an error naming the line', () => {
    expect(() => programsOf('## A\n```ts\n// continues "Nowhere"\n```\n', 'Y.md')).toThrow(/Y\.md:2: continues "Nowhere", but no earlier block/);
  });

  it('README.md has programs to run', () => {
    expect(programs.length).toBeGreaterThanOrEqual(4);
    expect(programs.some((p) => p.commonjs)).toBe(true);
    expect(programs.some((p) => p.code.includes('listening on http://localhost:'))).toBe(true);
    // Fragments are allowed but listed, so that a reader of the test output sees what was not run.
    console.log(`${programs.length} programs; fragments skipped: ${fragments.map((f) => `${f.file}:${f.line}`).join(', ') || 'none'}`);
  });
});

describe('documentation code blocks run against the packed package', () => {
  it.each(programs.map((p) => [p.name, p] as const))('%s', async (_name, program) => {
    const outcome = await runProgram(program);
    const report = `${program.name} (${program.snippets.map((s) => `line ${s.line}`).join(' + ')})\n${outcome.output}`;
    expect(outcome.hung, `hung: ${report}`).toBe(false);
    if (program.code.includes('listening on http://localhost:')) expect(outcome.served, `no HTTP response: ${report}`).not.toBeNull();
    expect({ status: outcome.status, signal: outcome.signal }, report).toEqual({ status: 0, signal: null });
  });
});
