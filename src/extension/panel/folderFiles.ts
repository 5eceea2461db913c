// Reading a folder run to show it. The summary file may come from anyone (a pull request, a
// cluster's shard): it is read bounded and validated (parseFolderFile), and the files its rows name
// are used only when they are regular files inside the summary's own folder: a thumbnail that is a
// symlink, a folder or lies outside is not shown, and a row's result opens only from inside.
import { lstat, realpath } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

import {
  FOLDER_LIMITS,
  FolderFileError,
  parseFolderFile,
  type FolderFile,
} from '../../shared/folderFile';
import { isWithin, readRegularText, UnreadableFileError } from '../files/boundedFiles';
import { FILE_CONCURRENCY, mapLimited } from '../store/limited';

/** A folder run read from disk, with the thumbnails that may be shown. */
export interface LoadedFolder {
  /** The summary file (absolute). */
  readonly path: string;
  /** Its folder's real path: thumbnails and results are inside it, and the webview may load it. */
  readonly folder: string;
  readonly file: FolderFile;
  /** Per row: its thumbnail's absolute path when it is a regular file inside the folder, else null. */
  readonly thumbnails: readonly (string | null)[];
}

/** A folder run that cannot be shown; the message names the file and what is wrong. */
export class FolderLoadError extends Error {
  override readonly name = 'FolderLoadError';
}

/** Reads and validates the summary at `path`, and checks every row's thumbnail. */
export async function loadFolderRun(path: string): Promise<LoadedFolder> {
  const absolute = resolve(path);
  let file: FolderFile;
  try {
    file = parseFolderFile(await readRegularText(absolute, FOLDER_LIMITS.bytes));
  } catch (error) {
    if (error instanceof FolderFileError || error instanceof UnreadableFileError)
      throw new FolderLoadError(`${absolute} cannot be shown: ${error.message}.`);
    throw error;
  }
  const folder = await realpath(dirname(absolute));
  const thumbnails = await mapLimited(file.rows, FILE_CONCURRENCY, (row) =>
    row.thumbnail === null ? Promise.resolve(null) : fileInside(folder, row.thumbnail),
  );
  return { path: absolute, folder, file, thumbnails };
}

/**
 * The absolute path of `relative` under `folder` (a real path) when it is a regular file there,
 * reached without a symlink anywhere on the way; else null.
 */
export async function fileInside(folder: string, relative: string): Promise<string | null> {
  const path = resolve(folder, relative);
  if (!isWithin(folder, path)) return null;
  try {
    const info = await lstat(path);
    if (!info.isFile()) return null;
    // A symlinked folder on the way would lead elsewhere: the real path must be the same path.
    return (await realpath(path)) === path ? path : null;
  } catch {
    return null;
  }
}

/**
 * The result file of row `row` of `loaded`, when it is a regular file inside the summary's folder;
 * throws a FolderLoadError saying why not.
 */
export async function rowResultPath(loaded: LoadedFolder, row: number): Promise<string> {
  const r = loaded.file.rows[row];
  if (r === undefined) throw new FolderLoadError(`the folder run has no image ${row + 1}.`);
  if (r.status !== 'done' || r.result_file === null)
    throw new FolderLoadError(
      `${r.image} has no result: it was ${r.status}${r.reason === null ? '' : ` (${r.reason})`}.`,
    );
  const path = await fileInside(loaded.folder, r.result_file);
  if (path === null)
    throw new FolderLoadError(
      `the result of ${r.image} (${r.result_file}) is missing, or not a file inside the folder run's folder.`,
    );
  return path;
}
