// propsweep's command line: the same engine the extension uses, without VS Code.
import { readFileSync } from 'node:fs';

import { MeasureInputError } from '../extension/measures';
import { UsageError } from './args';
import { measureCommand } from './measureCommand';

const HELP = `Usage: propsweep <command> [options]

Commands:
  measure   EPGM, permutation test and flips of predictions along an intervention path

Run "propsweep <command> --help" for the options of a command.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'measure':
      process.stdout.write(`${await measureCommand(rest, () => readFileSync(0, 'utf8'))}\n`);
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
    if (error instanceof UsageError || error instanceof MeasureInputError) {
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
