import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how the CLI was called or in what it was given; exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Parses `argv` against `options`, turning parseArgs' errors into a UsageError. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
  command: string,
) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError(
      `${error instanceof Error ? error.message : String(error)} (see: propsweep ${command} --help)`,
    );
  }
}

/** A number flag, or undefined when absent; refuses text that is not a number. */
export function numberFlag(
  value: string | undefined,
  flag: string,
  integer = false,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new UsageError(
      `--${flag} must be ${integer ? 'a whole number' : 'a number'}, got "${value}".`,
    );
  }
  return n;
}
