/**
 * Bad input to a measure. The message names what was wrong, what was given and what to do; the
 * CLI prints it as one line and exits with code 2.
 */
export class MeasureInputError extends Error {
  override readonly name = 'MeasureInputError';
}
