// Checkpoints of a training run, ordered the way training made them. The epoch or the step is read
// from the file name; when not every name has one, the files' modification times decide. Pure: no
// Node, no vscode (the CLI, the extension's watcher and the panel share it).
//
// Name patterns (case-insensitive, in the file name without its folder). A counter is a word
// followed by digits, the two optionally joined by one of _ - = . (nothing else), and it stands on
// its own: before it the start of the name or a character that is not a letter or digit, after it
// the end of the name or such a character. So "resnet18_ep10.pt" is epoch 10 (the 18 belongs to
// "resnet"), "model-v2-epoch_003.onnx" is epoch 3, "checkpoint-step-5000.pt" is step 5000,
// "epoch=3-step=1000.ckpt" (PyTorch Lightning) is epoch 3 and step 1000, and "deep10.pt",
// "sweep3.pt" or "resnet18.pt" have no counter.
// - epoch: `epoch`, `epochs`, `ep`, `e` (ep10, epoch_010, epoch-3, epoch=3, ckpt_e12);
// - step: `step`, `steps`, `global_step`, `iter`, `iters`, `iteration`, `it` (step-5000,
//   step_5000, global_step100, it5000, iter-100).
// A bare number ("checkpoint-5000.pt") is not read: the Hugging Face Trainer counts steps there,
// timm counts epochs. When a name has the same counter twice, the last one counts.

import type { TrackRecord } from './resultFile';

/** The training counters a checkpoint's name gives. */
export interface CheckpointName {
  readonly epoch: number | null;
  readonly step: number | null;
}

/** A checkpoint file before ordering: its path (or name) and modification time. */
export interface CheckpointFile {
  /** The path or name; only the part after the last / or \ is parsed. */
  readonly file: string;
  /** Modification time, milliseconds since 1970. */
  readonly mtimeMs: number;
}

/** How a list of checkpoints was ordered (TrackRecord.order). */
export type CheckpointOrder = TrackRecord['order'];

// The digits (at most 15: a safe integer) after a counter word, ending where a letter or digit
// does not follow. The lookbehind keeps "resnet18" and "deep10" from counting.
const COUNTER = (words: string): RegExp =>
  new RegExp(`(?<![a-z0-9])(?:${words})[_\\-=.]?(\\d{1,15})(?![a-z0-9])`, 'gi');
const EPOCH = COUNTER('epochs|epoch|ep|e');
const STEP = COUNTER('global_step|steps|step|iteration|iters|iter|it');

/** The epoch and step in a checkpoint's file name (see the module comment for the patterns). */
export function parseCheckpointName(file: string): CheckpointName {
  const name = baseName(file);
  return { epoch: lastCounter(EPOCH, name), step: lastCounter(STEP, name) };
}

function lastCounter(pattern: RegExp, name: string): number | null {
  let found: number | null = null;
  for (const match of name.matchAll(pattern)) found = Number(match[1]);
  return found;
}

/** The part of a path after its last / or \. */
export function baseName(file: string): string {
  return file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
}

/**
 * Orders checkpoints as training made them: by epoch when every name has one (then by step), else
 * by step when every name has one, else by modification time; ties by name, digit runs compared
 * as numbers (ckpt-2 before ckpt-10).
 */
export function orderCheckpoints<T extends CheckpointFile>(
  files: readonly T[],
): { readonly order: CheckpointOrder; readonly files: readonly (T & CheckpointName)[] } {
  const named = files.map((f) => ({ ...f, ...parseCheckpointName(f.file) }));
  const order: CheckpointOrder = named.every((f) => f.epoch !== null)
    ? 'epoch'
    : named.every((f) => f.step !== null)
      ? 'step'
      : 'mtime';
  const byCounter = (a: number | null, b: number | null): number =>
    a === null || b === null ? (a === null ? 1 : 0) - (b === null ? 1 : 0) : a - b;
  const sorted = [...named].sort(
    (a, b) =>
      (order === 'epoch'
        ? byCounter(a.epoch, b.epoch) || byCounter(a.step, b.step)
        : order === 'step'
          ? byCounter(a.step, b.step)
          : a.mtimeMs - b.mtimeMs) || naturalCompare(baseName(a.file), baseName(b.file)),
  );
  return { order, files: sorted };
}

/**
 * The track record of ordered checkpoints; `file` gives each one's path as the result records it
 * (relative to the result, or absolute).
 */
export function trackRecordOf(
  ordered: ReturnType<typeof orderCheckpoints>,
  file: (path: string) => string = (path) => path,
): TrackRecord {
  return {
    order: ordered.order,
    checkpoints: ordered.files.map((f) => ({
      file: file(f.file),
      epoch: f.epoch,
      step: f.step,
      mtime: new Date(f.mtimeMs).toISOString(),
    })),
  };
}

/** Compares names with runs of digits as numbers, then as text; the same on every machine. */
export function naturalCompare(a: string, b: string): number {
  const parts = (s: string): string[] => s.match(/\d+|\D+/g) ?? [];
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    if (x === y) continue;
    const digits = /^\d/.test(x) && /^\d/.test(y);
    if (digits) {
      const nx = x.replace(/^0+(?=\d)/, '');
      const ny = y.replace(/^0+(?=\d)/, '');
      if (nx.length !== ny.length) return nx.length - ny.length;
      if (nx !== ny) return nx < ny ? -1 : 1;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Default --pattern of ONNX checkpoints. */
export const ONNX_CHECKPOINTS = '*.onnx';

/** Default --pattern of checkpoints a classifier command loads (PyTorch and friends). */
export const COMMAND_CHECKPOINTS = '*.pt,*.pth,*.ckpt,*.bin,*.safetensors';

/** Longest --pattern accepted, in characters. */
export const MAX_PATTERN_LENGTH = 1000;

/** Why `pattern` is not a checkpoint pattern, or null (see globMatcher). */
export function globProblem(pattern: string): string | null {
  if (pattern.length > MAX_PATTERN_LENGTH)
    return `it is longer than ${MAX_PATTERN_LENGTH} characters`;
  const alternatives = pattern.split(',');
  if (alternatives.some((p) => p.trim() === ''))
    return 'it has an empty alternative (give names like *.pt,*.pth)';
  if (alternatives.some((p) => /[/\\]/.test(p)))
    return 'it names a folder (a pattern matches file names in --checkpoints DIR)';
  for (const p of alternatives) {
    if (compile(p.trim()) === null) return `"${p.trim()}" has a [ without its ]`;
  }
  return null;
}

/**
 * A matcher of file names for a small glob: `*` any characters, `?` one, `[abc]`, `[a-z]` and
 * `[!abc]` one of (or none of) a set; alternatives separated by commas (`*.pt,*.pth`). Case is
 * ignored (CKPT.PT is a checkpoint too); names starting with '.' (hidden and partly written
 * files) match only a pattern that starts with '.'. Throws on a pattern globProblem refuses.
 */
export function globMatcher(pattern: string): (name: string) => boolean {
  const problem = globProblem(pattern);
  if (problem !== null) throw new Error(`the pattern "${pattern}" is not valid: ${problem}`);
  const compiled = pattern.split(',').map((p) => {
    const trimmed = p.trim();
    return { regex: compile(trimmed) ?? /$^/, dot: trimmed.startsWith('.') };
  });
  return (name) =>
    compiled.some(({ regex, dot }) => (dot || !name.startsWith('.')) && regex.test(name));
}

/** The pattern as an anchored regular expression, or null when a [ is not closed. */
function compile(pattern: string): RegExp | null {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '[') {
      // A ] right after [ or [! belongs to the set, as in shells.
      let j = i + 1;
      if (pattern.charAt(j) === '!') j++;
      if (pattern.charAt(j) === ']') j++;
      const end = pattern.indexOf(']', j);
      if (end < 0) return null;
      const negated = pattern.charAt(i + 1) === '!';
      const body = pattern.slice(negated ? i + 2 : i + 1, end);
      source += `[${negated ? '^' : ''}${body.replace(/[\\\]^]/g, (s) => `\\${s}`)}]`;
      i = end;
    } else source += c.replace(/[.*+?^${}()|[\]\\]/g, (s) => `\\${s}`);
  }
  return new RegExp(`^${source}$`, 'is');
}
