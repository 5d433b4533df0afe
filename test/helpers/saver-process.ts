// Starting and killing saver processes (test/helpers/saver.ts) from a bundle of it.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';

/** Bundles saver.ts into `directory` (much faster to start than TypeScript through tsx); returns the file. */
export function saverBundle(directory: string): string {
  const file = join(directory, 'saver.mjs');
  buildSync({
    entryPoints: [fileURLToPath(new URL('./saver.ts', import.meta.url))],
    bundle: true, format: 'esm', platform: 'node', outfile: file, logLevel: 'silent',
    // import.meta.url is lib/native.ts's, so the library finds the addon as it does unbundled.
    define: { 'import.meta.url': JSON.stringify(pathToFileURL(fileURLToPath(new URL('../../lib/native.ts', import.meta.url))).href) },
  });
  return file;
}

/** A running saver and what it printed. */
export interface Saver {
  process: ChildProcess;
  saved: number;
  errors: string[];
  /** Resolves once it has printed `line` (at once if it already has). */
  printed(line: string): Promise<void>;
}

/** The modes of test/helpers/saver.ts. */
export type SaverMode = 'save' | 'save-tfjs' | 'save-large' | 'save-files' | 'hold';

/** Starts a saver of `bundle` in `mode` on `paths` (fsync delayed `fsyncMs`); resolves once it is ready. */
export function startSaver(bundle: string, mode: SaverMode, paths: readonly string[], generation = 1, fsyncMs = 3): Promise<Saver> {
  const child = spawn(process.execPath, [bundle, mode, paths.join(','), String(generation), String(fsyncMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const waiting = new Map<string, () => void>();
  // Lines already printed: two lines can arrive in one chunk ("ready" and "locked" do when this
  // process is slow, as under emulation), before anyone waits for the second.
  const seen = new Set<string>();
  const saver: Saver = {
    process: child, saved: 0, errors: [],
    printed: (line) => new Promise((resolve) => (seen.has(line) ? resolve() : waiting.set(line, resolve))),
  };
  let buffered = '';
  child.stdout!.on('data', (data: Buffer) => {
    buffered += data.toString();
    for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line === 'saved') saver.saved++;
      else if (line.startsWith('error ')) saver.errors.push(line.slice(6));
      seen.add(line);
      waiting.get(line)?.();
      waiting.delete(line);
    }
  });
  const ready = saver.printed('ready');
  return new Promise((resolve, reject) => {
    child.once('exit', (code, signal) => reject(new Error(`the saver exited before it was ready (${code ?? signal})`)));
    void ready.then(() => resolve(saver));
  });
}

/** Kills a saver with SIGKILL; resolves once it is gone. */
export function killSaver(saver: Saver): Promise<void> {
  const child = saver.process;
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    }
  });
}
