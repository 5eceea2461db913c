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

/** Refuses labels that do not name every output. */
export function checkLabels(labels: readonly string[] | undefined, outputs: number): void {
  if (labels !== undefined && labels.length !== outputs) {
    throw new MeasureInputError(
      `labels has ${labels.length} names but the predictions have ${outputs} outputs; give one label per output.`,
    );
  }
}
