// `propsweep merge`: the output folders of a folder run's shards (from a cluster's array job) into
// one folder, as an unsharded run would have written it: every shard's image folders copied into
// OUT/images/, the summary merged (p adjusted over all images) and written last, atomically. The
// shard files come from other machines: each is read bounded and validated, and every folder it
// names is checked to lie inside its own shard folder before anything is copied from it. A shard
// stopped before it finished says so itself (its rows fewer than the images it listed): the
// merge refuses it without the images' folder, which need not be on this machine.
import { createHash } from 'node:crypto';
import { cp, lstat, readdir, realpath, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { isWithin, readRegularText, UnreadableFileError } from '../files/boundedFiles';
import {
  FOLDER_FILE_SUFFIX,
  FOLDER_LIMITS,
  FolderFileError,
  parseFolderFile,
  type FolderFile,
  type FolderImageRow,
} from '../../shared/folderFile';
import { mergeFolderFiles } from '../../shared/folderMerge';
import { settingsKey } from '../../shared/folderSummary';
import { stableStringify } from '../../shared/resultFile';
import { writeAtomic } from './atomic';
import { storageError, StoreInputError } from './errors';
import { FILE_CONCURRENCY, mapLimited } from './limited';
import { checkWritable } from './outputFolder';
import { portable } from './resultFiles';

/** What merge wrote. */
export interface MergedFolders {
  /** The merged summary file (absolute). */
  readonly summaryPath: string;
  readonly file: FolderFile;
}

/** One shard's folder and its validated summary file. */
interface Shard {
  readonly dir: string;
  readonly path: string;
  readonly file: FolderFile;
}

/**
 * Merges the shard folders `dirs` into `outDir`; throws FolderFileError for a shard folder without
 * a valid summary, FolderMergeError for shards that do not belong together, StoreInputError for an
 * --out that holds another run or cannot be written.
 */
export async function mergeFolders(
  dirs: readonly string[],
  outDir: string,
): Promise<MergedFolders> {
  const out = resolve(outDir);
  const shards = await Promise.all(dirs.map((dir) => readShard(resolve(dir))));
  for (const shard of shards) {
    if (isWithin(shard.dir, out) || isWithin(out, shard.dir)) {
      throw new StoreInputError(
        `--out ${out} overlaps the shard folder ${shard.dir}: give a new folder outside every shard's.`,
      );
    }
  }
  // Each shard names the folder relative to itself; the same folder, wherever the shards are.
  const merged = mergeFolderFiles(
    shards.map((s) => ({ ...s.file, folder: resolve(s.dir, s.file.folder) })),
  );
  const name = (shards[0]?.path.split(/[\\/]/).at(-1) ?? '').slice(0, -FOLDER_FILE_SUFFIX.length);
  const sources = new Map<string, { shard: Shard; row: FolderImageRow }>();
  for (const shard of shards)
    for (const row of shard.file.rows) sources.set(row.image, { shard, row });
  const keys = new Set<string>();
  const placed = merged.rows.map((row) => {
    const source = sources.get(row.image);
    if (source === undefined || row.result_file === null) return { row, copy: undefined };
    const from = imageKey(source.row, source.shard);
    const key = uniqueKey(from, row.image, keys);
    const thumbnail = row.thumbnail === null ? null : rekey(row.thumbnail, key);
    return {
      row: { ...row, result_file: rekey(row.result_file, key), thumbnail },
      copy: {
        shard: source.shard,
        from,
        resultFile: row.result_file,
        to: join(out, 'images', key),
      },
    };
  });
  const file: FolderFile = {
    ...merged,
    folder: portable(out, merged.folder),
    rows: placed.map((p) => p.row),
  };
  const text = stableStringify(file);
  const tooLarge = mergedSizeProblem(Buffer.byteLength(text), file.rows.length);
  if (tooLarge !== null) throw new FolderFileError(tooLarge);
  await prepareOut(out, merged);
  try {
    await mapLimited(placed, FILE_CONCURRENCY, async ({ copy }) => {
      if (copy !== undefined)
        await copyImageFolder(copy.shard, copy.from, copy.resultFile, copy.to);
    });
    const summaryPath = join(out, `${name}${FOLDER_FILE_SUFFIX}`);
    await writeAtomic(summaryPath, text);
    return { summaryPath, file };
  } catch (error) {
    throw storageError(error, out) ?? error;
  }
}

/** A shard folder's one summary file, read bounded and validated. */
async function readShard(dir: string): Promise<Shard> {
  const info = await stat(dir).catch(() => undefined);
  if (info?.isDirectory() !== true) {
    throw new FolderFileError(
      `${dir} is not a folder: give the --out folder of each explain-folder --shard run.`,
    );
  }
  const names = (await readdir(dir)).filter((n) => n.endsWith(FOLDER_FILE_SUFFIX));
  if (names.length !== 1) {
    throw new FolderFileError(
      names.length === 0
        ? `${dir} holds no NAME${FOLDER_FILE_SUFFIX}: give the --out folder of each explain-folder --shard run (a run that has not finished any image has written none).`
        : `${dir} holds ${names.length} summary files (${names.join(', ')}): give folders that each hold one run's output.`,
    );
  }
  const path = join(dir, names[0] ?? '');
  let text: string;
  try {
    text = await readRegularText(path, FOLDER_LIMITS.bytes);
  } catch (error) {
    if (!(error instanceof UnreadableFileError)) throw error;
    throw new FolderFileError(`Cannot read ${path}: ${error.message}.`);
  }
  let file: FolderFile;
  try {
    file = parseFolderFile(text);
  } catch (error) {
    if (!(error instanceof FolderFileError)) throw error;
    throw new FolderFileError(`Cannot merge ${path}: ${error.message}.`);
  }
  return { dir, path, file };
}

/**
 * Why a merged summary of `bytes` bytes cannot be written, or null: one over FOLDER_LIMITS.bytes
 * could be written but never opened again, and shards each under the bound may together be over.
 */
export function mergedSizeProblem(bytes: number, images: number): string | null {
  if (bytes <= FOLDER_LIMITS.bytes) return null;
  const mib = (n: number): string => `${Math.ceil(n / (1024 * 1024)).toLocaleString('en-US')} MiB`;
  return `The merged summary of ${images.toLocaleString('en-US')} images would take ${mib(bytes)}, more than the ${mib(FOLDER_LIMITS.bytes)} a folder summary may have (it could not be opened again): keep the shards' outputs apart (each opens by itself), or run them again with fewer --steps or classifiers.`;
}

/**
 * Makes `out`, or accepts it when it exists empty or holding an earlier merge of the same
 * settings (whose summary and images are then replaced); refuses anything else.
 */
async function prepareOut(out: string, merged: FolderFile): Promise<void> {
  const entries = await readdir(out).catch((error: unknown) => {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw storageError(error, out) ?? error;
  });
  if (entries === undefined || entries.length === 0) {
    await checkWritable(out);
    return;
  }
  const summaries = entries.filter((n) => n.endsWith(FOLDER_FILE_SUFFIX));
  const previous =
    summaries.length === 1 ? await previousMerge(join(out, summaries[0] ?? '')) : undefined;
  const others = entries.filter((n) => n !== 'images' && !summaries.includes(n));
  if (previous === undefined || others.length > 0) {
    throw new StoreInputError(
      `--out ${out} already holds other files: give a new or empty folder (or the folder of an earlier merge of these shards).`,
    );
  }
  if (
    previous.merged.length === 0 ||
    settingsKey(previous.settings) !== settingsKey(merged.settings)
  ) {
    throw new StoreInputError(
      `--out ${out} already holds another run (${previous.merged.length === 0 ? 'not a merge' : 'other settings'}): give a new or empty folder.`,
    );
  }
  // The summary goes first: a merge cut short leaves no summary naming images that are gone.
  await rm(join(out, summaries[0] ?? ''), { force: true });
  await rm(join(out, 'images'), { recursive: true, force: true });
  await checkWritable(out);
}

/** The summary of an earlier merge in --out, or undefined when it is not a readable folder file. */
async function previousMerge(path: string): Promise<FolderFile | undefined> {
  try {
    return parseFolderFile(await readRegularText(path, FOLDER_LIMITS.bytes));
  } catch {
    return undefined;
  }
}

/**
 * The folder under `images/` that holds a done row's files: its result file's second segment,
 * which its thumbnail shares. The validator made both safe relative paths under images/.
 */
function imageKey(row: FolderImageRow, shard: Shard): string {
  const parts = (row.result_file ?? '').split('/');
  const key = parts[1] ?? '';
  const thumbnail = row.thumbnail?.split('/');
  if (
    parts[0] !== 'images' ||
    parts.length < 3 ||
    (thumbnail !== undefined && (thumbnail[0] !== 'images' || thumbnail[1] !== key))
  ) {
    throw new FolderFileError(
      `Cannot merge ${shard.path}: the files of ${row.image} are not in one folder under images/.`,
    );
  }
  return key;
}

/**
 * `key`, or when another shard's image took it (two paths made the same folder name), `key`
 * with a short digest of the image's path.
 */
function uniqueKey(key: string, image: string, taken: Set<string>): string {
  const digest = createHash('sha256').update(image).digest('hex');
  let unique = key;
  for (let n = 8; taken.has(unique); n += 4) {
    // Past the whole digest a count: a shard from elsewhere can have taken every length of it.
    unique = n <= digest.length ? `${key}-${digest.slice(0, n)}` : `${key}-${digest}-${n}`;
  }
  taken.add(unique);
  return unique;
}

/** A path images/<old>/rest as images/<key>/rest. */
function rekey(path: string, key: string): string {
  return ['images', key, ...path.split('/').slice(2)].join('/');
}

/**
 * Copies one image's folder, regular files and folders only: a link inside a shard (to
 * /etc/passwd, say) is neither followed nor copied. The folder must itself be a real folder
 * inside the shard's images/ (a folder, not a link), holding the row's result file, which no
 * link on its way leads to.
 */
async function copyImageFolder(
  shard: Shard,
  key: string,
  resultFile: string,
  to: string,
): Promise<void> {
  // images/ itself must be a folder of the shard, not a link that leads anywhere.
  const imagesInfo = await lstat(join(shard.dir, 'images')).catch(() => undefined);
  const images =
    imagesInfo?.isDirectory() === true ? await realpath(join(shard.dir, 'images')) : undefined;
  const from = join(shard.dir, 'images', key);
  const info = await lstat(from).catch(() => undefined);
  const real = info?.isDirectory() === true ? await realpath(from) : undefined;
  const resultPath = join(shard.dir, ...resultFile.split('/'));
  const result = await lstat(resultPath).catch(() => undefined);
  // The result file is where the copy puts it only when no folder on its way is a link, which
  // the copy would skip: its real path is then its path under the image's real folder.
  const resultReal = result?.isFile() === true ? await realpath(resultPath) : undefined;
  if (
    images === undefined ||
    real === undefined ||
    !isWithin(images, real) ||
    resultReal !== join(real, ...resultFile.split('/').slice(2))
  ) {
    throw new FolderFileError(
      `Cannot merge ${shard.path}: the result file ${resultFile} it names is missing or not a file inside ${shard.dir}; run that shard again.`,
    );
  }
  await cp(real, to, {
    recursive: true,
    errorOnExist: true,
    force: false,
    verbatimSymlinks: true,
    filter: async (path) => {
      const entry = await lstat(path);
      return entry.isFile() || entry.isDirectory();
    },
  });
}
