// The EPGM histogram of a folder run's classifier, as the aggregate panel draws it and the HTML
// report embeds it: bins by Sturges' rule, on a log axis when the values span orders of magnitude.
// Pure: no DOM, no Node.
import { formatNumber } from './format';

/** The bins of a histogram. `edges` has one more entry than `counts`. */
export interface Histogram {
  readonly edges: readonly number[];
  readonly counts: readonly number[];
  /** Bins on log10 of the value: EPGMs that span three or more orders of magnitude. */
  readonly log: boolean;
  /** Values that a log axis cannot show (0), counted apart; 0 on a linear axis. */
  readonly zeros: number;
  /** Every value binned (finite ones; zeros included). */
  readonly total: number;
}

/** The most bins a histogram has (Sturges' rule grows slowly; a side panel fits about 30). */
export const MAX_BINS = 30;

/**
 * EPGM histogram bins by Sturges' rule (ceil(log2 n) + 1, at most MAX_BINS) over the values'
 * range; on a log10 axis when the positive values span at least three orders of magnitude (EPGM
 * of a background edit is ~1e-4, of a biased colour edit ~1, and a linear axis would put every
 * small one in the first bin). A single value, or equal values, make one bin around it.
 */
export function histogramBins(values: readonly number[]): Histogram {
  const finite = values.filter((v) => Number.isFinite(v));
  const positive = finite.filter((v) => v > 0);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of positive) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const log = positive.length >= 2 && hi / lo >= 1000;
  const binned = log ? positive.map((v) => Math.log10(v)) : finite;
  const zeros = log ? finite.length - positive.length : 0;
  if (binned.length === 0) return { edges: [0, 1], counts: [0], log: false, zeros: 0, total: 0 };
  let min = Infinity;
  let max = -Infinity;
  for (const v of binned) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  if (min === max) {
    const half = min === 0 ? 0.5 : Math.abs(min) * 0.05;
    return {
      edges: [min - half, min + half],
      counts: [binned.length],
      log,
      zeros,
      total: finite.length,
    };
  }
  const bins = Math.min(MAX_BINS, Math.ceil(Math.log2(binned.length)) + 1);
  const width = (max - min) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? max : min + i * width));
  const counts = new Array<number>(bins).fill(0);
  for (const v of binned) {
    // The last bin is closed on the right, so the largest value is counted.
    const b = Math.min(bins - 1, Math.floor((v - min) / width));
    counts[b] = (counts[b] ?? 0) + 1;
  }
  return { edges, counts, log, zeros, total: finite.length };
}

/** A histogram edge as the axis shows it (10^x on a log axis). */
export function edgeLabel(histogram: Histogram, edge: number): string {
  return formatNumber(histogram.log ? 10 ** edge : edge);
}
