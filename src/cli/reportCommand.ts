// `propsweep report`: a saved result rendered again for CI and for reviewers without VS Code, with
// exactly the checks the panel applies (the same loader, the same normalisation, the same exports).
import { realpath } from 'node:fs/promises';
import { basename, dirname, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';

import { isWithin } from '../extension/share/boundedFiles';
import { pngDataUris } from '../extension/share/dataUris';
import { markdownSnippet } from '../extension/share/markdown';
import { PngError } from '../extension/share/pngCheck';
import { renderReport } from '../extension/share/reportHtml';
import { writeAtomic } from '../extension/store/atomic';
import { loadResult, ResultFileError, staleModels } from '../extension/store/resultFiles';
import { UsageError } from './args';

/** Help text of `propsweep report`. */
export const REPORT_HELP = `Usage: propsweep report NAME.propsweep.json [--html FILE] [--markdown FILE] [--root DIR]

Renders a saved result again, after the checks the VS Code panel applies to a result from
someone else: its frames must be PNG images that decode, inside its own NAME.frames folder; the
image and model paths it names are followed only inside DIR, and only to regular files.

Options:
  --html FILE       write the self-contained HTML report to FILE
  --markdown FILE   write the Markdown summary (for a pull-request comment) to FILE, with links
                    to the first and last frame relative to FILE
  --root DIR        the folder the result's image and model paths may point into (the
                    workspace); it must hold the result. Default: the current folder when it
                    holds the result, else the result's own folder
Without --html or --markdown, prints the Markdown summary (frame links relative to the current
folder). Models whose file changed since the result was made, or that cannot be checked, are
listed on standard error.

Exit codes: 0 done, 2 a result that cannot be shown (the message says why) or bad usage,
1 internal error.`;

const OPTIONS = {
  html: { type: 'string' },
  markdown: { type: 'string' },
  root: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Runs `propsweep report`; returns what to print. `warn` receives the stale-model lines, `cwd` is
 * the folder relative paths start from.
 */
export async function reportCommand(
  argv: string[],
  warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  cwd: string = process.cwd(),
): Promise<string> {
  const { values, positionals } = parseReportArgs(argv);
  if (values.help === true) return REPORT_HELP;
  if (positionals.length !== 1 || positionals[0] === undefined)
    throw new UsageError(
      `report takes one result file, got ${positionals.length} (see: propsweep report --help).`,
    );
  const path = resolve(cwd, positionals[0]);
  const root = await rootFor(path, values.root, cwd);
  let loaded;
  try {
    loaded = await loadResult(path, { roots: [root] });
  } catch (error) {
    if (error instanceof ResultFileError) throw new UsageError(error.message);
    throw error;
  }
  for (const check of await staleModels(path, loaded.result, loaded.roots))
    warn(
      `propsweep: model ${check.model}: ${check.kind === 'stale' ? 'stale: ' : ''}${check.reason}`,
    );
  const markdownFor = (folder: string): string => {
    const link = (k: number): string =>
      relative(folder, loaded.framePaths[k] ?? '')
        .split(sep)
        .join('/');
    return markdownSnippet(loaded.result, {
      first: link(0),
      last: link(loaded.framePaths.length - 1),
    });
  };
  if (values.html === undefined && values.markdown === undefined) return markdownFor(cwd);
  const written: string[] = [];
  if (values.html !== undefined) {
    const target = resolve(cwd, values.html);
    const { editor, image } = loaded.result;
    const title = `PropSweep: ${basename(image.path) || basename(path)} (${editor.title})`;
    let uris: string[];
    try {
      uris = await pngDataUris(loaded.framePaths);
    } catch (error) {
      // A frame changed on disk since it was checked.
      if (error instanceof PngError) throw new UsageError(error.message);
      throw error;
    }
    await write(target, renderReport(title, [{ title, result: loaded.result, frameUris: uris }]));
    written.push(`  report:   ${target}`);
  }
  if (values.markdown !== undefined) {
    const target = resolve(cwd, values.markdown);
    await write(target, markdownFor(dirname(target)));
    written.push(`  markdown: ${target}`);
  }
  return written.join('\n');
}

function parseReportArgs(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(
      `${error instanceof Error ? error.message : String(error)} (see: propsweep report --help)`,
    );
  }
}

/** The folder the result may reach into: --root, else the cwd when it holds the result. */
async function rootFor(path: string, given: string | undefined, cwd: string): Promise<string> {
  const folder = await realpath(dirname(path)).catch(() => {
    throw new UsageError(`${path} does not exist.`);
  });
  if (given === undefined) {
    const here = await realpath(cwd);
    return isWithin(here, folder) ? here : folder;
  }
  const root = await realpath(resolve(cwd, given)).catch(() => {
    throw new UsageError(`--root ${given} does not exist.`);
  });
  if (!isWithin(root, folder))
    throw new UsageError(
      `--root ${given} does not hold the result ${path}; give the workspace folder that holds it.`,
    );
  return root;
}

async function write(target: string, contents: string): Promise<void> {
  try {
    await writeAtomic(target, contents);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string') throw error;
    throw new UsageError(
      `cannot write ${target} (${code}). Choose a file in a folder you can write to.`,
    );
  }
}
