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
import { constants as bufferConstants } from 'node:buffer';
import type { Stats } from 'node:fs';
import { constants as fsConstants, link, mkdir, open, realpath, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { SerializationError } from '../errors.js';
import { describe } from '../validate.js';
import { LOAD_LIMITS, parseBoundedJson } from './limits.js';
import { removeTemporaries, syncDirectory, temporaryPath, writeAndSync, writeFileAtomic } from './atomic.js';
import { withFolderLock } from './folder-lock.js';

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.safetensors';
const PREVIOUS_WEIGHTS_FILE = `${WEIGHTS_FILE}.prev`;

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT';
}

/** SHA-256 of `name` in the folder; null when it is missing or not a regular file inside the folder. */
async function digestInFolder(where: string, folder: ModelFolder, name: string): Promise<string | null> {
  let file: OpenFile | null;
  try {
    file = await openInFolder(where, folder, name);
  } catch (error) {
    if (error instanceof SerializationError) return null; // refused: not a copy to keep
    throw error;
  }
  if (file === null) return null;
  try {
    const hash = createHash('sha256');
    return (await readOpenFile(where, file, (chunk) => hash.update(chunk), false)) ? hash.digest('hex') : null;
  } finally {
    await file.handle.close();
  }
}

/**
 * Whether a `.prev` left by an interrupted save is what the current model.json needs (its
 * `weights.safetensors` being a newer orphan). Cheap when there is no `.prev` (the normal case).
 */
async function previousIsTheLiveCopy(where: string, folder: ModelFolder): Promise<boolean> {
  const previous = await digestInFolder(where, folder, PREVIOUS_WEIGHTS_FILE);
  if (previous === null) return false;
  let expected: unknown;
  try {
    const text = await readInFolder(where, folder, MODEL_FILE, LOAD_LIMITS.descriptionBytes);
    expected = (parseBoundedJson(where, MODEL_FILE, text ?? 'null', LOAD_LIMITS.descriptionBytes) as { weights?: { sha256?: unknown } } | null)?.weights?.sha256;
  } catch {
    return false; // an unreadable model.json has nothing to keep
  }
  if (typeof expected !== 'string') return false;
  if ((await digestInFolder(where, folder, WEIGHTS_FILE)) === expected) return false;
  return previous === expected;
}

/** Creates the folder if needed; its real path. */
async function prepareFolder(where: string, directory: string): Promise<string> {
  try {
    await mkdir(directory, { recursive: true });
  } catch (error) {
    throw fileError(where, 'create the folder', directory, error);
  }
  try {
    return await realpath(directory);
  } catch (error) {
    throw fileError(where, 'open the folder', directory, error);
  }
}

let preparing: Promise<unknown> = Promise.resolve();

/** The save in progress (or queued last) per folder (by real path): saves into one folder run one after another. */
const savesInProgress = new Map<string, Promise<void>>();

/**
 * Runs `write` as the one save into `directory` (created if needed) at a time, for every format:
 * saves from this process are queued by the folder's real path (a folder reached through a link is
 * the same folder), and each holds the folder's lock (folder-lock.ts), so saves from other processes
 * wait too; the last one to take the lock is what remains. A file-system error is a
 * SerializationError naming the folder (its `cause` the original).
 */
export async function saveIntoFolder(where: string, directory: string, write: (folder: ModelFolder) => Promise<void>): Promise<void> {
  // Folders are made and resolved one call after another, so saves are queued in the order called.
  const resolved = preparing.then(() => prepareFolder(where, directory));
  preparing = resolved.catch(() => {});
  const real = await resolved;
  const folder = { given: directory, real };
  const before = savesInProgress.get(real) ?? Promise.resolve();
  const save = before.catch(() => {}).then(() => withFolderLock(where, real, async () => {
    try {
      await write(folder);
    } catch (error) {
      if (error instanceof SerializationError) throw error;
      throw fileError(where, 'save into', directory, error);
    }
  }));
  savesInProgress.set(real, save);
  try {
    await save;
  } finally {
    if (savesInProgress.get(real) === save) savesInProgress.delete(real);
  }
}

/**
 * Saves `model` (a JSON-serialisable object) and `weights` (a safetensors file) into `directory`,
 * crash-safely, as the one save into it at a time ({@link saveIntoFolder}). `model.weights` is set
 * to the weights' file name, size and digest.
 */
export async function saveModelFiles(directory: string, model: Record<string, unknown>, weights: Uint8Array, where = 'save'): Promise<void> {
  await saveIntoFolder(where, directory, (folder) => writeModelFiles(where, folder, model, weights));
}

/** The save itself, under the folder's lock. */
async function writeModelFiles(where: string, folder: ModelFolder, model: Record<string, unknown>, weights: Uint8Array): Promise<void> {
  const directory = folder.real;
  const weightsPath = join(directory, WEIGHTS_FILE);
  const previousPath = join(directory, PREVIOUS_WEIGHTS_FILE);
  // Only the lock's holder writes temporaries: any left are from a save that was killed.
  await removeTemporaries(weightsPath);
  await removeTemporaries(join(directory, MODEL_FILE));
  const temporary = temporaryPath(weightsPath);
  try {
    await writeAndSync(temporary, weights);
    if (!(await previousIsTheLiveCopy(where, folder))) {
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

/** What model.json says, as read. */
export interface Description {
  text: string;
  model: Record<string, unknown>;
  digest: string;
  bytes: number;
}

/** Reads and checks model.json (a regular file in the folder, within the size and depth limits). */
async function readDescription(folder: ModelFolder): Promise<Description> {
  const text = await readInFolder('loadModel', folder, MODEL_FILE, LOAD_LIMITS.descriptionBytes);
  if (text === null) throw new SerializationError(`loadModel: no ${MODEL_FILE} in ${folder.given}`);
  return parseDescription(text);
}

/** Parses and checks model.json's text (within the size and depth limits, naming its weights). */
export function parseDescription(text: Buffer): Description {
  const model = parseBoundedJson('loadModel', MODEL_FILE, text, LOAD_LIMITS.descriptionBytes);
  if (model === null || typeof model !== 'object' || Array.isArray(model)) throw new SerializationError(`loadModel: ${MODEL_FILE} is not a JSON object`);
  const expected = (model as Record<string, unknown>).weights as { sha256?: unknown; bytes?: unknown } | undefined;
  if (!expected || typeof expected.sha256 !== 'string') throw new SerializationError(`loadModel: ${MODEL_FILE} does not name the digest of its weights`);
  if (!Number.isSafeInteger(expected.bytes) || (expected.bytes as number) < 0) {
    throw new SerializationError(`loadModel: ${MODEL_FILE} does not give the size of its weights (weights.bytes), got ${describe(expected.bytes)}`);
  }
  return { text: text.toString('utf8'), model: model as Record<string, unknown>, digest: expected.sha256, bytes: expected.bytes as number };
}

/** How often a load starts over when a save (by another process, or this one) replaced model.json meanwhile. */
const LOAD_ATTEMPTS = 5;

/**
 * Reads `model.json` and the weights that match its digest; SerializationError if either is unusable.
 * A save running at the same time can replace model.json and remove `.prev` between the reads: when
 * no weights match, model.json is read again and, if it changed, the load starts over.
 *
 * Only regular files that resolve inside the folder are read (a symbolic link to a file elsewhere, a
 * FIFO or a device is refused before anything is read from it), a weights file only when its size is
 * the one model.json gives, and its digest is computed as it is read, a chunk at a time.
 */
export async function loadModelFiles(directory: string): Promise<{ model: Record<string, unknown>; weights: Buffer }> {
  const folder = await openFolder(directory);
  let description = await readDescription(folder);
  const sizes: string[] = [];
  for (let attempt = 1; ; attempt++) {
    sizes.length = 0;
    for (const name of [WEIGHTS_FILE, PREVIOUS_WEIGHTS_FILE]) {
      const file = await openInFolder('loadModel', folder, name);
      if (file === null) continue;
      try {
        if (file.size !== description.bytes) {
          sizes.push(`${name} is ${file.size} bytes`);
          continue;
        }
        const hash = createHash('sha256');
        const weights = await readOpenFile('loadModel', file, (chunk) => hash.update(chunk), true);
        if (weights !== null && hash.digest('hex') === description.digest) return { model: description.model, weights };
      } finally {
        await file.handle.close();
      }
    }
    const again = attempt < LOAD_ATTEMPTS ? await readDescription(folder).catch(() => null) : null;
    if (again === null || again.text === description.text) break;
    description = again;
  }
  throw new SerializationError(
    `loadModel: ${WEIGHTS_FILE} in ${directory} does not match ${MODEL_FILE} (expected ${description.bytes} bytes with SHA-256 ${description.digest.slice(0, 12)}…${sizes.length > 0 ? `; ${sizes.join(', ')}` : ''}): missing, truncated or corrupted`,
  );
}

// --- reading files of a folder that may come from anyone ----------------------------------------

/** A model folder: the path given, and its real path (files must resolve inside it). */
export interface ModelFolder {
  given: string;
  real: string;
}

/** A file of the folder, open, checked to be a regular file inside it. */
interface OpenFile {
  path: string;
  handle: FileHandle;
  size: number;
}

// Non-blocking: opening a FIFO for reading would otherwise wait for a writer forever (its fstat
// then refuses it); no controlling terminal from a tty.
const READ_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0) | (fsConstants.O_NOCTTY ?? 0);

/** Bytes read per step: each chunk's digest is a short piece of synchronous work. */
const READ_CHUNK = 8 * 2 ** 20;

/** A SerializationError naming `path` for a failed file-system call (the original is its `cause`). */
function fileError(where: string, what: string, path: string, error: unknown): SerializationError {
  const code = (error as NodeJS.ErrnoException)?.code;
  const message = String((error as Error)?.message ?? error);
  return new SerializationError(`${where}: cannot ${what} ${path}${code ? ` (${code})` : ''}: ${message.length > 300 ? `${message.slice(0, 300)}...` : message}`, { cause: error });
}

/** Resolves the folder's real path; a missing folder reads as one without model.json. */
export async function openFolder(directory: string): Promise<ModelFolder> {
  let real: string;
  try {
    real = await realpath(directory);
  } catch (error) {
    if (isMissing(error)) throw new SerializationError(`loadModel: no ${MODEL_FILE} in ${directory} (the folder does not exist)`);
    throw fileError('loadModel', 'open the folder', directory, error);
  }
  return { given: directory, real };
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** How often opening a file is tried again when a save renames another file over it meanwhile. */
const OPEN_ATTEMPTS = 4;

/**
 * Opens `name` in the folder for reading, or null when it does not exist. Refused (SerializationError)
 * unless it is a regular file whose real path is inside the folder: the check is made on the open
 * file itself (its device and inode), so a link swapped between the check and the read cannot pass.
 */
async function openInFolder(where: string, folder: ModelFolder, name: string): Promise<OpenFile | null> {
  const path = join(folder.real, name);
  for (let attempt = 1; ; attempt++) {
    let handle: FileHandle;
    try {
      handle = await open(path, READ_FLAGS);
    } catch (error) {
      if (isMissing(error)) return null;
      throw fileError(where, 'open', path, error);
    }
    let replaced = false;
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw new SerializationError(`${where}: ${path} is ${kindOf(stats)}, not a regular file: refused`);
      const real = await realpath(path);
      const inside = real.startsWith(folder.real.endsWith(sep) ? folder.real : `${folder.real}${sep}`);
      if (!inside) throw new SerializationError(`${where}: ${path} resolves to ${real}, outside the model folder ${folder.real}: refused`);
      const named = await stat(real);
      // Another file now has the name (a save renamed one over it): what is open may not be inside.
      replaced = named.dev !== stats.dev || named.ino !== stats.ino;
      if (!replaced) return { path, handle, size: stats.size };
    } catch (error) {
      await handle.close();
      if (isMissing(error)) return null;
      if (error instanceof SerializationError) throw error;
      throw fileError(where, 'check', path, error);
    }
    await handle.close();
    if (attempt === OPEN_ATTEMPTS) throw new SerializationError(`${where}: ${path} kept being replaced while it was opened`);
  }
}

/**
 * Reads the whole of an open file (the size its fstat gave), a chunk at a time, handing each chunk
 * to `onChunk`. Returns the bytes (or, without `keep`, true, reading through one chunk-sized
 * buffer); null (false) when the file turned out shorter (it changed meanwhile).
 */
async function readOpenFile(where: string, file: OpenFile, onChunk: ((chunk: Uint8Array) => void) | null, keep: true): Promise<Buffer | null>;
async function readOpenFile(where: string, file: OpenFile, onChunk: ((chunk: Uint8Array) => void) | null, keep: false): Promise<boolean>;
async function readOpenFile(where: string, file: OpenFile, onChunk: ((chunk: Uint8Array) => void) | null, keep: boolean): Promise<Buffer | boolean | null> {
  if (keep && file.size > bufferConstants.MAX_LENGTH) {
    throw new SerializationError(`${where}: ${file.path} is ${file.size} bytes, more than the ${bufferConstants.MAX_LENGTH} a Buffer may hold`);
  }
  let bytes: Buffer;
  try {
    bytes = Buffer.allocUnsafe(keep ? file.size : Math.min(READ_CHUNK, file.size));
  } catch (error) {
    throw new SerializationError(`${where}: not enough memory to read ${file.path} (${file.size} bytes): ${(error as Error).message}`);
  }
  let offset = 0;
  while (offset < file.size) {
    const at = keep ? offset : 0;
    let bytesRead: number;
    try {
      ({ bytesRead } = await file.handle.read(bytes, at, Math.min(READ_CHUNK, file.size - offset), offset));
    } catch (error) {
      throw fileError(where, 'read', file.path, error);
    }
    if (bytesRead === 0) return keep ? null : false;
    onChunk?.(bytes.subarray(at, at + bytesRead));
    offset += bytesRead;
  }
  return keep ? bytes : true;
}

/**
 * The content of `name` in the folder (a regular file inside it, of at most `maxBytes`), or null
 * when it does not exist.
 */
export async function readInFolder(where: string, folder: ModelFolder, name: string, maxBytes: number): Promise<Buffer | null> {
  const file = await openInFolder(where, folder, name);
  if (file === null) return null;
  try {
    if (file.size > maxBytes) throw new SerializationError(`${where}: ${file.path} is ${file.size} bytes, more than the ${maxBytes} a model may have`);
    const bytes = await readOpenFile(where, file, null, true);
    if (bytes === null) throw new SerializationError(`${where}: ${file.path} changed while it was read`);
    return bytes;
  } finally {
    await file.handle.close();
  }
}
