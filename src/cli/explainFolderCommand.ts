// `propsweep explain-folder`: the same edit, path and classifiers as `explain`, over every image
// of a folder (or a deterministic share of it, for one task of a cluster array job), with the
// dataset-level answer: per classifier the EPGM distribution and how often images are significant
// or flip. The explain flags pass through runSettings; the run is the child's explainFolder.
import { basename, join, resolve } from 'node:path';

import { pruneCache } from '../extension/store/frameCache';
import type { ExplainFolderRun } from '../shared/childProtocol';
import type { ShardRecord } from '../shared/folderFile';
import { resultName, resultNameProblem } from '../shared/names';
import { MAX_SHARDS, shardProblem } from '../shared/shard';
import { numberFlag, parse, UsageError } from './args';
import { EXPLAIN_OPTIONS, requiredFlag, runSettings, runWithProgress } from './explainCommand';
import { countsLine, folderJson, folderTable } from './folderOutput';
import { ProgressBar } from './progress';

/** Help text of `propsweep explain-folder`. */
export const EXPLAIN_FOLDER_HELP = `Usage: propsweep explain-folder --folder DIR --editor ID (--model A.onnx | --model-command CMD | --clip-model DIR ...) [options]

Explains every image in DIR with the same edit and classifiers, as "propsweep explain" explains
one, and answers for the whole set: per classifier the EPGM median and quartiles, and how many
images are significant (p adjusted over the images) and how many flip, with 95% intervals.

Folder:
  --folder DIR          the images (.png, .jpg, .jpeg, .webp, .bmp); a masked editor's mask of
                        NAME.png is NAME.mask.png beside it (an image without one is skipped)
  --recursive           also the images in subfolders (hidden and linked folders are not entered)
  --limit N             only the first N images by path
  --shard I/N           only share I of N (I from 1 to N): every image whose position in path
                        order, counted from 0, leaves I-1 when divided by N. For a cluster array
                        job: each task runs one share into its own --out, then "propsweep merge"
  --adjust holm|bh      how p is adjusted over the images per classifier (default holm)
  --out DIR             where NAME.propsweep-folder.json and images/ go (default
                        propsweep-out/NAME, or propsweep-out/NAME-shard-I-of-N)
  --name NAME           summary file name stem (default <folder>-<editor>)

Every option of "propsweep explain" for the edit, the measure, the classifiers, the cache and the
provider works the same (--param, --steps, --permutations, --seed, --seeds, --alpha, --legacy,
--cache, --cache-max-mb, --provider, --device-id, preprocessing, ...): see propsweep explain
--help. Each image's result is written into DIR/images/<image>/ as explain writes it.

Resume: a run stopped by Ctrl-C, a crash or a lost node keeps every finished image; the same
command again (same --out, same settings) computes only the rest. Other settings, or other
images (another --shard, --limit, --recursive or folder), into the same --out are refused: give
each shard its own --out. A shard of a folder with fewer images than shards has none: it writes
an empty summary, which merges with the others.

Output: a table, or with --json {"images": [{"image", "status", "result_file", "reason",
"resumed", "models": [{"model", "epgm", "p_value", "p_adjusted", "significant", "flips"}]}],
"summary": {"images", "done", "skipped", "failed", "resumed", "models": [...], "summary_file"}}.

Exit codes: 0 done (images that failed or were skipped are listed), 2 bad input or usage,
1 internal error, 130 cancelled (the finished images are kept).`;

/** explain's flags, and those of the folder. */
const FOLDER_OPTIONS = {
  ...EXPLAIN_OPTIONS,
  folder: { type: 'string' },
  recursive: { type: 'boolean' },
  limit: { type: 'string' },
  shard: { type: 'string' },
  adjust: { type: 'string' },
} as const;

/** Turns explain-folder's flags into a request for the inference child. */
export function explainFolderRequest(
  argv: string[],
): { request: Omit<ExplainFolderRun, 'type'>; json: boolean; cacheMaxMB: number } | 'help' {
  const { values } = parse(argv, FOLDER_OPTIONS, 'explain-folder');
  if (values.help === true) return 'help';
  if (values.image !== undefined) {
    throw new UsageError(
      'explain-folder takes --folder DIR, not --image: every image in the folder is explained (for one image, use propsweep explain).',
    );
  }
  if (values.mask !== undefined) {
    throw new UsageError(
      'explain-folder takes no --mask: the mask of each image NAME.png is NAME.mask.png beside it.',
    );
  }
  const folder = requiredFlag(values.folder, '--folder DIR', 'explain-folder');
  const editor = requiredFlag(values.editor, '--editor ID', 'explain-folder');
  const limit = numberFlag(values.limit, 'limit', true) ?? null;
  if (limit !== null && limit < 1)
    throw new UsageError(`--limit must be at least 1 (images to take), got ${limit}.`);
  const shard = values.shard === undefined ? null : parseShard(values.shard);
  const adjustment = values.adjust ?? 'holm';
  if (adjustment !== 'holm' && adjustment !== 'bh') {
    throw new UsageError(
      `--adjust must be holm or bh (p over many images is always adjusted), got "${adjustment}".`,
    );
  }
  // resultName drops what it takes for an extension; a folder has none.
  const name = values.name ?? resultName(`${basename(resolve(folder))}.folder`, editor);
  const badName = resultNameProblem(name);
  if (badName !== null)
    throw new UsageError(`--name "${name}" cannot name a summary file: ${badName}.`);
  const { settings, json, cacheMaxMB } = runSettings(values, editor);
  const defaultOut = shard === null ? name : `${name}-shard-${shard.index}-of-${shard.count}`;
  const request: Omit<ExplainFolderRun, 'type'> = {
    ...settings,
    folder: resolve(folder),
    recursive: values.recursive === true,
    limit,
    shard,
    adjustment,
    name,
    outDir: resolve(values.out ?? join('propsweep-out', defaultOut)),
  };
  return { request, json, cacheMaxMB };
}

/** `--shard I/N`: this task's share, I from 1 to N. */
export function parseShard(text: string): ShardRecord {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const shard = { index: Number(match?.[1]), count: Number(match?.[2]) };
  if (match === null || shardProblem(shard) !== null) {
    throw new UsageError(
      `--shard must be I/N with 1 <= I <= N <= ${MAX_SHARDS} (share I of N, e.g. --shard 2/8 or --shard $SLURM_ARRAY_TASK_ID/8), got "${text}".`,
    );
  }
  return shard;
}

/**
 * Runs `propsweep explain-folder` in the inference child; prints the table or the JSON and
 * returns the exit code (130 after Ctrl-C, with how to resume).
 */
export async function explainFolderCommand(
  argv: string[],
  childPath: string,
  print: (text: string) => void,
): Promise<number> {
  const parsed = explainFolderRequest(argv);
  if (parsed === 'help') {
    print(EXPLAIN_FOLDER_HELP);
    return 0;
  }
  const { request, json, cacheMaxMB } = parsed;
  // In a log (a cluster job's), a line per image: an image's own steps would bury them.
  const bar = new ProgressBar(process.stderr, 'item');
  try {
    const value = await runWithProgress(childPath, bar, (child, options) =>
      child.explainFolder(request, options),
    );
    await pruneCache(request.cacheDir, cacheMaxMB);
    // The table says it too; with --json, a log line says why a shard's answer is empty.
    if (json && value.file.listed === 0)
      process.stderr.write(`propsweep: note: ${countsLine(value.file)}\n`);
    print(
      json
        ? JSON.stringify(folderJson(value.file, value.summaryPath), null, 2)
        : folderTable(value.file, value.summaryPath, 'propsweep explain-folder'),
    );
    return 0;
  } catch (error) {
    if (!(error instanceof DOMException && error.name === 'AbortError')) throw error;
    // The child stopped between images and wrote the summary of those that were done.
    process.stderr.write(
      `propsweep: cancelled; the finished images are kept in ${request.outDir}. Run the same command again to finish the rest (they are not recomputed).\n`,
    );
    return 130;
  }
}
