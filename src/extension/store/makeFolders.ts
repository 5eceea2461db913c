import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

import { storageError } from './errors';

/**
 * Creates `folder` and its missing parents, one level at a time from the root down, instead of
 * node's `mkdir(path, { recursive: true })`, which never settles on some file systems (/proc).
 * A folder that exists on the way is fine; anything else is final, mapped through storageError
 * (naming `folder`). Returns the first folder it created (undefined when `folder` existed).
 */
export async function makeFolders(folder: string): Promise<string | undefined> {
  const chain: string[] = [];
  for (let p = resolve(folder); dirname(p) !== p; p = dirname(p)) chain.unshift(p);
  let created: string | undefined;
  for (const [i, path] of chain.entries()) {
    try {
      await mkdir(path);
      created ??= path;
    } catch (error) {
      // EEXIST, or on some file systems EACCES/EROFS for a folder that exists in a parent one
      // cannot write: either way a folder that is there is what was wanted.
      if ((await stat(path).catch(() => undefined))?.isDirectory() === true) continue;
      // A file or a dangling link on the way: the next level's error (ENOTDIR, ENOENT) says so.
      const last = i === chain.length - 1;
      if (!last && (error as { code?: unknown }).code === 'EEXIST') continue;
      throw storageError(error, folder) ?? error;
    }
  }
  return created;
}
