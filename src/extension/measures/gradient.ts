import { at, type Grid } from './grid';
import type { Matrix } from './matrix';

/** Accuracy of the one-sided differences at the two ends of an open path. */
export type EdgeOrder = 1 | 2;

/** One step's finite difference: g_k = sum_j coef[j] * y[pos[j]]. */
export interface StencilRow {
  readonly pos: readonly number[];
  readonly coef: readonly number[];
}

/**
 * The finite-difference weights of every step, built once from the grid. `rows` gives the
 * gradient; `kernel` is the same arithmetic laid out for the shuffle test, which re-evaluates it
 * for thousands of orderings of the same rows.
 */
export interface Stencil {
  readonly n: number;
  readonly rows: readonly StencilRow[];
  readonly kernel: StencilKernel;
}

/**
 * The rows grouped by shape. A central difference on an evenly spaced stretch has a zero middle
 * weight: it is a scaled distance between two rows, cheap to re-evaluate (or to look up).
 */
export interface StencilKernel {
  /** Steps k in [centralFrom, centralTo) have g_k = centralWeight * (y[k+1] - y[k-1]). */
  readonly centralFrom: number;
  readonly centralTo: number;
  readonly centralWeight: number;
  /** Other two-term rows g = w * (y[j] - y[i]), stored as [i, j] pairs. */
  readonly pairPos: Int32Array;
  readonly pairWeight: Float64Array;
  /** Three-term rows, stored as [p0, p1, p2] with their three coefficients. */
  readonly triplePos: Int32Array;
  readonly tripleCoef: Float64Array;
}

/**
 * Second-order differences on the actual, possibly non-uniform grid (Fornberg 1988; the same
 * numbers as numpy.gradient(y, t)); one-sided first- or second-order differences at the ends of an
 * open path, central ones all round a periodic path.
 */
export function makeStencil(grid: Grid, edgeOrder: EdgeOrder = 1): Stencil {
  const { n, spacing, periodic } = grid;
  const rows: { pos: number[]; coef: number[] }[] = [];
  for (let k = 0; k < n; k++) {
    if (periodic || (k > 0 && k < n - 1)) {
      const prev = (k - 1 + n) % n;
      const next = (k + 1) % n;
      const a = at(spacing, prev); // t_k - t_prev, across the seam for k = 0 on a loop
      const b = at(spacing, k);
      rows.push({
        pos: [prev, k, next],
        coef: [-b / (a * (a + b)), (b - a) / (a * b), a / (b * (a + b))],
      });
    } else if (edgeOrder === 1) {
      const h = at(spacing, k === 0 ? 0 : n - 2);
      rows.push(
        k === 0
          ? { pos: [0, 1], coef: [-1 / h, 1 / h] }
          : { pos: [n - 2, n - 1], coef: [-1 / h, 1 / h] },
      );
    } else if (k === 0) {
      const d1 = at(spacing, 0);
      const d2 = at(spacing, 1);
      rows.push({
        pos: [0, 1, 2],
        coef: [-(2 * d1 + d2) / (d1 * (d1 + d2)), (d1 + d2) / (d1 * d2), -d1 / (d2 * (d1 + d2))],
      });
    } else {
      const d1 = at(spacing, n - 3);
      const d2 = at(spacing, n - 2);
      rows.push({
        pos: [n - 3, n - 2, n - 1],
        coef: [d2 / (d1 * (d1 + d2)), -(d1 + d2) / (d1 * d2), (2 * d2 + d1) / (d2 * (d1 + d2))],
      });
    }
  }
  return compile(n, rows);
}

function compile(n: number, rows: readonly StencilRow[]): Stencil {
  const pairs = rows.map(asPair);
  // The longest run of steps whose rows are centred differences with one common weight.
  let best = { from: 0, to: 0 };
  for (let k = 1; k < n - 1;) {
    const w = pairs[k]?.w;
    let end = k;
    while (end < n - 1 && isCentral(pairs[end], end) && pairs[end]?.w === w) end++;
    if (end - k > best.to - best.from) best = { from: k, to: end };
    k = Math.max(end, k + 1);
  }
  const pairPos: number[] = [];
  const pairWeight: number[] = [];
  const triplePos: number[] = [];
  const tripleCoef: number[] = [];
  rows.forEach((row, k) => {
    if (k >= best.from && k < best.to) return;
    const pair = pairs[k];
    if (pair !== undefined) {
      pairPos.push(pair.i, pair.j);
      pairWeight.push(pair.w);
    } else {
      for (let j = 0; j < 3; j++) {
        triplePos.push(row.pos[j] ?? 0);
        tripleCoef.push(row.coef[j] ?? 0);
      }
    }
  });
  return {
    n,
    rows,
    kernel: {
      centralFrom: best.from,
      centralTo: best.to,
      centralWeight: pairs[best.from]?.w ?? 0,
      pairPos: Int32Array.from(pairPos),
      pairWeight: Float64Array.from(pairWeight),
      triplePos: Int32Array.from(triplePos),
      tripleCoef: Float64Array.from(tripleCoef),
    },
  };
}

/** A row with two opposite weights as g = w * (y[j] - y[i]), w > 0; undefined otherwise. */
function asPair(row: StencilRow): { i: number; j: number; w: number } | undefined {
  const terms = row.pos.map((p, j) => ({ p, c: row.coef[j] ?? 0 })).filter(({ c }) => c !== 0);
  const [u, v] = terms;
  if (terms.length !== 2 || u === undefined || v === undefined || u.c !== -v.c) return undefined;
  return v.c > 0 ? { i: u.p, j: v.p, w: v.c } : { i: v.p, j: u.p, w: u.c };
}

function isCentral(pair: { i: number; j: number } | undefined, k: number): boolean {
  return pair !== undefined && pair.i === k - 1 && pair.j === k + 1;
}

/** The property gradient g = dy/dt at every step, for every output. */
export function propertyGradient(y: Matrix, stencil: Stencil): Matrix {
  const { rows, cols, data } = y;
  const g = new Float64Array(rows * cols);
  stencil.rows.forEach(({ pos, coef }, k) => {
    pos.forEach((p, j) => {
      const w = coef[j] ?? 0;
      for (let c = 0; c < cols; c++)
        g[k * cols + c] = at(g, k * cols + c) + w * at(data, p * cols + c);
    });
  });
  return { rows, cols, data: g };
}
