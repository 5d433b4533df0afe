/**
 * Crash-safe file writes. A file is written to a temporary name beside it, flushed to disk
 * (fsync), renamed over the target (atomic on POSIX file systems), and the directory is flushed,
 * so a crash at any moment leaves either the old file or the new one, never a mix.
 */
import { randomBytes } from 'node:crypto';
import { close, fsync, open, rename, unlink, write } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { basename, dirname, join } from 'node:path';

const openAsync = promisify(open);
const writeAsync = promisify(write);
const fsyncAsync = promisify(fsync);
const closeAsync = promisify(close);
const renameAsync = promisify(rename);
const unlinkAsync = promisify(unlink);

/** A unique temporary name beside `path` (same directory, so rename stays atomic). */
export function temporaryPath(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * Removes the temporary files writers of `path` left behind when they were killed. Call it only
 * while holding the folder's lock (folder-lock.ts): then no other writer has one in progress.
 */
export async function removeTemporaries(path: string): Promise<void> {
  const prefix = `${basename(path)}.tmp-`;
  const entries = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const entry of entries) {
    if (entry.startsWith(prefix)) await unlinkAsync(join(dirname(path), entry)).catch(() => {});
  }
}

/** Writes `data` to `path` and flushes it to disk. */
export async function writeAndSync(path: string, data: Uint8Array): Promise<void> {
  const fd = await openAsync(path, 'w', 0o644);
  try {
    let offset = 0;
    while (offset < data.length) offset += (await writeAsync(fd, data, offset, data.length - offset)).bytesWritten;
    await fsyncAsync(fd);
  } finally {
    await closeAsync(fd);
  }
}

/** Flushes a directory's entries (the renames in it) to disk. */
export async function syncDirectory(directory: string): Promise<void> {
  const fd = await openAsync(directory, 'r');
  try {
    await fsyncAsync(fd);
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic there.
  } finally {
    await closeAsync(fd);
  }
}

/** Atomically replaces `path` with `data`: temp file, fsync, rename, fsync of the directory. */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const temporary = temporaryPath(path);
  try {
    await writeAndSync(temporary, data);
    await renameAsync(temporary, path);
  } catch (error) {
    await unlinkAsync(temporary).catch(() => {});
    throw error;
  }
  await syncDirectory(dirname(path));
}
