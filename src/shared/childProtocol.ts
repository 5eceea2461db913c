// Messages between the extension host (or the CLI) and the forked inference child process.
// Every request carries an id and is answered by exactly one `run/result`.
import { isMeasureJson, type MeasureJson } from './result';

/** Bumped whenever a message changes shape; the child announces it in `child/ready`. */
export const CHILD_PROTOCOL_VERSION = 1;

/** The measurement options that cross the process boundary. */
export interface MeasureRequestOptions {
  readonly legacy?: boolean;
  readonly output?: number;
  readonly permutations?: number;
  readonly seed?: number;
  readonly alpha?: number;
  readonly edgeOrder?: 1 | 2;
  readonly period?: number;
  readonly threshold?: number;
}

/** Host to child. */
export type HostToChild =
  | {
      readonly type: 'measure/run';
      readonly id: number;
      readonly predictions: unknown;
      readonly strengths?: readonly unknown[];
      readonly labels?: readonly string[];
      readonly options: MeasureRequestOptions;
    }
  | { readonly type: 'run/cancel'; readonly id: number };

/** An error as it crosses the boundary: `input` errors are the user's to fix. */
export interface ChildError {
  readonly kind: 'input' | 'cancelled' | 'internal';
  readonly message: string;
}

/** Child to host. */
export type ChildToHost =
  | { readonly type: 'child/ready'; readonly version: number; readonly pid: number }
  | { readonly type: 'run/progress'; readonly id: number; readonly message: string }
  | {
      readonly type: 'run/result';
      readonly id: number;
      readonly ok: true;
      readonly result: MeasureJson;
    }
  | {
      readonly type: 'run/result';
      readonly id: number;
      readonly ok: false;
      readonly error: ChildError;
    };

/** Validates a message from the child (a crashed or foreign process may send anything). */
export function isChildToHost(x: unknown): x is ChildToHost {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Record<string, unknown>;
  switch (m.type) {
    case 'child/ready':
      return typeof m.version === 'number' && typeof m.pid === 'number';
    case 'run/progress':
      return typeof m.id === 'number' && typeof m.message === 'string';
    case 'run/result': {
      if (typeof m.id !== 'number') return false;
      if (m.ok === true) return isMeasureJson(m.result);
      const e = m.error as Record<string, unknown> | null | undefined;
      return (
        m.ok === false &&
        typeof e === 'object' &&
        e !== null &&
        typeof e.message === 'string' &&
        typeof e.kind === 'string'
      );
    }
    default:
      return false;
  }
}

/** Validates a message from the host. */
export function isHostToChild(x: unknown): x is HostToChild {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Record<string, unknown>;
  if (m.type === 'run/cancel') return typeof m.id === 'number';
  return (
    m.type === 'measure/run' &&
    typeof m.id === 'number' &&
    typeof m.options === 'object' &&
    m.options !== null
  );
}
