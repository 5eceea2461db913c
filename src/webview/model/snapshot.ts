// Coerces a snapshot that passed isHostMessage into one the panel can read without checks.
// isHostMessage and validateResultFile check the fields that decide whether a result is usable;
// the many fields the panel merely displays (labels, flip details, quality, progress) come from a
// file or a host and could be missing or of the wrong type. Each is replaced by a neutral value
// here, so a damaged file renders with blanks instead of a blank panel; the result goes through
// the one normalisation the loader and the exports use (shared/normalize.ts). Pure: runs in Node
// tests.
import { isAdjustment } from '../../shared/adjust';
import {
  bool,
  num,
  numOrNull,
  obj,
  str,
  strings,
  strOrNull,
  type Loose,
} from '../../shared/coerce';
import type { PanelSnapshot, PanelState } from '../../shared/protocol';
import { normaliseResult } from '../../shared/normalize';

const STATES: readonly PanelState[] = ['idle', 'running', 'done', 'error', 'cancelled'];

/** A snapshot whose every field has the declared type (see the module comment). */
export function normaliseSnapshot(raw: PanelSnapshot): PanelSnapshot {
  const s = raw as unknown as Loose;
  const progress = s.progress === null || typeof s.progress !== 'object' ? null : obj(s.progress);
  const state = STATES.find((x) => x === s.state) ?? 'idle';
  const adjustment = isAdjustment(s.adjustment) ? s.adjustment : 'none';
  const result = s.result === null || s.result === undefined ? null : normaliseResult(s.result);
  const done = numOrNull(progress?.done);
  const total = numOrNull(progress?.total);
  return {
    title: str(s.title, 'PropSweep'),
    state,
    progress:
      progress === null
        ? null
        : {
            message: str(progress.message),
            ...(done === null ? {} : { done }),
            ...(total === null ? {} : { total }),
          },
    error: strOrNull(s.error),
    result,
    frameUris: strings(s.frameUris),
    preview: previewOf(s.preview),
    sourceUri: strOrNull(s.sourceUri),
    readOnly: bool(s.readOnly, true),
    stale: (Array.isArray(s.stale) ? s.stale : [])
      .map(obj)
      .filter((e) => typeof e.model === 'string')
      .map((e) => ({
        model: str(e.model),
        reason: str(e.reason, 'the model changed'),
        kind: e.kind === 'unchecked' ? ('unchecked' as const) : ('stale' as const),
      })),
    savedPath: strOrNull(s.savedPath),
    canRun: bool(s.canRun, false),
    runBlockedReason: strOrNull(s.runBlockedReason),
    alpha: num(s.alpha, 0.01) > 0 && num(s.alpha, 0.01) < 1 ? num(s.alpha, 0.01) : 0.01,
    effectThreshold: Math.max(0, num(s.effectThreshold, 0.05)),
    adjustment,
    restore: restoreOf(s.restore),
  };
}

/** The host's reopen information ({ resultPath }) if it has that shape, else null. */
export function restoreOf(x: unknown): { readonly resultPath: string } | null {
  const r = obj(x);
  return typeof r.resultPath === 'string' ? { resultPath: r.resultPath } : null;
}

/** The snapshot's preview reference ({ id }) if it has that shape, else null. */
function previewOf(x: unknown): { readonly id: number } | null {
  const p = obj(x);
  return typeof p.id === 'number' && Number.isSafeInteger(p.id) ? { id: p.id } : null;
}
