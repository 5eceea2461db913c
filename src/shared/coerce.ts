// Coercions of values that arrive from a file or another process into their declared types: a
// value of the wrong type becomes a neutral fallback instead of an error, for fields that are only
// displayed (normalize.ts for results, the webview's snapshot model). Pure: no Node, no DOM.

/** An object whose fields are not known yet. */
export type Loose = Record<string, unknown>;

/** Whether `x` is a plain object (not null, not an array). */
export function isPlainObject(x: unknown): x is Loose {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** `x` when it is a plain object (not null, not an array); otherwise an empty one. */
export function obj(x: unknown): Loose {
  return isPlainObject(x) ? x : {};
}

/** Whether `x` is a whole number that survives JSON exactly (a message or preview id). */
export function isSafeId(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x);
}

/** A received or hand-written value for a message: as JSON, shortened to at most 60 characters. */
export function shown(value: unknown): string {
  const written = jsonOf(value) ?? String(value);
  return written.length > 60 ? `${written.slice(0, 57)}...` : written;
}

/**
 * `value` as JSON (undefined for what JSON leaves out); a BigInt or a cycle, which structured
 * clone carries across processes and JSON.stringify throws on, in words: a message that quotes
 * one must still be refused, not crash its receiver.
 */
function jsonOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return typeof value === 'bigint' ? `${String(value)}n` : `an ${typeof value} JSON cannot write`;
  }
}

/** `x` when it is a finite number; otherwise `fallback`. */
export function num(x: unknown, fallback: number): number {
  return typeof x === 'number' && Number.isFinite(x) ? x : fallback;
}

/** `x` when it is a finite number; otherwise null. */
export function numOrNull(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

/** `x` when it is a boolean; otherwise `fallback`. */
export function bool(x: unknown, fallback: boolean): boolean {
  return typeof x === 'boolean' ? x : fallback;
}

/** `x` when it is a string; otherwise `fallback`. */
export function str(x: unknown, fallback = ''): string {
  return typeof x === 'string' ? x : fallback;
}

/** `x` when it is a string; otherwise null. */
export function strOrNull(x: unknown): string | null {
  return typeof x === 'string' ? x : null;
}

/** The string entries of `x`, the others dropped; empty when `x` is not an array. */
export function strings(x: unknown): string[] {
  return Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : [];
}

/** Text as written; a number or boolean (a label `7`, a title `2024`) as its text. */
export function text(x: unknown, fallback = ''): string {
  if (typeof x === 'string') return x;
  if (typeof x === 'number' || typeof x === 'boolean') return String(x);
  return fallback;
}

/** `text(x)` when `x` is a string, number or boolean; otherwise null. */
export function textOrNull(x: unknown): string | null {
  return typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' ? text(x) : null;
}

/** Every entry as text; entries of no textual kind become '' so indices keep their meaning. */
export function texts(x: unknown): string[] {
  return Array.isArray(x) ? x.map((v) => text(v)) : [];
}

/** Every entry as a number; entries that are not finite numbers become NaN so indices keep theirs. */
export function numbers(x: unknown): number[] {
  return Array.isArray(x) ? x.map((v) => num(v, Number.NaN)) : [];
}

/** `x` when it is a whole number from 0; otherwise null. */
export function index(x: unknown): number | null {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 ? x : null;
}
