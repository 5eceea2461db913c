import { lstatSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';

import { isWithin } from '../files/boundedFiles';

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
 * A folder that cannot be made although its parent exists (makeFolders only ever makes a folder
 * in an existing one): a file system such as /proc that allows no new folders.
 */
const MKDIR_ENOENT = {
  what: 'the file system there does not allow new folders',
  todo: 'Choose a folder on an ordinary disk',
};

/**
 * The user error for a failed write in `folder` (a full disk, a read-only or foreign folder), or
 * undefined when the error is not one the user can fix (then it stays an internal error).
 */
export function storageError(error: unknown, folder: string): StoreInputError | undefined {
  if (error instanceof StoreInputError) return error;
  const { code, path, syscall } = (error ?? {}) as {
    code?: unknown;
    path?: unknown;
    syscall?: unknown;
  };
  if (typeof code !== 'string') return undefined;
  const link = typeof path === 'string' ? danglingLink(path) : undefined;
  if (link !== undefined && ['ENOENT', 'EEXIST', 'ENOTDIR'].includes(code)) {
    return new StoreInputError(
      `Cannot write to ${folder}: ${link.path} is a symbolic link to ${link.target}, which does not exist (${code}). Create the folder it points to, or choose another folder, then run again.`,
    );
  }
  const reason = code === 'ENOENT' && syscall === 'mkdir' ? MKDIR_ENOENT : REASONS[code];
  if (reason === undefined) return undefined;
  // The folder the failing call wrote into names the disk better than the run's folder does.
  const where = typeof path === 'string' && !isWithin(folder, path) ? dirname(path) : folder;
  return new StoreInputError(
    `Cannot write to ${where}: ${reason.what} (${code}). ${reason.todo}, then run again.`,
  );
}

/**
 * The symbolic link on `path` (it or a folder above it) that points at nothing, if any: a write
 * through it fails with ENOENT, EEXIST or ENOTDIR, whose usual meanings would mislead.
 */
function danglingLink(path: string): { path: string; target: string } | undefined {
  for (let p = path; ; p = dirname(p)) {
    const info = lstatOrUndefined(p);
    if (info !== undefined) {
      if (!info.isSymbolicLink() || statOrUndefined(p) !== undefined) return undefined;
      return { path: p, target: readlinkSync(p) };
    }
    if (dirname(p) === p) return undefined; // nothing on the path exists
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
