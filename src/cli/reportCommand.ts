// `propsweep report`: a saved result rendered again for CI and for reviewers without VS Code, with
// exactly the checks the panel applies (the same loader, the same normalisation, the same exports).
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { isWithin } from '../extension/files/boundedFiles';
import { pngDataUris, pngFileDataUri } from '../extension/share/dataUris';
import { markdownSnippet } from '../extension/share/markdown';
import { PngError } from '../extension/share/pngCheck';
import { renderReport } from '../extension/share/reportHtml';
import { writeAtomic } from '../extension/store/atomic';
import { storageError } from '../extension/store/errors';
import { loadResult, portable, ResultFileError, staleModels } from '../extension/store/resultFiles';
import { UsageError } from './args';
import { terminalText } from './terminal';

/** Help text of `propsweep report`. */
export const REPORT_HELP = `Usage: propsweep report NAME.propsweep.json [--html FILE] [--markdown FILE] [--root DIR]

Renders a saved result again, after the checks the VS Code panel applies to a result from
someone else: its frames must be PNG images that decode, inside its own NAME.frames folder; the
image and model paths it names are followed only inside DIR, and only to regular files.

Options:
  --html FILE       write the self-contained HTML report to FILE
  --markdown FILE   write the Markdown summary (for a pull-request comment) to FILE, with links
                    to the first and last frame relative to FILE
                    (FILE and the --markdown file must not be the result, a file in its
                    NAME.frames folder, or a folder, device or pipe; an existing file is replaced)
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
  const outputs = [
    { option: '--html', given: values.html },
    { option: '--markdown', given: values.markdown },
  ].filter((o): o is { option: string; given: string } => o.given !== undefined);
  const targets: string[] = [];
  for (const { option, given } of outputs) {
    const target = await checkOutput(resolve(cwd, given), loaded, `${option} ${given}`);
    if (targets.includes(target))
      throw new UsageError(`--html and --markdown name the same file ${given}; give two files.`);
    targets.push(target);
  }
  for (const check of await staleModels(path, loaded.result, loaded.roots))
    warn(
      // The model's name and path are the result's: written as terminalText shows them.
      `propsweep: model ${terminalText(check.model)}: ${check.kind === 'stale' ? 'stale: ' : ''}${terminalText(check.reason)}`,
    );
  const markdownFor = (folder: string): string => {
    const link = (k: number): string => portable(folder, loaded.framePaths[k] ?? '');
    const source = loaded.sizedSourcePath;
    return markdownSnippet(loaded.result, {
      first: link(0),
      last: link(loaded.framePaths.length - 1),
      ...(source === null ? {} : { source: portable(folder, source) }),
    });
  };
  if (values.html === undefined && values.markdown === undefined) return markdownFor(cwd);
  const written: string[] = [];
  if (values.html !== undefined) {
    const target = resolve(cwd, values.html);
    const { editor, image } = loaded.result;
    const title = `PropSweep: ${basename(image.path) || basename(path)} (${editor.title})`;
    let uris: string[];
    let sourceUri = '';
    try {
      uris = await pngDataUris(loaded.framePaths);
      if (loaded.sizedSourcePath !== null) sourceUri = await pngFileDataUri(loaded.sizedSourcePath);
    } catch (error) {
      // A frame (or the source beside them) changed on disk since it was checked.
      if (error instanceof PngError) throw new UsageError(error.message);
      throw error;
    }
    await write(
      target,
      renderReport(title, [{ title, result: loaded.result, frameUris: uris, sourceUri }]),
    );
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

/**
 * The real path an output would be written to, after refusing one that would destroy what the
 * report is made from (the result, its frames) or that writeAtomic's rename would replace with a
 * regular file (a folder, a device such as /dev/null, a FIFO, a socket).
 */
async function checkOutput(
  target: string,
  loaded: { path: string; framesDir: string },
  what: string,
): Promise<string> {
  const info = await stat(target).catch(() => undefined);
  if (info !== undefined && !info.isFile())
    throw new UsageError(
      `${what} is ${info.isDirectory() ? 'a folder' : 'not a regular file (a device, a pipe or a socket)'}; writing would replace it. Give the path of a new or regular file.`,
    );
  // A new file: its folder's real path, so a symlinked folder cannot hide the frames folder.
  const real =
    info !== undefined
      ? await realpath(target)
      : join(await realpath(dirname(target)).catch(() => dirname(target)), basename(target));
  if (real === (await realpath(loaded.path)))
    throw new UsageError(
      `${what} is the result being rendered; writing would destroy it. Give another file name.`,
    );
  if (isWithin(loaded.framesDir, real))
    throw new UsageError(
      `${what} is inside the result's frames folder ${loaded.framesDir}, which holds only its frames. Write the report elsewhere.`,
    );
  return real;
}

/**
 * Writes an output; a failure the user can fix says why in storageError's words (a full disk, a
 * file in the path), any other failure with a code the generic line.
 */
async function write(target: string, contents: string): Promise<void> {
  try {
    await writeAtomic(target, contents);
  } catch (error) {
    const known = storageError(error, dirname(target));
    if (known !== undefined) throw new UsageError(known.message);
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string') throw error;
    throw new UsageError(
      `cannot write ${target} (${code}). Choose a file in a folder you can write to.`,
    );
  }
}
