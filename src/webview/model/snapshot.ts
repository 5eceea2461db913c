// Coerces a snapshot that passed isHostMessage into one the panel can read without checks.
// isHostMessage (shared/protocol.ts) checks the type of every field it can: title, state, the
// flags, stale, preview, the URIs, and the result through validateResultFile. What it leaves open
// is done here: the progress and restore fields (unchecked), alpha and the effect threshold
// (numbers, but in range?) and the many result fields the panel merely displays (labels, flip
// details, quality), which go through the one normalisation the loader and the exports use
// (shared/normalize.ts), so a damaged file renders with blanks instead of a blank panel. Pure:
// runs in Node tests.
import { num, numOrNull, obj, str, type Loose } from '../../shared/coerce';
import { normaliseResult } from '../../shared/normalize';
import type { PanelSnapshot } from '../../shared/protocol';

/** A checked snapshot whose remaining fields have their declared type and range. */
export function normaliseSnapshot(checked: PanelSnapshot): PanelSnapshot {
  const s = checked as unknown as Loose;
  const progress = s.progress === null || typeof s.progress !== 'object' ? null : obj(s.progress);
  const done = numOrNull(progress?.done);
  const total = numOrNull(progress?.total);
  const alpha = num(s.alpha, 0.01);
  return {
    ...checked,
    progress:
      progress === null
        ? null
        : {
            message: str(progress.message),
            ...(done === null ? {} : { done }),
            ...(total === null ? {} : { total }),
          },
    result: s.result === null || s.result === undefined ? null : normaliseResult(s.result),
    alpha: alpha > 0 && alpha < 1 ? alpha : 0.01,
    effectThreshold: Math.max(0, num(s.effectThreshold, 0.05)),
    restore: restoreOf(s.restore),
  };
}

/** The host's reopen information ({ resultPath }) if it has that shape, else null. */
export function restoreOf(x: unknown): { readonly resultPath: string } | null {
  const r = obj(x);
  return typeof r.resultPath === 'string' ? { resultPath: r.resultPath } : null;
}
