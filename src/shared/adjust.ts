// Multiple-testing adjustments for a panel that runs several tests at once. Pure, and the one
// definition: the host's settings, the webview's score cards, the reports and the CLI use it.

/** none: the p-values as they are; holm: family-wise error rate; bh: false discovery rate. */
export const ADJUSTMENTS = ['none', 'holm', 'bh'] as const;

/** One of ADJUSTMENTS (package.json's propsweep.adjustment enum lists the same, in this order). */
export type Adjustment = (typeof ADJUSTMENTS)[number];

/** Whether `value` names an adjustment. */
export function isAdjustment(value: unknown): value is Adjustment {
  return (ADJUSTMENTS as readonly unknown[]).includes(value);
}

/**
 * Holm's step-down adjustment (controls the family-wise error rate):
 * p~_(i) = max_{j <= i} min(1, (m - j + 1) p_(j)), returned in the input order.
 */
export function holm(pValues: readonly number[]): number[] {
  const order = sortedOrder(pValues);
  const m = pValues.length;
  const out = new Array<number>(m).fill(0);
  let running = 0;
  order.forEach((index, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * (pValues[index] ?? 1)));
    out[index] = running;
  });
  return out;
}

/**
 * Benjamini-Hochberg step-up adjustment (controls the false discovery rate):
 * p~_(i) = min_{j >= i} min(1, m p_(j) / j), returned in the input order.
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const order = sortedOrder(pValues);
  const m = pValues.length;
  const out = new Array<number>(m).fill(0);
  let running = 1;
  for (let rank = m - 1; rank >= 0; rank--) {
    const index = order[rank] ?? 0;
    // (m / j) * p as R's p.adjust does: m * p / j rounds the largest p above itself.
    running = Math.min(running, (m / (rank + 1)) * (pValues[index] ?? 1));
    out[index] = running;
  }
  return out;
}

/** Applies the named adjustment. */
export function adjustPValues(pValues: readonly number[], method: Adjustment): number[] {
  if (method === 'none') {
    checkPValues(pValues);
    return [...pValues];
  }
  return method === 'holm' ? holm(pValues) : benjaminiHochberg(pValues);
}

function sortedOrder(pValues: readonly number[]): number[] {
  checkPValues(pValues);
  return pValues.map((_, i) => i).sort((a, b) => (pValues[a] ?? 0) - (pValues[b] ?? 0) || a - b);
}

/** Indexed loop, not forEach: forEach skips the holes of a sparse array. */
function checkPValues(pValues: readonly number[]): void {
  for (let i = 0; i < pValues.length; i++) {
    const p = pValues[i];
    if (p === undefined || !(p >= 0 && p <= 1)) {
      throw new RangeError(`p-value ${i} is ${String(p)}; p-values lie in [0, 1].`);
    }
  }
}
