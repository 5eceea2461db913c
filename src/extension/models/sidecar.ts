// The optional sidecar MODEL.json beside MODEL.onnx: how the model wants its pixels and what its
// outputs mean. ONNX files do not record their normalisation or labels, and a wrong mean/std still
// gives plausible-looking answers, so the file is validated strictly: unknown versions, unknown
// fields, wrong types and impossible values (std 0) are refused with a message saying what to write.
import { basename, dirname, extname, join } from 'node:path';

import { readRegularText, UnreadableFileError } from '../files/boundedFiles';
import { FILE_LIMITS } from '../../shared/limits';
import { ModelInputError, type PreprocessConfig } from './types';

/** The sidecar format version this code reads. */
export const SIDECAR_VERSION = 1;

/** The preprocessing fields a sidecar may set; every one is optional. */
export interface SidecarFields {
  readonly layout: PreprocessConfig['layout'];
  readonly inputSize: PreprocessConfig['inputSize'];
  readonly resize: PreprocessConfig['resize'];
  readonly range: PreprocessConfig['range'];
  readonly mean: PreprocessConfig['mean'];
  readonly std: PreprocessConfig['std'];
  readonly channelOrder: PreprocessConfig['channelOrder'];
  readonly labels: readonly string[];
  readonly outputKind: PreprocessConfig['outputKind'];
  readonly softmax: boolean;
  readonly description: string;
}

/** A parsed, validated sidecar (format version 1). */
export type Sidecar = { readonly version: typeof SIDECAR_VERSION } & Partial<SidecarFields>;

/** A sidecar and the file it came from, so later errors can name it. */
export interface LoadedSidecar {
  readonly path: string;
  readonly values: Sidecar;
}

/** A sidecar field name. */
export type SidecarField = keyof SidecarFields;

/** How one field is checked: a type guard, what it must be, an example, extra value checks. */
interface FieldRule<T> {
  readonly guard: (value: unknown) => value is T;
  /** Completes "must be ...". */
  readonly expect: string;
  /** A valid JSON value to suggest. */
  readonly example: string;
  /** A problem a well-typed value can still have ("a std of 0 divides by zero"). */
  // Method syntax is checked bivariantly, so every field's rule can be used as FieldRule<unknown>.
  problem?(value: T): string | null;
}

type FieldRules = { readonly [K in SidecarField]: FieldRule<SidecarFields[K]> };

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

const isPair =
  (element: (v: unknown) => boolean) =>
  (v: unknown): v is [number, number] =>
    Array.isArray(v) && v.length === 2 && v.every(element);

const isTriple =
  (element: (v: unknown) => boolean) =>
  (v: unknown): v is [number, number, number] =>
    Array.isArray(v) && v.length === 3 && v.every(element);

const isSize = (v: unknown): boolean =>
  Number.isSafeInteger(v) && (v as number) >= 1 && (v as number) <= 16384;

function isOneOf<T extends string>(values: readonly T[]): (v: unknown) => v is T {
  return (v: unknown): v is T => typeof v === 'string' && (values as readonly string[]).includes(v);
}

const quoted = (values: readonly string[]): string => values.map((v) => `"${v}"`).join(' or ');

const RULES: FieldRules = {
  layout: {
    guard: isOneOf(['NCHW', 'NHWC'] as const),
    expect: quoted(['NCHW', 'NHWC']),
    example: '"NCHW"',
  },
  inputSize: {
    guard: isPair(isSize),
    expect: 'two whole numbers [height, width] between 1 and 16384',
    example: '[224, 224]',
  },
  resize: {
    guard: isOneOf(['fill', 'cover', 'contain'] as const),
    expect: quoted(['fill', 'cover', 'contain']),
    example: '"fill"',
  },
  range: {
    guard: isPair(isFiniteNumber),
    expect: 'two numbers [low, high]: the values black and white map to before mean/std',
    example: '[0, 1]',
    problem: ([lo, hi]) => (lo < hi ? null : 'must have low < high'),
  },
  mean: {
    guard: isTriple(isFiniteNumber),
    expect: 'three numbers, one per channel in R, G, B order',
    example: '[0.485, 0.456, 0.406]',
  },
  std: {
    guard: isTriple(isFiniteNumber),
    expect: 'three numbers greater than 0, one per channel in R, G, B order',
    example: '[0.229, 0.224, 0.225]',
    problem: (std) =>
      std.every((s) => s > 0)
        ? null
        : 'must be greater than 0 in every channel (pixels are divided by it)',
  },
  channelOrder: {
    guard: isOneOf(['RGB', 'BGR'] as const),
    expect: quoted(['RGB', 'BGR']),
    example: '"RGB"',
  },
  labels: {
    guard: (v): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string'),
    expect: 'a list of class names, one per model output',
    example: '["cat", "dog"]',
    problem: (labels) => {
      if (labels.length === 0) return 'must not be empty';
      if (labels.some((l) => l.trim() === '')) return 'must not contain empty names';
      // One pass with a set: comparing each name with those before it takes minutes for the
      // million names a sidecar's 16 MiB can hold.
      const seen = new Set<string>();
      const duplicate = labels.find((l) => {
        if (seen.has(l)) return true;
        seen.add(l);
        return false;
      });
      return duplicate === undefined
        ? null
        : `must name each class once (${shortJson(duplicate)} appears twice), or flips become ambiguous`;
    },
  },
  outputKind: {
    guard: isOneOf(['logits', 'probabilities'] as const),
    expect: quoted(['logits', 'probabilities']),
    example: '"logits"',
  },
  softmax: {
    guard: (v): v is boolean => typeof v === 'boolean',
    expect: 'true or false',
    example: 'true',
  },
  description: {
    guard: (v): v is string => typeof v === 'string',
    expect: 'a string',
    example: '"ResNet-18 fine-tuned on cats vs dogs"',
  },
};

const FIELD_NAMES = Object.keys(RULES) as SidecarField[];

/** Whether a key is a sidecar field name. */
export function isSidecarField(key: string): key is SidecarField {
  return (FIELD_NAMES as string[]).includes(key);
}

/**
 * What is wrong with a value for a field, as "must be ..." text, or null when it is valid. Shared
 * by the sidecar and by command-line/settings flags, which take the same values.
 */
export function fieldProblem(field: SidecarField, value: unknown): string | null {
  return ruleProblem<unknown>(RULES[field], value);
}

function ruleProblem<T>(rule: FieldRule<T>, value: unknown): string | null {
  if (!rule.guard(value)) return `must be ${rule.expect}`;
  return rule.problem?.(value) ?? null;
}

/** A valid example value for a field, as JSON text. */
export function fieldExample(field: SidecarField): string {
  return RULES[field].example;
}

/** The sidecar path for a model: MODEL.json beside MODEL.onnx. */
export function sidecarPath(modelPath: string): string {
  const ext = extname(modelPath);
  return join(dirname(modelPath), `${basename(modelPath, ext)}.json`);
}

/** Short JSON of a given value for error messages. */
function shortJson(value: unknown): string {
  // JSON.stringify(undefined) is undefined, not a string.
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Parses and validates sidecar text; `path` names the file in error messages. */
export function parseSidecar(text: string, path: string): Sidecar {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelInputError(
      `${path} is not valid JSON (${error instanceof Error ? error.message : String(error)}). Fix it, or delete it to use the defaults derived from the model's input shape.`,
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ModelInputError(
      `${path} must hold one JSON object such as {"version": 1, "labels": ["cat", "dog"]}, not ${shortJson(json)}.`,
    );
  }
  const entries = Object.entries(json);
  checkVersion(entries, path);
  const fields: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    if (key === 'version') continue;
    if (!isSidecarField(key)) {
      throw new ModelInputError(
        `${path}: unknown field ${shortJson(key)}. A version 1 sidecar may contain version, ${FIELD_NAMES.join(', ')}. Fix the spelling or remove the field.`,
      );
    }
    const problem = fieldProblem(key, value);
    if (problem !== null) {
      throw new ModelInputError(
        `${path}: "${key}" ${problem} (got ${shortJson(value)}). Write for example "${key}": ${RULES[key].example}, or remove the field to use the default.`,
      );
    }
    fields[key] = value;
  }
  // Every field was checked against its rule above.
  return { ...(fields as Partial<SidecarFields>), version: SIDECAR_VERSION };
}

function checkVersion(entries: readonly [string, unknown][], path: string): void {
  const version = entries.find(([key]) => key === 'version')?.[1];
  if (version === undefined) {
    throw new ModelInputError(
      `${path} has no "version". Add "version": ${SIDECAR_VERSION} (the format this propsweep reads).`,
    );
  }
  if (version !== SIDECAR_VERSION) {
    throw new ModelInputError(
      `${path} has "version": ${shortJson(version)}, but this propsweep reads sidecar version ${SIDECAR_VERSION} only. Write "version": ${SIDECAR_VERSION} with the version 1 fields (${FIELD_NAMES.join(', ')}), or update propsweep.`,
    );
  }
}

/**
 * Reads the sidecar beside a model, or null when there is none. Any other read failure (a
 * directory, a FIFO, more than FILE_LIMITS.sidecarBytes, no permission) is an error: silently
 * falling back to defaults would hide it.
 */
export async function readSidecar(modelPath: string): Promise<LoadedSidecar | null> {
  const path = sidecarPath(modelPath);
  let text: string;
  try {
    text = await readRegularText(path, FILE_LIMITS.sidecarBytes);
  } catch (error) {
    if (error instanceof UnreadableFileError && error.reason === 'missing') return null;
    throw new ModelInputError(
      `Could not read the sidecar ${path}: ${error instanceof Error ? error.message : String(error)}. Make it a readable JSON file, or remove it to use the defaults.`,
    );
  }
  return { path, values: parseSidecar(text, path) };
}
