import { formatSize } from '../../shared/format';
import { FILE_LIMITS, LIMITS } from '../../shared/limits';
import { readRegularText, UnreadableFileError } from '../files/boundedFiles';
import { MeasureInputError } from '../measures';

/** A predictions file: `{"strengths": [..]?, "predictions": [..], "labels": [..]?}`. */
export interface MeasureFile {
  readonly predictions: unknown;
  readonly strengths?: readonly unknown[];
  readonly labels?: readonly string[];
}

/**
 * Parses and checks the outer shape of a predictions file; the numbers themselves are checked by
 * the measures. `name` says which file in messages.
 */
export function parseMeasureFile(text: string, name: string): MeasureFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new MeasureInputError(`${name} is not valid JSON: ${(error as Error).message}.`);
  }
  if (
    typeof json !== 'object' ||
    json === null ||
    Array.isArray(json) ||
    !('predictions' in json)
  ) {
    throw new MeasureInputError(
      `${name} must be a JSON object with a "predictions" array (one number or one row of outputs per step) and optional "strengths" and "labels".`,
    );
  }
  const { predictions, strengths, labels } = json as Record<string, unknown>;
  // The shuffle test's time grows with the steps: refused before any work.
  if (Array.isArray(predictions) && predictions.length > LIMITS.measureSteps) {
    throw new MeasureInputError(
      `${name} has ${predictions.length.toLocaleString('en-US')} steps, more than the ${LIMITS.measureSteps.toLocaleString('en-US')} measure takes. Measure a coarser path (every k-th step).`,
    );
  }
  if (strengths !== undefined && !Array.isArray(strengths)) {
    throw new MeasureInputError(
      `"strengths" in ${name} must be an array of numbers, one per step.`,
    );
  }
  if (
    labels !== undefined &&
    !(Array.isArray(labels) && labels.every((l) => typeof l === 'string'))
  ) {
    throw new MeasureInputError(`"labels" in ${name} must be an array of strings, one per output.`);
  }
  return {
    predictions,
    ...(strengths !== undefined && { strengths: strengths as unknown[] }),
    ...(labels !== undefined && { labels }),
  };
}

/**
 * Reads and parses the predictions file at `path`: a regular file (not a FIFO or a device) of at
 * most FILE_LIMITS.predictionsBytes, byte-order mark dropped.
 */
export async function readMeasureFile(path: string, name: string): Promise<MeasureFile> {
  const bound = FILE_LIMITS.predictionsBytes;
  let text: string;
  try {
    text = await readRegularText(path, bound);
  } catch (error) {
    if (!(error instanceof UnreadableFileError)) throw error;
    const why = error.reason === 'missing' ? 'no such file' : error.message;
    throw new MeasureInputError(
      `Cannot read ${name}: ${why}. Give a JSON file of at most ${formatSize(bound)}.`,
    );
  }
  return parseMeasureFile(text, name);
}

/** Refuses labels that do not name every output. */
export function checkLabels(labels: readonly string[] | undefined, outputs: number): void {
  if (labels !== undefined && labels.length !== outputs) {
    throw new MeasureInputError(
      `labels has ${labels.length} names but the predictions have ${outputs} outputs; give one label per output.`,
    );
  }
}
