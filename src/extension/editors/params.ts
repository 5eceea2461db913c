// Editor parameters: declared once per editor (name, type, default, one line of documentation),
// checked and completed by one function, listed by the CLI's help. Values arrive as strings from
// `--param k=v` or as JSON values from settings; resolved values have their real types.
import { EditorInputError, type EditorParams, type ImageEditor } from './types';

/** The kinds of value a parameter takes. */
export type ParamType = 'number' | 'integer' | 'boolean' | 'colour' | 'path' | 'choice' | 'text';

/** The longest 'text' parameter (an instruction): CLIP reads 77 tokens, a few hundred characters. */
export const MAX_TEXT_LENGTH = 1000;

/** One parameter of an editor. */
export interface ParamSpec {
  readonly name: string;
  readonly type: ParamType;
  /** Filled in when the parameter is not given. */
  readonly default?: number | boolean | string;
  /** Required: no default, and the editor cannot run without it. */
  readonly required?: boolean;
  /** Inclusive bounds for numbers. */
  readonly min?: number;
  readonly max?: number;
  /** Allowed values of a 'choice'. */
  readonly choices?: readonly string[];
  /** A `name=value` pair shown in messages, e.g. "factor=1.8". */
  readonly example: string;
  /** One line for the CLI's help. */
  readonly doc: string;
}

/** An editor with its parameters declared, as the registry holds them. */
export interface DescribedEditor extends ImageEditor {
  readonly params: readonly ParamSpec[];
}

/**
 * Checks `params` against `specs`: refuses unknown names, missing required values and values of
 * the wrong type or range (the message says what to write instead), converts strings to numbers
 * and booleans, normalises colours to "#rrggbb" and fills in defaults.
 */
export function resolveWithSpecs(
  editorId: string,
  specs: readonly ParamSpec[],
  params: EditorParams,
): Record<string, string | number | boolean> {
  const known = new Map(specs.map((spec) => [spec.name, spec]));
  for (const name of Object.keys(params)) {
    if (!known.has(name)) {
      const list =
        specs.length === 0
          ? 'it takes no parameters'
          : `its parameters are ${specs.map((s) => s.name).join(', ')}`;
      const hint = specs[0] === undefined ? '' : ` Write e.g. --param ${specs[0].example}.`;
      throw new EditorInputError(
        `The ${editorId} editor has no parameter "${name}"; ${list}.${hint}`,
      );
    }
  }
  const resolved: Record<string, string | number | boolean> = {};
  for (const spec of specs) {
    const given = params[spec.name];
    if (given === undefined || given === '') {
      if (spec.default !== undefined) resolved[spec.name] = spec.default;
      else if (spec.required === true) {
        throw new EditorInputError(
          `The ${editorId} editor needs ${spec.name} (${spec.doc}). Write e.g. --param ${spec.example}.`,
        );
      }
      continue;
    }
    resolved[spec.name] = convert(editorId, spec, given);
  }
  return resolved;
}

function convert(
  editorId: string,
  spec: ParamSpec,
  given: string | number | boolean,
): string | number | boolean {
  const refuse = (what: string): never => {
    throw new EditorInputError(
      `The ${editorId} editor's ${spec.name} must be ${what}, got ${JSON.stringify(given)}. Write e.g. --param ${spec.example}.`,
    );
  };
  switch (spec.type) {
    case 'number':
    case 'integer': {
      const value =
        typeof given === 'number' ? given : typeof given === 'string' ? Number(given.trim()) : NaN;
      const integer = spec.type === 'integer';
      const what = `${integer ? 'a whole number' : 'a number'}${rangeText(spec)}`;
      if (typeof given === 'string' && given.trim() === '') return refuse(what);
      if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) return refuse(what);
      if (spec.min !== undefined && value < spec.min) return refuse(what);
      if (spec.max !== undefined && value > spec.max) return refuse(what);
      return value;
    }
    case 'boolean': {
      if (typeof given === 'boolean') return given;
      const text = String(given).trim().toLowerCase();
      if (['true', 'yes', '1', 'on'].includes(text)) return true;
      if (['false', 'no', '0', 'off'].includes(text)) return false;
      return refuse('true or false');
    }
    case 'colour': {
      const rgb = typeof given === 'string' ? parseColour(given) : undefined;
      if (rgb === undefined) return refuse('a colour as #rrggbb or r,g,b (each 0..255)');
      return formatColour(rgb);
    }
    case 'path':
      if (typeof given !== 'string' || given.trim() === '') return refuse('a file or folder path');
      return given;
    case 'text': {
      if (typeof given !== 'string') return refuse('text');
      const text = given.trim();
      if (text === '' || text.length > MAX_TEXT_LENGTH) {
        return refuse(`text of 1 to ${MAX_TEXT_LENGTH} characters`);
      }
      // eslint-disable-next-line no-control-regex -- control characters are what is refused
      if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) {
        return refuse('text without control characters');
      }
      return text;
    }
    case 'choice': {
      const choices = spec.choices ?? [];
      const text = String(given).trim().toLowerCase();
      if (!choices.includes(text)) return refuse(`one of ${choices.join(', ')}`);
      return text;
    }
  }
}

function rangeText(spec: ParamSpec): string {
  if (spec.min !== undefined && spec.max !== undefined) {
    return ` from ${spec.min} to ${spec.max}`;
  }
  if (spec.min !== undefined) return ` >= ${spec.min}`;
  if (spec.max !== undefined) return ` <= ${spec.max}`;
  return '';
}

/** Parses "#rrggbb" or "r,g,b" (each 0..255, whole numbers); undefined when it is neither. */
export function parseColour(text: string): [number, number, number] | undefined {
  const trimmed = text.trim();
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(trimmed);
  if (hex !== null) {
    return [parseInt(hex[1] ?? '', 16), parseInt(hex[2] ?? '', 16), parseInt(hex[3] ?? '', 16)];
  }
  const parts = trimmed.split(',').map((p) => p.trim());
  if (parts.length !== 3 || !parts.every((p) => /^\d{1,3}$/.test(p))) return undefined;
  const rgb = parts.map(Number);
  if (!rgb.every((v) => v <= 255)) return undefined;
  return [rgb[0] ?? 0, rgb[1] ?? 0, rgb[2] ?? 0];
}

/** "#rrggbb" for an RGB triple of bytes. */
export function formatColour(rgb: readonly [number, number, number]): string {
  return `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/** A resolved number parameter (resolveWithSpecs has checked its type). */
export function numberParam(params: EditorParams, name: string): number {
  const value = params[name];
  if (typeof value !== 'number') throw new TypeError(`parameter ${name} is not a resolved number`);
  return value;
}

/** A resolved optional number parameter, or undefined when absent. */
export function optionalNumberParam(params: EditorParams, name: string): number | undefined {
  return params[name] === undefined ? undefined : numberParam(params, name);
}

/** A resolved boolean parameter. */
export function booleanParam(params: EditorParams, name: string): boolean {
  const value = params[name];
  if (typeof value !== 'boolean')
    throw new TypeError(`parameter ${name} is not a resolved boolean`);
  return value;
}

/** A resolved string parameter (path, colour, choice), or undefined when optional and absent. */
export function stringParam(params: EditorParams, name: string): string | undefined {
  const value = params[name];
  if (value !== undefined && typeof value !== 'string') {
    throw new TypeError(`parameter ${name} is not a resolved string`);
  }
  return value;
}
