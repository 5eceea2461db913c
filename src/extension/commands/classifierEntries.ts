// Classifier entries of `propsweep.classifiers` and `.propsweep/config.json`, of every kind: an
// ONNX path or `{path, name}`, a classifier command `{command, checkpoint, cwd, name}` and a CLIP
// model `{clip, prompts, output, name}`. Both sources are hostile input (a cloned repository's
// settings may hold anything): types, lengths and counts are checked, paths resolve against the
// workspace folder, and each bad entry is reported and skipped, the others kept. Pure: no VS Code,
// no I/O; the choices carry the ModelSpec the child runs.
import { basename, extname, isAbsolute, resolve } from 'node:path';

import type { ClassifierKind, ModelSpec } from '../../shared/childProtocol';
import { isPlainObject, shown } from '../../shared/coerce';
import { shellWords } from '../../shared/shellWords';

/** A classifier the user can pick: what the child runs, and where it was configured. */
export interface ClassifierChoice {
  /** Shown in the pick and in the result. */
  readonly name: string;
  /** With absolute paths (a command's program and arguments as written). */
  readonly spec: ModelSpec;
  readonly origin: 'settings' | 'workspace' | 'demo' | 'picked';
}

/** Bounds on the entries (the same in package.json's schema; a unit test compares). */
export const CLASSIFIER_ENTRY_LIMITS = {
  /** A pick of more would not fit a screen; the run's models are bounded by the result too. */
  entries: 64,
  name: 100,
  path: 4096,
  /** Program and arguments of a command. */
  words: 256,
  word: 4096,
} as const;

/** The placeholder a command's arguments name the checkpoint with. */
export const CHECKPOINT_PLACEHOLDER = '{checkpoint}';

/** What a kind is called in the pick and in messages. */
export const KIND_LABELS: Readonly<Record<ClassifierKind, string>> = {
  onnx: 'ONNX',
  command: 'command',
  clip: 'CLIP zero-shot',
};

/** What an entry may be, in words (the end of every problem line). */
const ALLOWED =
  'an ONNX path, {"path", "name"}, {"command": [...], "checkpoint", "cwd", "name"} or {"clip": DIR, "prompts": FILE, "output", "name"}';

/**
 * The entries of `entries` (a `classifiers` list) as choices, paths resolved against `base` (the
 * workspace folder; '' when none is open, and then a relative path is reported). Returns the
 * choices and one line per entry that could not be used.
 */
export function parseClassifiers(
  entries: unknown,
  base: string,
  origin: ClassifierChoice['origin'],
): { choices: ClassifierChoice[]; problems: string[] } {
  const choices: ClassifierChoice[] = [];
  const problems: string[] = [];
  if (entries === undefined || entries === null) return { choices, problems };
  if (!Array.isArray(entries))
    return { choices, problems: [`"classifiers" must be a list of entries, each ${ALLOWED}`] };
  entries.slice(0, CLASSIFIER_ENTRY_LIMITS.entries).forEach((entry: unknown, i) => {
    const parsed = parseEntry(entry, base);
    if (typeof parsed === 'string') problems.push(`classifiers[${i}] ${parsed}`);
    else choices.push({ ...parsed, origin });
  });
  if (entries.length > CLASSIFIER_ENTRY_LIMITS.entries)
    problems.push(
      `"classifiers" has ${entries.length} entries; the first ${CLASSIFIER_ENTRY_LIMITS.entries} are used`,
    );
  return { choices, problems };
}

/** One entry as a choice (without its origin), or what is wrong with it. */
export function parseEntry(
  entry: unknown,
  base: string,
): { readonly name: string; readonly spec: ModelSpec } | string {
  if (typeof entry === 'string') return onnxEntry(entry, undefined, base);
  if (!isPlainObject(entry)) return `is ${shown(entry)}; each entry must be ${ALLOWED}`;
  const kinds = (['path', 'command', 'clip'] as const).filter((k) => entry[k] !== undefined);
  if (kinds.length !== 1)
    return kinds.length === 0
      ? `has no "path", "command" or "clip"; each entry must be ${ALLOWED}`
      : `has ${kinds.map((k) => `"${k}"`).join(' and ')}; an entry is one kind of classifier`;
  const name = entry.name;
  if (name !== undefined && nameProblem(name) !== null)
    return `has the name ${shown(name)}: ${nameProblem(name) ?? ''}`;
  const given = typeof name === 'string' ? name.trim() : undefined;
  switch (kinds[0]) {
    case 'path':
      return onnxEntry(entry.path, given, base);
    case 'command':
      return commandEntry(entry, given, base);
    default:
      return clipEntry(entry, given, base);
  }
}

function onnxEntry(path: unknown, name: string | undefined, base: string) {
  const checked = pathOf(path, base, '"path"');
  if (typeof checked !== 'string') return checked.problem;
  if (extname(checked).toLowerCase() !== '.onnx') return `(${shown(path)}) is not an .onnx file`;
  const shownName = name ?? basename(checked, extname(checked));
  return { name: shownName, spec: { kind: 'onnx' as const, path: checked, name: shownName } };
}

function commandEntry(entry: Record<string, unknown>, name: string | undefined, base: string) {
  const command = commandWords(entry.command);
  if (typeof command === 'string') return `cannot be run: ${command}`;
  const checkpoint =
    entry.checkpoint === undefined ? undefined : pathOf(entry.checkpoint, base, '"checkpoint"');
  if (checkpoint !== undefined && typeof checkpoint !== 'string') return checkpoint.problem;
  if (checkpoint === undefined && namesCheckpoint(command))
    return `names ${CHECKPOINT_PLACEHOLDER} in its command but gives no "checkpoint" file`;
  // The workspace folder by default: `python predict.py` means the script there.
  const cwd =
    entry.cwd === undefined ? (base === '' ? undefined : base) : pathOf(entry.cwd, base, '"cwd"');
  if (cwd !== undefined && typeof cwd !== 'string') return cwd.problem;
  const shownName = name ?? basename(checkpoint ?? command[0] ?? 'command');
  return {
    name: shownName,
    spec: {
      kind: 'command' as const,
      command,
      ...(checkpoint !== undefined && { checkpoint }),
      ...(cwd !== undefined && { cwd }),
      name: shownName,
    },
  };
}

function clipEntry(entry: Record<string, unknown>, name: string | undefined, base: string) {
  const path = pathOf(entry.clip, base, '"clip"');
  if (typeof path !== 'string') return path.problem;
  if (entry.prompts === undefined)
    return 'has no "prompts": a CLIP model needs a prompts file (one per line, "cat: a photo of a cat")';
  const prompts = pathOf(entry.prompts, base, '"prompts"');
  if (typeof prompts !== 'string') return prompts.problem;
  const given = entry.output;
  if (given !== undefined && given !== 'softmax' && given !== 'similarity')
    return `has "output": ${shown(given)}; it must be "softmax" or "similarity"`;
  const output: 'softmax' | 'similarity' | undefined = given;
  const shownName = name ?? basename(path);
  return {
    name: shownName,
    spec: {
      kind: 'clip' as const,
      path,
      prompts,
      ...(output !== undefined && { output }),
      name: shownName,
    },
  };
}

/**
 * A command's words: a list of strings, or one string split like a shell would split it; or what
 * is wrong with it, as a phrase ("the command is empty").
 */
export function commandWords(value: unknown): string[] | string {
  let words: unknown[];
  if (typeof value === 'string') {
    if (value.length > CLASSIFIER_ENTRY_LIMITS.word * 4) return 'the command line is too long';
    try {
      words = shellWords(value);
    } catch (error) {
      return (error as Error).message;
    }
  } else if (Array.isArray(value)) words = value;
  else
    return `the command is ${shown(value)}; it must be a list like ["python", "predict.py", "--checkpoint", "${CHECKPOINT_PLACEHOLDER}"]`;
  if (words.length === 0) return 'the command is empty';
  if (words.length > CLASSIFIER_ENTRY_LIMITS.words)
    return `the command has ${words.length} words; at most ${CLASSIFIER_ENTRY_LIMITS.words}`;
  for (const word of words) {
    if (typeof word !== 'string') return `the command has ${shown(word)}; every word must be text`;
    if (word.length > CLASSIFIER_ENTRY_LIMITS.word || CONTROL.test(word))
      return `the command has ${shown(word)}; each word at most ${CLASSIFIER_ENTRY_LIMITS.word} characters, without control characters`;
  }
  if ((words[0] as string).trim() === '') return 'the program of the command is empty';
  return words as string[];
}

/** Whether a command passes the checkpoint in one of its arguments. */
export function namesCheckpoint(command: readonly string[]): boolean {
  return command.some((word) => word.includes(CHECKPOINT_PLACEHOLDER));
}

/** A command line as shown to the user: each word quoted where a shell would need it. */
export function commandLine(command: readonly string[]): string {
  return command
    .map((word) => (/^[\w@%+=:,./{}-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}

/** The kind of a spec (an ONNX spec may leave it out). */
export function kindOf(spec: ModelSpec): ClassifierKind {
  return spec.kind ?? 'onnx';
}

/**
 * What identifies a choice across runs (the picks remembered per workspace). An ONNX file's is its
 * path, as before kinds existed, so a remembered pick stays valid.
 */
export function choiceKey(spec: ModelSpec): string {
  switch (spec.kind) {
    case 'command':
      return JSON.stringify(['command', spec.command, spec.checkpoint ?? null, spec.cwd ?? null]);
    case 'clip':
      return JSON.stringify(['clip', spec.path, spec.prompts, spec.output ?? 'softmax']);
    default:
      return spec.path;
  }
}

/** The files a choice reads (a remembered pick is preselected only while they all exist). */
export function choiceFiles(spec: ModelSpec): string[] {
  switch (spec.kind) {
    case 'command':
      return spec.checkpoint === undefined ? [] : [spec.checkpoint];
    case 'clip':
      return [spec.path, spec.prompts];
    default:
      return [spec.path];
  }
}

/** One line about a choice for the pick: its file, its command line, its model and prompts. */
export function choiceDetail(spec: ModelSpec): string {
  switch (spec.kind) {
    case 'command':
      return `${commandLine(spec.command)}${spec.checkpoint === undefined ? '' : ` · ${CHECKPOINT_PLACEHOLDER} = ${spec.checkpoint}`}`;
    case 'clip':
      return `${spec.path} · prompts ${spec.prompts}${spec.output === 'similarity' ? ' · similarity' : ''}`;
    default:
      return spec.path;
  }
}

/** Control characters: not in a name shown in a quick pick, a path, or a command's word. */
// eslint-disable-next-line no-control-regex -- control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

function nameProblem(name: unknown): string | null {
  if (typeof name !== 'string') return 'it must be text';
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > CLASSIFIER_ENTRY_LIMITS.name || CONTROL.test(trimmed))
    return `1 to ${CLASSIFIER_ENTRY_LIMITS.name} characters, no control characters`;
  return null;
}

/** A path field resolved against `base`, or why it cannot be used. */
function pathOf(
  value: unknown,
  base: string,
  field: string,
): string | { readonly problem: string } {
  if (typeof value !== 'string' || value.trim() === '')
    return { problem: `has ${field}: ${shown(value)}; it must be a path` };
  const path = value.trim();
  if (path.length > CLASSIFIER_ENTRY_LIMITS.path || CONTROL.test(path))
    return {
      problem: `has ${field}: ${shown(value)}; at most ${CLASSIFIER_ENTRY_LIMITS.path} characters, no control characters`,
    };
  if (!isAbsolute(path) && base === '')
    return { problem: `has ${field}: ${shown(value)}, relative, and no workspace folder is open` };
  return resolve(base, path);
}
