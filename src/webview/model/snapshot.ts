// Coerces a snapshot that passed isHostMessage into one the panel can read without checks.
// isHostMessage and validateResultFile check the fields that decide whether a result is usable;
// the many fields the panel merely displays (labels, flip details, quality, progress) come from a
// file or a host and could be missing or of the wrong type. Each is replaced by a neutral value
// here, so a damaged file renders with blanks instead of a blank panel; the result goes through
// the one normalisation the loader and the exports use (shared/normalize.ts). Pure: runs in Node
// tests.
import { isAdjustment } from '../../shared/adjust';
import type { PanelSnapshot, PanelState } from '../../shared/protocol';
import { normaliseResult } from '../../shared/normalize';

type Loose = Record<string, unknown>;

const STATES: readonly PanelState[] = ['idle', 'running', 'done', 'error', 'cancelled'];

function obj(x: unknown): Loose {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Loose) : {};
}
function num(x: unknown, fallback: number): number {
  return typeof x === 'number' && Number.isFinite(x) ? x : fallback;
}
function numOrNull(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}
function str(x: unknown, fallback = ''): string {
  return typeof x === 'string' ? x : fallback;
}
function strOrNull(x: unknown): string | null {
  return typeof x === 'string' ? x : null;
}
function bool(x: unknown, fallback: boolean): boolean {
  return typeof x === 'boolean' ? x : fallback;
}
function strings(x: unknown): string[] {
  return Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : [];
}

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
