import { dirname } from 'node:path';

/**
 * A folder propsweep cannot write its files into (an output folder that is read-only, on a full
 * disk or under a file; a cache folder that holds files propsweep did not make). The message
 * names the folder, says what happened and what to do; the CLI exits 2 with it.
 */
export class StoreInputError extends Error {
  override readonly name = 'StoreInputError';
}

/** Why a write failed, for the codes that are the user's to fix (not propsweep's). */
const REASONS: Readonly<Record<string, { what: string; todo: string }>> = {
  ENOSPC: {
    what: 'there is no space left on the disk',
    todo: 'Free some space, or choose a folder on another disk',
  },
  EDQUOT: {
    what: 'the disk quota is used up',
    todo: 'Free some space, or choose a folder on another disk',
  },
  EACCES: { what: 'permission denied', todo: 'Choose a folder you can write to' },
  EPERM: { what: 'the operation is not permitted', todo: 'Choose a folder you can write to' },
  EROFS: { what: 'the file system is read-only', todo: 'Choose a folder you can write to' },
  ENOTDIR: {
    what: 'a part of the path is a file, not a folder',
    todo: 'Choose a folder path that does not go through a file',
  },
  EEXIST: {
    what: 'a file of that name is in the way',
    todo: 'Choose a folder path that does not go through a file',
  },
};

/**
 * The user error for a failed write in `folder` (a full disk, a read-only or foreign folder), or
 * undefined when the error is not one the user can fix (then it stays an internal error).
 */
export function storageError(error: unknown, folder: string): StoreInputError | undefined {
  if (error instanceof StoreInputError) return error;
  const { code, path } = (error ?? {}) as { code?: unknown; path?: unknown };
  const reason = typeof code === 'string' ? REASONS[code] : undefined;
  if (reason === undefined) return undefined;
  // The folder the failing call wrote into names the disk better than the run's folder does.
  const where = typeof path === 'string' && !path.startsWith(folder) ? dirname(path) : folder;
  return new StoreInputError(
    `Cannot write to ${where}: ${reason.what} (${String(code)}). ${reason.todo}, then run again.`,
  );
}
