// The user's prompts for a CLIP zero-shot classifier: one prompt per line, `class: prompt` lines
// grouping several prompts into one class (CLIP's prompt ensembling), `#` comments. Parsing is
// pure so every refusal is unit tested; reading is bounded (a prompts file is someone's text file,
// and a pasted book or a device must fail at once, not fill the inference child).
import { createHash } from 'node:crypto';

import { shown } from '../../shared/coerce';
import { readRegularFile, UnreadableFileError } from '../files/boundedFiles';
import { ModelInputError } from './types';

/** A class and the prompts (indices into PromptSet.prompts) whose embeddings it averages. */
export interface PromptClass {
  readonly label: string;
  readonly prompts: readonly number[];
}

/** A prompts file parsed: every prompt in file order, and the classes in order of first appearance. */
export interface PromptSet {
  readonly prompts: readonly string[];
  readonly classes: readonly PromptClass[];
}

/** Bounds on a prompts file: each prompt is run through the text tower once per load. */
export const PROMPT_LIMITS = {
  /** Largest prompts file. */
  bytes: 1024 * 1024,
  /** Most prompts (lines that are not blank or comments). */
  prompts: 1000,
  /** Longest prompt and longest class name, in characters (CLIP reads 75 tokens). */
  chars: 256,
} as const;

const FORMAT_HINT =
  'Write one prompt per line ("a photo of a cat"), or "class: prompt" to group several prompts into one class ("cat: a photo of a cat"); lines starting with # are comments.';

/**
 * The prompts and classes of a prompts file's text. A line without ":" is its own class, labelled
 * by the prompt; "class: prompt" adds the prompt to that class (the first ":" separates, so a
 * prompt may contain more). Blank lines and lines starting with "#" are skipped. Throws
 * ModelInputError naming `path` and the line for an empty class or prompt, a prompt or class name
 * too long, a repeated prompt, too many prompts, or no prompt at all.
 */
export function parsePrompts(text: string, path: string): PromptSet {
  const prompts: string[] = [];
  const lineOf = new Map<string, number>();
  const classes = new Map<string, number[]>();
  const lines = text.split(/\r\n|\r|\n/);
  for (const [k, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const at = `${path} line ${k + 1}`;
    const colon = line.indexOf(':');
    const label = (colon < 0 ? line : line.slice(0, colon)).trim();
    const prompt = (colon < 0 ? line : line.slice(colon + 1)).trim();
    // Quoted short (shown): these come before the length check, and a line may fill the file.
    if (label === '') {
      throw new ModelInputError(
        `${at} has no class name before ":" (${shown(line)}). ${FORMAT_HINT}`,
      );
    }
    if (prompt === '') {
      throw new ModelInputError(
        `${at} names the class ${shown(label)} but no prompt after ":". ${FORMAT_HINT}`,
      );
    }
    for (const [what, value] of [
      ['prompt', prompt],
      ['class name', label],
    ] as const) {
      if (value.length > PROMPT_LIMITS.chars) {
        throw new ModelInputError(
          `${at}: the ${what} has ${value.length} characters; at most ${PROMPT_LIMITS.chars} are allowed (CLIP reads 75 tokens). Shorten it.`,
        );
      }
    }
    const first = lineOf.get(prompt);
    if (first !== undefined) {
      throw new ModelInputError(
        `${at} repeats the prompt "${prompt}" of line ${first}; each prompt may appear once (a repeated prompt would weigh twice in its class). Remove one.`,
      );
    }
    if (prompts.length === PROMPT_LIMITS.prompts) {
      throw new ModelInputError(
        `${path} has more than ${PROMPT_LIMITS.prompts} prompts; each is run through the text encoder. Keep the prompts that matter.`,
      );
    }
    lineOf.set(prompt, k + 1);
    const members = classes.get(label) ?? [];
    members.push(prompts.length);
    classes.set(label, members);
    prompts.push(prompt);
  }
  if (prompts.length === 0) {
    throw new ModelInputError(`${path} has no prompts. ${FORMAT_HINT}`);
  }
  return {
    prompts,
    classes: [...classes].map(([label, members]) => ({ label, prompts: members })),
  };
}

/** The prompts of a prompts file and the sha256 of its bytes (for results and stale checks). */
export async function readPrompts(path: string): Promise<{ set: PromptSet; sha256: string }> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(path, PROMPT_LIMITS.bytes);
  } catch (error) {
    if (!(error instanceof UnreadableFileError)) throw error;
    throw new ModelInputError(
      `The prompts file ${path} cannot be read: ${error.message}. Give a text file of at most 1 MiB. ${FORMAT_HINT}`,
    );
  }
  let text: string;
  try {
    // fatal: a binary file is refused instead of read as replacement characters; the BOM is dropped.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ModelInputError(
      `The prompts file ${path} is not UTF-8 text. Save it as UTF-8. ${FORMAT_HINT}`,
    );
  }
  return {
    set: parsePrompts(text, path),
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}
