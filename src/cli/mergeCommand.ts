// `propsweep merge`: joins the output folders of `explain-folder --shard i/n` runs (the tasks of a
// cluster array job) into the folder and summary one unsharded run would have written.
import { parseArgs } from 'node:util';

import { mergeFolders } from '../extension/store/mergeFolders';
import { UsageError } from './args';
import { folderJson, folderTable } from './folderOutput';

/** Help text of `propsweep merge`. */
export const MERGE_HELP = `Usage: propsweep merge DIR... --out DIR [--json]

Joins the output folders of the shards of one explain-folder run (--shard 1/N ... N/N, for
example the tasks of a Slurm array job or a Kubernetes Indexed Job) into one: every image's
result folder copied into OUT/images/, and one summary with the same numbers as a run over the
whole folder (p adjusted over all images after the merge).

  DIR...                the --out folder of every shard, in any order
  --out DIR             where the merged NAME.propsweep-folder.json and images/ go: a new or empty
                        folder (or that of an earlier merge of the same run, which is replaced)
  --json                print the same JSON as explain-folder --json instead of a table

Refused (exit code 2): shards made with other settings, of another folder or another shard
count; a shard missing or given twice; a shard stopped before it finished its images (run its
command again first: it resumes); a file that is not a valid summary. A shard that had no images
(more shards than images) joins as it is.

Exit codes: 0 done, 2 bad input or usage, 1 internal error.`;

const OPTIONS = {
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The shard folders, --out and --json of `propsweep merge`. */
export function mergeArgs(argv: string[]): { dirs: string[]; out: string; json: boolean } | 'help' {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(
      `${error instanceof Error ? error.message : String(error)} (see: propsweep merge --help)`,
    );
  }
  const { values, positionals } = parsed;
  if (values.help === true) return 'help';
  if (positionals.length === 0) {
    throw new UsageError(
      'merge needs the output folder of every shard: propsweep merge DIR... --out DIR.',
    );
  }
  if (values.out === undefined || values.out === '')
    throw new UsageError('merge needs --out DIR, a new or empty folder for the merged run.');
  return { dirs: positionals, out: values.out, json: values.json === true };
}

/** Runs `propsweep merge`; returns the text to print. */
export async function mergeCommand(argv: string[]): Promise<string> {
  const parsed = mergeArgs(argv);
  if (parsed === 'help') return MERGE_HELP;
  const { summaryPath, file } = await mergeFolders(parsed.dirs, parsed.out);
  return parsed.json
    ? JSON.stringify(folderJson(file, summaryPath), null, 2)
    : folderTable(file, summaryPath, 'propsweep merge');
}
