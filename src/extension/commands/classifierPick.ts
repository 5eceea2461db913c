// The classifier pick of Explain Property: the configured entries of every kind (their kind shown),
// the ones picked by hand before, the bundled demo, and three ways to add one: an ONNX file, a
// zero-shot CLIP model (an export folder, then a prompts file) and a classifier command (a command
// line split like a shell would, then its checkpoint). What was added by hand is remembered per
// workspace as entries of the settings' shape, read back through the same checks. Pure: the
// dialogs come in as a `ClassifierPickUi`, so tests drive the flow with fakes.
import { dirname } from 'node:path';

import {
  choiceDetail,
  choiceFiles,
  choiceKey,
  commandWords,
  KIND_LABELS,
  kindOf,
  namesCheckpoint,
  parseEntry,
  type ClassifierChoice,
} from './classifierEntries';

/** Where the pick's memory is kept in the workspace state. */
export const PICK_STATE_KEYS = {
  /** The keys (choiceKey) of the last picked classifiers. */
  last: 'propsweep.lastClassifiers',
  /** Classifiers added by hand (CLIP, commands, ONNX files), as settings entries, newest first. */
  added: 'propsweep.addedClassifiers',
} as const;

/** Classifiers added by hand that the pick keeps offering. */
export const MAX_ADDED = 8;

/** What an item of the pick does. */
export type PickAction =
  | { readonly kind: 'choice'; readonly choice: ClassifierChoice }
  | { readonly kind: 'onnx' }
  | { readonly kind: 'clip' }
  | { readonly kind: 'command' };

/** An item of the (multi-select) classifier pick. */
export interface PickItem {
  readonly label: string;
  readonly description: string;
  readonly detail?: string;
  readonly picked: boolean;
  readonly action: PickAction;
}

/** What the pick remembers in the workspace state. */
export interface PickMemory {
  readonly last?: unknown;
  readonly added?: unknown;
}

/** The dialogs of the pick (VS Code's quick pick, file dialogs and input box). */
export interface ClassifierPickUi {
  pick(items: readonly PickItem[]): Promise<readonly PickItem[] | undefined>;
  /** ONNX files; undefined when dismissed. */
  browseOnnx(): Promise<readonly string[] | undefined>;
  /** A CLIP export folder, starting at the last one. */
  pickClipFolder(last: string | undefined): Promise<string | undefined>;
  /** A prompts file, starting at the last one. */
  pickPrompts(last: string | undefined): Promise<string | undefined>;
  /** The command line, starting from `value`; `check` says what is wrong with a line, or null. */
  askCommand(value: string, check: (line: string) => string | null): Promise<string | undefined>;
  /** The checkpoint file for `{checkpoint}`, starting at the last one. */
  pickCheckpoint(last: string | undefined): Promise<string | undefined>;
}

/** What was picked, and what to remember. */
export interface PickOutcome {
  readonly choices: readonly ClassifierChoice[];
  readonly memory: { readonly last: string[]; readonly added: unknown[] };
}

/** The remembered classifiers added by hand, checked like settings entries (a bad one is dropped). */
export function addedChoices(added: unknown, base: string): ClassifierChoice[] {
  if (!Array.isArray(added)) return [];
  return added.slice(0, MAX_ADDED).flatMap((entry: unknown) => {
    const parsed = parseEntry(entry, base);
    return typeof parsed === 'string' ? [] : [{ ...parsed, origin: 'picked' as const }];
  });
}

/**
 * The items: each classifier once (by key; configured first, then added by hand, then the demo),
 * then the three ways to add one. The last pick is preselected while its files exist; with none,
 * the configured and added ones, or the demo when there are none.
 */
export function classifierItems(
  choices: readonly ClassifierChoice[],
  last: readonly string[] | undefined,
  exists: (path: string) => boolean,
): PickItem[] {
  const seen = new Set<string>();
  const unique = choices.filter((c) => {
    const key = choiceKey(c.spec);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const own = unique.filter((c) => c.origin !== 'demo');
  const preselect = new Set(
    (last ?? (own.length > 0 ? own : unique).map((c) => choiceKey(c.spec))).filter(
      (k) => typeof k === 'string',
    ),
  );
  const items: PickItem[] = unique.map((choice) => ({
    label: choice.name,
    description: describe(choice),
    detail: choiceDetail(choice.spec),
    picked: preselect.has(choiceKey(choice.spec)) && choiceFiles(choice.spec).every(exists),
    action: { kind: 'choice', choice },
  }));
  items.push(
    {
      label: '$(folder-opened) Browse for an ONNX file…',
      description: '',
      picked: false,
      action: { kind: 'onnx' },
    },
    {
      label: '$(symbol-color) Zero-shot CLIP…',
      description: '',
      detail: 'A CLIP export folder (optimum zero-shot-image-classification), then a prompts file',
      picked: false,
      action: { kind: 'clip' },
    },
    {
      label: '$(terminal) Classifier command…',
      description: '',
      detail:
        'Your own process, e.g. python predict.py --checkpoint {checkpoint} (README "Classifier commands")',
      picked: false,
      action: { kind: 'command' },
    },
  );
  return items;
}

function describe(choice: ClassifierChoice): string {
  if (choice.origin === 'demo') return 'bundled demo (cats vs dogs)';
  const origin = choice.origin === 'picked' ? 'added' : choice.origin;
  return `${KIND_LABELS[kindOf(choice.spec)]} · ${origin}`;
}

/**
 * Asks which classifiers; undefined when the user dismisses a dialog. `base` is the workspace
 * folder (a command runs there by default). Added classifiers go to the front of `added`.
 */
export async function chooseClassifiers(
  ui: ClassifierPickUi,
  configured: readonly ClassifierChoice[],
  demo: readonly ClassifierChoice[],
  memory: PickMemory,
  base: string,
  exists: (path: string) => boolean,
): Promise<PickOutcome | undefined> {
  const added: unknown[] = Array.isArray(memory.added)
    ? (memory.added as unknown[]).slice(0, MAX_ADDED)
    : [];
  const last = Array.isArray(memory.last)
    ? memory.last.filter((k): k is string => typeof k === 'string')
    : undefined;
  const addedBefore = addedChoices(added, base);
  const picked = await ui.pick(
    classifierItems([...configured, ...addedBefore, ...demo], last, exists),
  );
  if (picked === undefined) return undefined;
  const choices = picked.flatMap((p) => (p.action.kind === 'choice' ? [p.action.choice] : []));
  const newEntries: unknown[] = [];
  const kinds = new Set(picked.map((p) => p.action.kind));
  if (kinds.has('onnx')) {
    const files = await ui.browseOnnx();
    if (files === undefined) return undefined;
    newEntries.push(...files);
  }
  if (kinds.has('clip')) {
    const lastSpec = addedBefore.find((c) => c.spec.kind === 'clip')?.spec;
    const lastClip = lastSpec?.kind === 'clip' ? lastSpec : undefined;
    const folder = await ui.pickClipFolder(lastClip?.path);
    if (folder === undefined) return undefined;
    const prompts = await ui.pickPrompts(lastClip?.prompts);
    if (prompts === undefined) return undefined;
    newEntries.push({ clip: folder, prompts });
  }
  if (kinds.has('command')) {
    const lastCommand = addedBefore.find((c) => c.spec.kind === 'command')?.spec;
    const line = await ui.askCommand(
      lastCommand?.kind === 'command' ? lastCommand.command.join(' ') : '',
      commandLineProblem,
    );
    if (line === undefined) return undefined;
    const words = commandWords(line);
    if (typeof words === 'string') return undefined;
    let checkpoint: string | undefined;
    if (namesCheckpoint(words)) {
      checkpoint = await ui.pickCheckpoint(
        lastCommand?.kind === 'command' ? lastCommand.checkpoint : undefined,
      );
      if (checkpoint === undefined) return undefined;
    }
    newEntries.push({ command: words, ...(checkpoint !== undefined && { checkpoint }) });
  }
  for (const entry of newEntries) {
    const parsed = parseEntry(entry, base);
    if (typeof parsed !== 'string') choices.push({ ...parsed, origin: 'picked' });
  }
  const keys = new Set(newEntries.map((e) => keyOfEntry(e, base)));
  return {
    choices,
    memory: {
      last: choices.map((c) => choiceKey(c.spec)),
      added: [...newEntries, ...added.filter((e) => !keys.has(keyOfEntry(e, base)))].slice(
        0,
        MAX_ADDED,
      ),
    },
  };
}

/** What is wrong with a typed command line, or null (the input box's check). */
export function commandLineProblem(line: string): string | null {
  const words = commandWords(line);
  if (typeof words !== 'string') return null;
  return `${words.charAt(0).toUpperCase()}${words.slice(1)}.`;
}

function keyOfEntry(entry: unknown, base: string): string | null {
  const parsed = parseEntry(entry, base);
  return typeof parsed === 'string' ? null : choiceKey(parsed.spec);
}

/** Where a dialog for `file` starts: its folder, or nothing. */
export function startFolder(file: string | undefined): string | undefined {
  return file === undefined ? undefined : dirname(file);
}
