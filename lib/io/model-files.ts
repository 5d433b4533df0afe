/**
 * The saved-model directory: `model.json` (architecture, training config, versions, and the
 * SHA-256 of the weights it belongs to) and `weights.safetensors`.
 *
 * Two files cannot be replaced in one atomic step, so a save goes:
 *   1. write the new weights to a temporary file and fsync it;
 *   2. keep the current weights reachable as `weights.safetensors.prev` (a hard link);
 *   3. rename the new weights over `weights.safetensors`;
 *   4. write `model.json` atomically (temp, fsync, rename);
 *   5. remove the `.prev` link.
 * A crash between 3 and 4 leaves the old model.json beside the new weights; the digest in
 * model.json then matches `.prev`, which loading uses. At every instant the directory holds a
 * complete, loadable model: the previous one or the new one.
 *
 * After such a crash `.prev` is the only file model.json can use, so the next save must not
 * replace it in step 2: a `.prev` left behind makes the save check (by digest) which file the
 * current model.json belongs to, and keep that one. Only a save that follows a crash pays for
 * the extra read.
 */
import { createHash } from 'node:crypto';
import { link, mkdir, readFile, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SerializationError } from '../errors.js';
import { removeStaleTemporaries, syncDirectory, temporaryPath, writeAndSync, writeFileAtomic } from './atomic.js';

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.safetensors';
const PREVIOUS_WEIGHTS_FILE = `${WEIGHTS_FILE}.prev`;

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT';
}

/** Reads a file, or null when it does not exist. */
async function readIfPresent(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

/**
 * Whether a `.prev` left by an interrupted save is what the current model.json needs (its
 * `weights.safetensors` being a newer orphan). Cheap when there is no `.prev` (the normal case).
 */
async function previousIsTheLiveCopy(directory: string): Promise<boolean> {
  const previous = await readIfPresent(join(directory, PREVIOUS_WEIGHTS_FILE));
  if (previous === null) return false;
  let expected: unknown;
  try {
    expected = (JSON.parse((await readIfPresent(join(directory, MODEL_FILE)))?.toString('utf8') ?? 'null') as { weights?: { sha256?: unknown } } | null)?.weights?.sha256;
  } catch {
    return false; // an unreadable model.json has nothing to keep
  }
  if (typeof expected !== 'string') return false;
  const current = await readIfPresent(join(directory, WEIGHTS_FILE));
  if (current !== null && sha256(current) === expected) return false;
  return sha256(previous) === expected;
}

/** The save in progress (or queued last) per folder: saves into one folder run one after another. */
const savesInProgress = new Map<string, Promise<void>>();

/**
 * Saves `model` (a JSON-serialisable object) and `weights` (a safetensors file) into `directory`,
 * crash-safely. `model.weights` is set to the weights' file name, size and digest.
 *
 * Saves into the same folder from this process are queued (two interleaved saves could otherwise
 * pair one save's model.json with the other's weights); the last one called is what remains. Other
 * processes writing the same folder at the same time are not coordinated with.
 */
export async function saveModelFiles(directory: string, model: Record<string, unknown>, weights: Uint8Array): Promise<void> {
  const key = resolve(directory);
  const before = savesInProgress.get(key) ?? Promise.resolve();
  const save = before.catch(() => {}).then(() => writeModelFiles(directory, model, weights));
  savesInProgress.set(key, save);
  try {
    await save;
  } finally {
    if (savesInProgress.get(key) === save) savesInProgress.delete(key);
  }
}

async function writeModelFiles(directory: string, model: Record<string, unknown>, weights: Uint8Array): Promise<void> {
  await mkdir(directory, { recursive: true });
  const weightsPath = join(directory, WEIGHTS_FILE);
  const previousPath = join(directory, PREVIOUS_WEIGHTS_FILE);
  await removeStaleTemporaries(weightsPath);
  await removeStaleTemporaries(join(directory, MODEL_FILE));
  const temporary = temporaryPath(weightsPath);
  try {
    await writeAndSync(temporary, weights);
    if (!(await previousIsTheLiveCopy(directory))) {
      await unlink(previousPath).catch((error) => {
        if (!isMissing(error)) throw error;
      });
      await link(weightsPath, previousPath).catch((error) => {
        if (!isMissing(error)) throw error; // first save: nothing to keep
      });
    }
    await rename(temporary, weightsPath);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
  await syncDirectory(directory);
  const description = { ...model, weights: { file: WEIGHTS_FILE, bytes: weights.length, sha256: sha256(weights) } };
  await writeFileAtomic(join(directory, MODEL_FILE), Buffer.from(`${JSON.stringify(description, null, 2)}\n`));
  await unlink(previousPath).catch(() => {});
}

/** Reads and parses model.json. */
async function readDescription(directory: string): Promise<{ text: string; model: Record<string, unknown>; digest: string; bytes: unknown }> {
  let text: string;
  try {
    text = await readFile(join(directory, MODEL_FILE), 'utf8');
  } catch (error) {
    throw new SerializationError(
      isMissing(error) ? `loadModel: no ${MODEL_FILE} in ${directory}` : `loadModel: cannot read ${join(directory, MODEL_FILE)}: ${(error as Error).message}`,
    );
  }
  let model: Record<string, unknown>;
  try {
    model = JSON.parse(text);
  } catch (error) {
    throw new SerializationError(`loadModel: ${MODEL_FILE} is not valid JSON (${(error as Error).message}): corrupted or truncated`);
  }
  if (model === null || typeof model !== 'object' || Array.isArray(model)) throw new SerializationError(`loadModel: ${MODEL_FILE} is not a JSON object`);
  const expected = model.weights as { sha256?: unknown; bytes?: unknown } | undefined;
  if (!expected || typeof expected.sha256 !== 'string') throw new SerializationError(`loadModel: ${MODEL_FILE} does not name the digest of its weights`);
  return { text, model, digest: expected.sha256, bytes: expected.bytes };
}

/** How often a load starts over when a save (by another process, or this one) replaced model.json meanwhile. */
const LOAD_ATTEMPTS = 5;

/**
 * Reads `model.json` and the weights that match its digest; SerializationError if either is unusable.
 * A save running at the same time can replace model.json and remove `.prev` between the reads: when
 * no weights match, model.json is read again and, if it changed, the load starts over.
 */
export async function loadModelFiles(directory: string): Promise<{ model: Record<string, unknown>; weights: Buffer }> {
  let description = await readDescription(directory);
  for (let attempt = 1; ; attempt++) {
    for (const file of [WEIGHTS_FILE, PREVIOUS_WEIGHTS_FILE]) {
      let weights: Buffer;
      try {
        weights = await readFile(join(directory, file));
      } catch (error) {
        if (isMissing(error)) continue;
        throw new SerializationError(`loadModel: cannot read ${join(directory, file)}: ${(error as Error).message}`);
      }
      if (sha256(weights) === description.digest) return { model: description.model, weights };
    }
    const again = attempt < LOAD_ATTEMPTS ? await readDescription(directory).catch(() => null) : null;
    if (again === null || again.text === description.text) break;
    description = again;
  }
  throw new SerializationError(
    `loadModel: ${WEIGHTS_FILE} in ${directory} does not match ${MODEL_FILE} (expected ${description.bytes} bytes with SHA-256 ${description.digest.slice(0, 12)}…): missing, truncated or corrupted`,
  );
}
