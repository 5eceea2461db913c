// Joining the summary files of a folder run's shards (`--shard i/n` on a cluster) into the file an
// unsharded run would have written: the rows of every shard, p-values adjusted again over all of
// them. Pure: the caller reads and validates the files, copies their `images/` folders and
// rewrites the rows' paths; this checks that the shards belong together and does the numbers.
import {
  FOLDER_FILE_VERSION,
  FOLDER_LIMITS,
  type FolderFile,
  type ShardRecord,
} from './folderFile';
import { settingsDifference, summarize } from './folderSummary';

/** Shards that cannot be joined: the message says which, why, and what to give instead. */
export class FolderMergeError extends Error {
  override readonly name = 'FolderMergeError';
}

/** "shard 2/3". */
function shardName(shard: ShardRecord): string {
  return `shard ${shard.index}/${shard.count}`;
}

/**
 * The folder file of the whole run from the files of all its shards, in any order: shard null,
 * `merged` the shards in index order, the rows of all of them sorted and summarized again, so the
 * numbers equal those of one unsharded run over the same images. Throws FolderMergeError when a
 * file is not a shard, the shards were made with different settings or of a different folder, a
 * shard is missing or given twice, a shard stopped before it finished its images, or an image is
 * in two shards. A shard that had no images (more shards than images) joins as it is.
 */
export function mergeFolderFiles(files: readonly FolderFile[], now = new Date()): FolderFile {
  const shards = files.map((file, i) => {
    if (file.shard === null) {
      throw new FolderMergeError(
        `File ${i + 1} of ${files.length} is not a shard (it was made of the whole folder${file.merged.length > 0 ? ', by an earlier merge' : ''}): give only the output folders of runs made with --shard i/n.`,
      );
    }
    return { file, shard: file.shard, name: shardName(file.shard) };
  });
  const [first] = shards;
  if (first === undefined) {
    throw new FolderMergeError('Nothing to merge: give the output folder of every shard.');
  }
  const { count } = first.shard;
  for (const { name, shard } of shards) {
    if (shard.count !== count) {
      throw new FolderMergeError(
        `${name} and ${first.name} split the folder into different numbers of shards: give the shards of one run (the same --shard i/n count).`,
      );
    }
  }
  const byIndex = [...shards].sort((a, b) => a.shard.index - b.shard.index);
  byIndex.forEach(({ name, shard }, i) => {
    if (byIndex[i - 1]?.shard.index === shard.index) {
      throw new FolderMergeError(
        `${name} is given twice: give the output folder of each shard once.`,
      );
    }
  });
  // Sorted, distinct and each within 1..count: the k-th is shard k unless one is missing.
  byIndex.forEach(({ shard }, i) => {
    if (shard.index !== i + 1) {
      throw new FolderMergeError(
        `shard ${i + 1}/${count} is missing: give the output folder of every shard.`,
      );
    }
  });
  if (byIndex.length < count) {
    throw new FolderMergeError(
      `shard ${byIndex.length + 1}/${count} is missing: give the output folder of every shard.`,
    );
  }
  const base = byIndex[0] ?? first;
  const strengths = firstGiven(byIndex, (f) => f.strengths);
  const labels = firstGiven(byIndex, (f) => f.labels);
  for (const { file, name } of byIndex.slice(1)) {
    const difference = settingsDifference(base.file.settings, file.settings, [
      `in ${base.name}`,
      `in ${name}`,
    ]);
    if (difference !== null) {
      throw new FolderMergeError(
        `${base.name} and ${name} were made with different settings (${difference}): give the shards of one run, or run the shards again with the same options.`,
      );
    }
    const agree = (what: string, x: unknown, y: unknown): void => {
      if (JSON.stringify(x) !== JSON.stringify(y)) {
        throw new FolderMergeError(
          `${base.name} and ${name} are not shards of one run (${what}: ${short(x)} in ${base.name}, ${short(y)} in ${name}): give the output folders of the shards of one run.`,
        );
      }
    };
    agree('folder', base.file.folder, file.folder);
    agree('recursive', base.file.recursive, file.recursive);
    agree('limit', base.file.limit, file.limit);
    // Equal settings make equal paths and classes; these guard files edited by hand. A shard
    // that measured no image may have neither.
    if (file.strengths.length > 0) agree('strengths', strengths, file.strengths);
    if (file.labels.length > 0) agree('class names', labels, file.labels);
  }
  // A run lists at most FOLDER_LIMITS.rows images (the folder listing refuses more): shards that
  // list more together are not one run's, and their merged summary could not be opened again.
  const listed = byIndex.reduce((sum, { file }) => sum + file.listed, 0);
  if (listed > FOLDER_LIMITS.rows) {
    throw new FolderMergeError(
      `the shards list ${listed.toLocaleString('en-US')} images together, more than the ${FOLDER_LIMITS.rows.toLocaleString('en-US')} a folder run takes, so they are not the shards of one run: give the output folders of the shards of one run.`,
    );
  }
  // Checked after the shards are known to be one run's: a stopped shard of another run is refused
  // for that first.
  for (const { file, name } of byIndex) {
    if (file.rows.length < file.listed) {
      throw new FolderMergeError(
        `${name} stopped after ${file.rows.length} of ${file.listed} images: run its command again to finish it (the finished images are not recomputed), then merge.`,
      );
    }
  }
  const seen = new Map<string, string>();
  for (const { file, name } of byIndex) {
    for (const row of file.rows) {
      const other = seen.get(row.image);
      if (other !== undefined) {
        throw new FolderMergeError(
          `${row.image} is in ${other} and in ${name}: the shards overlap, so they are not the shards of one run. Give the shards of one run.`,
        );
      }
      seen.set(row.image, name);
    }
  }
  const { rows, summary } = summarize(
    base.file.settings,
    byIndex.flatMap(({ file }) => file.rows),
  );
  return {
    propsweep_folder: FOLDER_FILE_VERSION,
    created: now.toISOString(),
    folder: base.file.folder,
    recursive: base.file.recursive,
    limit: base.file.limit,
    shard: null,
    merged: byIndex.map(({ shard }) => shard),
    listed,
    settings: base.file.settings,
    strengths,
    labels,
    rows,
    summary,
  };
}

/** The first non-empty value of the shards (a shard that measured no image may have none). */
function firstGiven<T>(
  shards: readonly { readonly file: FolderFile }[],
  field: (f: FolderFile) => readonly T[],
): readonly T[] {
  return shards.map(({ file }) => field(file)).find((x) => x.length > 0) ?? [];
}

/** A value in a message, cut short: class names may be a hundred thousand. */
function short(x: unknown): string {
  const text = JSON.stringify(x);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
