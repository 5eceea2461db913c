import { randomBytes } from 'node:crypto';
import { rmdirSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

import { storageError } from './errors';
import { makeFolders } from './makeFolders';

/** How to write a file (node's writeFile; a test injects a failing one). */
export type WriteFile = (path: string, data: string) => Promise<void>;

const nodeWrite: WriteFile = (path, data) => writeFile(path, data);

/**
 * Creates `folder` if needed and writes and removes a probe file in it, so that an output folder
 * that cannot be written fails before the work instead of after it. Throws StoreInputError for
 * what the user can fix (read-only, permission, a file in the path, a full disk). Returns the
 * first folder it had to create (undefined when `folder` existed), for removeCreated.
 */
export async function checkWritable(
  folder: string,
  write: WriteFile = nodeWrite,
): Promise<string | undefined> {
  let created: string | undefined;
  try {
    created = await makeFolders(folder);
    await probeWrite(folder, write);
    return created;
  } catch (error) {
    if (created !== undefined) await removeCreated(folder, created);
    throw storageError(error, folder) ?? error;
  }
}

/** Writes and removes a probe file in the existing `folder`; throws what the write threw. */
export async function probeWrite(folder: string, write: WriteFile = nodeWrite): Promise<void> {
  const probe = join(folder, `.propsweep-probe-${randomBytes(6).toString('hex')}.tmp`);
  try {
    await write(probe, 'propsweep checks that it can write here');
  } finally {
    await rm(probe, { force: true });
  }
}

/**
 * Removes `folder` and its parents up to `created` (see checkWritable), those that are empty.
 * A few rmdir calls on folders just made: the synchronous loop serves both callers.
 */
export function removeCreated(folder: string, created: string | undefined): Promise<void> {
  removeCreatedSync(folder, created);
  return Promise.resolve();
}

/** removeCreated, synchronously: for a process that is exiting (see cleanUpOnExit). */
export function removeCreatedSync(folder: string, created: string | undefined): void {
  if (created === undefined) return;
  const top = resolve(created);
  for (let dir = resolve(folder); ; dir = dirname(dir)) {
    try {
      rmdirSync(dir); // only an empty folder
    } catch {
      return;
    }
    if (dir === top || dirname(dir) === dir) return;
  }
}
