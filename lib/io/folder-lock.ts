/**
 * The lock of a model folder: one `model.save` into a folder at a time, across processes.
 *
 * The lock is an exclusive advisory lock (flock; LockFileEx on Windows) on the file
 * `.dendrite-save.lock` in the folder. The operating system drops it when its holder ends, however
 * it ends, so a save killed midway (kill -9, a crash, a power cut) never leaves the folder locked:
 * the next save takes the lock and finds the folder as the killed save left it, which is always a
 * loadable model (model-files.ts). A waiter polls (a millisecond at first, then at most every 50 ms)
 * instead of blocking a thread.
 *
 * The file exists only while a save holds it: the holder removes it before letting go, and a waiter
 * that took the lock on a file already removed (it opened the name just before) opens it again, so
 * two savers never hold locks on two different files of the same name.
 */
import { constants, lstat, open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { SerializationError } from '../errors.js';
import { binding } from '../native.js';

export const LOCK_FILE = '.dendrite-save.lock';

// Not through a link planted under the lock's name; no waiting on a FIFO.
const LOCK_FLAGS = constants.O_RDWR | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

const LONGEST_POLL_MS = 50;

function lockError(where: string, path: string, error: unknown): SerializationError {
  const code = (error as NodeJS.ErrnoException)?.code;
  return new SerializationError(`${where}: cannot lock ${path}${code ? ` (${code})` : ''}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}

async function acquire(where: string, path: string): Promise<FileHandle> {
  for (let poll = 1; ; poll = Math.min(poll * 2, LONGEST_POLL_MS)) {
    let handle: FileHandle;
    try {
      handle = await open(path, LOCK_FLAGS, 0o644);
    } catch (error) {
      throw lockError(where, path, error);
    }
    let held = false;
    try {
      const own = await handle.stat();
      if (!own.isFile()) throw new SerializationError(`${where}: ${path} is not a regular file: remove it to save here`);
      held = binding.tryLockFile(handle.fd);
      if (held) {
        // Locked: it counts only if the name still belongs to this file (a holder removes it when done).
        const named = await lstat(path).catch(() => null);
        if (named !== null && named.ino === own.ino && named.dev === own.dev) return handle;
      }
    } catch (error) {
      await handle.close();
      throw error instanceof SerializationError ? error : lockError(where, path, error);
    }
    await handle.close();
    if (!held) await new Promise((resolve) => setTimeout(resolve, poll));
  }
}

/**
 * Runs `work` holding the lock of `folder` (a real path), waiting for a save of another process (or
 * of this one) to finish first.
 */
export async function withFolderLock<T>(where: string, folder: string, work: () => Promise<T>): Promise<T> {
  const path = join(folder, LOCK_FILE);
  const handle = await acquire(where, path);
  try {
    return await work();
  } finally {
    // Windows cannot remove a file that is open; there the lock file stays, unlocked.
    if (process.platform !== 'win32') await unlink(path).catch(() => {});
    try {
      binding.unlockFile(handle.fd);
    } catch {
      // Closing the file releases the lock too.
    }
    await handle.close();
  }
}
