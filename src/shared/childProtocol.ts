// Messages between the extension host (or the CLI) and the forked inference child process.
// Every request carries an id and is answered by exactly one `run/result`.
import { isMeasureJson, type MeasureJson } from './result';
import { validateResultFile, type ResultFile } from './resultFile';

/** Bumped whenever a message changes shape; the child announces it in `child/ready`. */
export const CHILD_PROTOCOL_VERSION = 2;

/** The argument that asks the child to run below normal priority (InferenceChild.start). */
export const BACKGROUND_FLAG = '--background';

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

/** Measure predictions that were computed elsewhere. */
export interface MeasureRun {
  readonly type: 'measure/run';
  readonly predictions: unknown;
  readonly strengths?: readonly unknown[];
  readonly labels?: readonly string[];
  readonly options: MeasureRequestOptions;
}

/** Preprocessing given on the command line or in settings; overrides the model's sidecar. */
export interface PreprocessOverrides {
  readonly size?: readonly [number, number];
  readonly mean?: readonly [number, number, number];
  readonly std?: readonly [number, number, number];
  readonly labels?: readonly string[];
  readonly resize?: 'fill' | 'cover' | 'contain';
  readonly softmax?: boolean;
}

/** A classifier to run. */
export interface ModelSpec {
  readonly path: string;
  /** Shown in tables; defaults to the file name without .onnx. */
  readonly name?: string;
  readonly overrides?: PreprocessOverrides;
}

/** Edit an image, classify every step with every model, measure, and write the result. */
export interface ExplainRun {
  readonly type: 'explain/run';
  readonly image: string;
  readonly mask?: string;
  readonly editor: string;
  readonly params: Readonly<Record<string, string | number | boolean>>;
  readonly steps: number;
  readonly seed: number;
  readonly permutations: number;
  readonly alpha: number;
  readonly legacy?: boolean;
  readonly edgeOrder?: 1 | 2;
  readonly models: readonly ModelSpec[];
  readonly provider: 'cuda' | 'dml' | 'coreml' | 'webgpu' | 'cpu';
  readonly deviceId?: number;
  readonly cacheDir: string;
  readonly outDir: string;
  /** File name stem of the result (NAME.propsweep.json). */
  readonly name: string;
}

/** Host to child. */
export type HostToChild =
  | ({ readonly id: number } & MeasureRun)
  | ({ readonly id: number } & ExplainRun)
  | { readonly type: 'run/cancel'; readonly id: number };

/** What a finished request answers. */
export type RunValue =
  | { readonly kind: 'measure'; readonly result: MeasureJson }
  | {
      readonly kind: 'explain';
      readonly resultPath: string;
      readonly reportPath: string;
      readonly result: ResultFile;
    };

/** An error as it crosses the boundary: `input` errors are the user's to fix. */
export interface ChildError {
  readonly kind: 'input' | 'cancelled' | 'internal';
  readonly message: string;
}

/** Progress of a request. */
export interface RunProgress {
  readonly message: string;
  readonly phase?: string;
  readonly done?: number;
  readonly total?: number;
}

/** Child to host. */
export type ChildToHost =
  | { readonly type: 'child/ready'; readonly version: number; readonly pid: number }
  | ({ readonly type: 'run/progress'; readonly id: number } & RunProgress)
  | {
      readonly type: 'run/result';
      readonly id: number;
      readonly ok: true;
      readonly value: RunValue;
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
      if (m.ok === true) return isRunValue(m.value);
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

function isRunValue(x: unknown): x is RunValue {
  if (typeof x !== 'object' || x === null) return false;
  const v = x as Record<string, unknown>;
  if (v.kind === 'measure') return isMeasureJson(v.result);
  return (
    v.kind === 'explain' &&
    typeof v.resultPath === 'string' &&
    typeof v.reportPath === 'string' &&
    validateResultFile(v.result).length === 0
  );
}

/** Validates a message from the host. */
export function isHostToChild(x: unknown): x is HostToChild {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Record<string, unknown>;
  if (typeof m.id !== 'number') return false;
  switch (m.type) {
    case 'run/cancel':
      return true;
    case 'measure/run':
      return typeof m.options === 'object' && m.options !== null;
    case 'explain/run':
      return (
        typeof m.image === 'string' &&
        typeof m.editor === 'string' &&
        typeof m.steps === 'number' &&
        Array.isArray(m.models) &&
        typeof m.outDir === 'string' &&
        typeof m.cacheDir === 'string'
      );
    default:
      return false;
  }
}
