// propsweep's command line: the same engine the extension uses, without VS Code.
import { join } from 'node:path';

import { readBoundedStream } from '../extension/files/boundedFiles';
import { MeasureInputError } from '../extension/measures';
import { StoreInputError } from '../extension/store/errors';
import { FolderFileError } from '../shared/folderFile';
import { FolderMergeError } from '../shared/folderMerge';
import { UsageError } from './args';
import { ChildRunError, StoppedAtOnceError } from '../extension/inference/childClient';
import { demoCommand } from './demoCommand';
import { explainCommand } from './explainCommand';
import { explainFolderCommand } from './explainFolderCommand';
import { mergeCommand } from './mergeCommand';
import { measureCommand } from './measureCommand';
import { reportCommand } from './reportCommand';
import { terminalLines } from './terminal';
import { trackCommand } from './trackCommand';

const HELP = `Usage: propsweep <command> [options]

Commands:
  demo      explain the bundled demo images with the bundled classifiers
  explain   edit an image step by step, classify every step, measure (ONNX models)
  explain-folder
            the same over every image of a folder (or one shard of it): how often, how much
  merge     join the output folders of explain-folder --shard runs into one summary
  measure   EPGM, permutation test and flips of predictions along an intervention path
  report    render a saved NAME.propsweep.json again (HTML, Markdown) after the panel's checks
  track     one edited path through every checkpoint of a training run (--watch: new ones too)

Run "propsweep <command> --help" for the options of a command.`;

/**
 * Prints a command's output. Through terminalLines: it may quote files others wrote (the Markdown
 * of a result, the JSON of a folder run), and a control character in them must not act on the
 * terminal or the log; JSON keeps its data.
 */
function print(text: string): void {
  process.stdout.write(`${terminalLines(text)}\n`);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'measure':
      print(await measureCommand(rest, (maxBytes) => readBoundedStream(process.stdin, maxBytes)));
      return 0;
    case 'demo':
      print(await demoCommand(rest, join(__dirname, 'inferenceChild.js')));
      return 0;
    case 'explain':
      print(await explainCommand(rest, join(__dirname, 'inferenceChild.js')));
      return 0;
    case 'explain-folder':
      return explainFolderCommand(rest, join(__dirname, 'inferenceChild.js'), print);
    case 'merge':
      print(await mergeCommand(rest));
      return 0;
    case 'track':
      return trackCommand(rest, join(__dirname, 'inferenceChild.js'), print);
    case 'report':
      print(await reportCommand(rest));
      return 0;
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(`${HELP}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}". ${HELP.split('\n')[0] ?? ''}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Messages quote what a file holds (a frame's name, a label) and go through terminalLines too.
    if (error instanceof StoppedAtOnceError) {
      process.stderr.write(`propsweep: cancelled. ${terminalLines(error.message)}\n`);
      process.exitCode = 130;
    } else if (error instanceof DOMException && error.name === 'AbortError') {
      // The child stopped between steps and removed what the run had written.
      process.stderr.write('propsweep: cancelled; nothing was written.\n');
      process.exitCode = 130;
    } else if (
      error instanceof UsageError ||
      error instanceof MeasureInputError ||
      error instanceof StoreInputError ||
      error instanceof FolderFileError ||
      error instanceof FolderMergeError ||
      (error instanceof ChildRunError && error.kind === 'input')
    ) {
      process.stderr.write(`propsweep: ${terminalLines(error.message)}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(
        `propsweep: internal error: ${terminalLines(error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`,
      );
      process.exitCode = 1;
    }
  },
);
