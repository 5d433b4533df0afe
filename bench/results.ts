/**
 * The published figures: bench/results/<name>.json, which the README quotes. A bench run replaces its
 * file only when asked with `--write` (`npm run bench:models -- --write`), so a quick look on a busy
 * machine never overwrites the figures the README was written from.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchRoot = dirname(fileURLToPath(import.meta.url));

/** Whether this run was asked to replace the published results (`--write`). */
export const writeRequested = process.argv.includes('--write');

/**
 * Writes `results` to bench/results/<name>.json (temporary file, then rename) when the run was given
 * `--write`; otherwise says that it did not. Returns the path written, or null.
 */
export function publishResults(name: string, results: unknown): string | null {
  const file = join(benchRoot, 'results', `${name}.json`);
  const shown = relative(process.cwd(), file);
  if (!writeRequested) {
    console.log(`\nNot written: ${shown} keeps the published figures (add -- --write to replace them, on a quiet machine).`);
    return null;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  console.log(`\nResults: ${shown}`);
  return file;
}
