// How numbers read everywhere: CLI tables, the HTML report, Markdown snippets and the panel.

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
