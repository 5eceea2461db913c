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

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'measure':
      process.stdout.write(
        `${await measureCommand(rest, (maxBytes) => readBoundedStream(process.stdin, maxBytes))}\n`,
      );
      return 0;
    case 'demo':
      process.stdout.write(`${await demoCommand(rest, join(__dirname, 'inferenceChild.js'))}\n`);
      return 0;
    case 'explain':
      process.stdout.write(`${await explainCommand(rest, join(__dirname, 'inferenceChild.js'))}\n`);
      return 0;
    case 'explain-folder':
      return explainFolderCommand(rest, join(__dirname, 'inferenceChild.js'), (text) =>
        process.stdout.write(`${text}\n`),
      );
    case 'merge':
      process.stdout.write(`${await mergeCommand(rest)}\n`);
      return 0;
    case 'track':
      return trackCommand(rest, join(__dirname, 'inferenceChild.js'), (text) =>
        process.stdout.write(`${text}\n`),
      );
    case 'report':
      process.stdout.write(`${await reportCommand(rest)}\n`);
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
    if (error instanceof StoppedAtOnceError) {
      process.stderr.write(`propsweep: cancelled. ${error.message}\n`);
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
      process.stderr.write(`propsweep: ${error.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(
        `propsweep: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    }
  },
);
