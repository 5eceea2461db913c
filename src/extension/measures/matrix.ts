import { MeasureInputError } from './errors';

/** Predictions along the path: `rows` steps by `cols` outputs, row-major. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** The smallest path the gradient and the test are defined on. */
export const MIN_STEPS = 3;

/**
 * Validates predictions given as one number per step (one output) or one row per step, and packs
 * them into a Matrix. Refuses ragged rows, non-numbers, NaN and infinities with the position.
 */
export function toMatrix(predictions: unknown): Matrix {
  if (!Array.isArray(predictions)) {
    throw new MeasureInputError(
      'predictions must be an array: one number per step, or one array of outputs per step.',
    );
  }
  const rows = predictions.length;
  if (rows < MIN_STEPS) {
    throw new MeasureInputError(
      `predictions has ${rows} step${rows === 1 ? '' : 's'}; the property gradient needs at least ${MIN_STEPS} images on the path. Use more steps.`,
    );
  }
  const first: unknown = predictions[0];
  if (!Array.isArray(first)) {
    // Indexed loops, not forEach: forEach skips the holes of a sparse array.
    const data = new Float64Array(rows);
    for (let k = 0; k < rows; k++) data[k] = finite(predictions[k], `predictions[${k}]`);
    return { rows, cols: 1, data };
  }
  const cols = first.length;
  if (cols === 0)
    throw new MeasureInputError('predictions[0] is empty: each step needs at least one output.');
  const data = new Float64Array(rows * cols);
  for (let k = 0; k < rows; k++) {
    const row: unknown = predictions[k];
    if (!Array.isArray(row)) {
      throw new MeasureInputError(
        `predictions[${k}] is not an array; every step must be a row of ${cols} outputs.`,
      );
    }
    if (row.length !== cols) {
      throw new MeasureInputError(
        `predictions is ragged: step ${k} has ${row.length} outputs, step 0 has ${cols}. Every step must predict the same outputs.`,
      );
    }
    for (let c = 0; c < cols; c++) data[k * cols + c] = finite(row[c], `predictions[${k}][${c}]`);
  }
  return { rows, cols, data };
}

/** One column of a matrix, as a one-output matrix. */
export function column(m: Matrix, c: number): Matrix {
  const data = new Float64Array(m.rows);
  for (let k = 0; k < m.rows; k++) data[k] = m.data[k * m.cols + c] ?? 0;
  return { rows: m.rows, cols: 1, data };
}

/** The matrix as nested arrays (for JSON). */
export function toRows(m: Matrix): number[][] {
  const out: number[][] = [];
  for (let k = 0; k < m.rows; k++)
    out.push(Array.from(m.data.subarray(k * m.cols, (k + 1) * m.cols)));
  return out;
}

function finite(value: unknown, where: string): number {
  if (typeof value !== 'number') {
    throw new MeasureInputError(
      `${where} is ${value === undefined ? 'missing' : JSON.stringify(value)}, not a number.`,
    );
  }
  if (!Number.isFinite(value)) {
    throw new MeasureInputError(
      `${where} is ${String(value)}; predictions must be finite. Check the model's outputs for overflow or a broken input.`,
    );
  }
  return value;
}
