// How numbers and test descriptions read everywhere: CLI tables, the HTML report, Markdown
// snippets and the panel. Pure: no DOM, no Node.
import type { Adjustment } from './adjust';
import type { MeasureJson } from './result';

/** Four significant digits in plain notation, three in exponent notation for very small or large values. */
export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e5) return Number(x.toPrecision(4)).toString();
  const [mantissa = '0', exponent = '0'] = x.toExponential(2).split('e');
  return `${Number(mantissa).toString()}e${Number(exponent).toString()}`;
}

/** Three significant digits, for the large numbers of a score card: 0.001499 -> "0.0015". */
export function formatShort(x: number): string {
  if (!Number.isFinite(x) || x === 0) return formatNumber(x);
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e5) return Number(x.toPrecision(3)).toString();
  return formatNumber(x);
}

/** A fraction 0..1 as a percentage with three significant digits: 0.0327 -> "3.27 %". */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '—';
  if (fraction === 0) return '0 %';
  return `${formatNumber(Number((fraction * 100).toPrecision(3)))} %`;
}

/** A probability with three decimals; below 0.001 in exponent notation so tiny values stay visible. */
export function formatProbability(p: number): string {
  if (!Number.isFinite(p)) return '—';
  if (p !== 0 && Math.abs(p) < 1e-3) return formatNumber(p);
  return p.toFixed(3);
}

/** An integer with thousands separators (10000 -> "10,000"), independent of the locale. */
export function formatCount(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** How the p-value was obtained: every order enumerated, or K seeded permutations. */
export function describeTest(m: MeasureJson): string {
  return m.exact
    ? `exact: all ${formatCount(m.n_permutations)} orders`
    : `${formatCount(m.n_permutations)} permutations, seed ${m.seed}`;
}

/** The full name of a multiple-testing adjustment. */
export function adjustmentName(adjustment: Adjustment): string {
  switch (adjustment) {
    case 'holm':
      return 'Holm';
    case 'bh':
      return 'Benjamini-Hochberg';
    case 'none':
      return 'none';
  }
}

/** The name of output c: its label, or "output c" when the model has none. */
export function outputName(labels: readonly string[], c: number): string {
  const label = labels[c];
  return label === undefined || label === '' ? `output ${c}` : label;
}

/** How a model whose file was not the recorded one is introduced: 'Stale' or 'Not checked'. */
export function staleWord(kind: 'stale' | 'unchecked'): string {
  return kind === 'unchecked' ? 'Not checked' : 'Stale';
}

/** The same in a badge's few letters: 'stale' or 'unchecked'. */
export function staleBadge(kind: 'stale' | 'unchecked'): string {
  return kind === 'unchecked' ? 'unchecked' : 'stale';
}

/** A number of bytes for a message: "64 MiB", "1.5 GiB", "512 bytes". */
export function formatSize(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'] as const;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 ? String(value) : String(Number(value.toPrecision(3)));
  return `${shown} ${units[unit] ?? 'bytes'}`;
}
