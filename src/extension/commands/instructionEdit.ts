// What the instruction edit (the instruct-pix2pix editor) asks before a run: the editor model (an
// ONNX export folder from `propsweep.editorModels`, or one browsed for) and the instruction (a
// preset or the user's own). Pure: the dialogs come in as an `InstructionEditUi`, so tests drive
// the flow with fakes; explainProperty.ts passes VS Code's.
import { basename, isAbsolute, resolve } from 'node:path';

import type { EditorModelEntry, EditorParam, Settings } from './settings';

/** The editor's id (src/extension/editors/diffusion/instructPix2Pix.ts). */
export const INSTRUCTION_EDITOR = 'instruct-pix2pix';

/** The command that makes an editor model (the editor's own messages give it too). */
export const EXPORT_COMMAND =
  'optimum-cli export onnx --model timbrooks/instruct-pix2pix --task image-to-image DIR';

/** What the property pick says while no editor model is configured. */
export const EXPORT_HINT = `Export an InstructPix2Pix model to ONNX: ${EXPORT_COMMAND}, then add it to propsweep.editorModels`;

/** The README section on editor models (opened by "How to export…"). */
export const README_HEADING = 'Diffusion editor models';

/** The label of the items and buttons that open that section. */
export const HOW_TO_EXPORT = 'How to export…';

/** Steps first offered: each image of the path is a whole diffusion run. */
export const INSTRUCTION_STEPS = 11;

/** The instructions offered first. */
export const INSTRUCTION_PRESETS = [
  'make the fur white',
  'change the background to a beach',
  'make it night',
] as const;

/** The longest instruction the editor takes (its `text` parameters; a unit test compares). */
export const MAX_INSTRUCTION_LENGTH = 1000;

/** Where the choices are remembered, per workspace. */
export const STATE_KEYS = {
  model: 'propsweep.lastEditorModel',
  instruction: 'propsweep.lastInstruction',
} as const;

/** An editor model the user can pick. */
export interface EditorModelChoice {
  readonly name: string;
  /** Absolute path of the export folder. */
  readonly path: string;
  readonly origin: 'settings' | 'browsed';
}

/**
 * The configured editor models with their paths resolved against the workspace folder `base`
 * ('' when none is open: a relative path then has nothing to be relative to and is reported).
 */
export function editorModelChoices(
  entries: readonly EditorModelEntry[],
  base: string,
): { choices: EditorModelChoice[]; problems: string[] } {
  const choices: EditorModelChoice[] = [];
  const problems: string[] = [];
  for (const entry of entries) {
    if (!isAbsolute(entry.path) && base === '') {
      problems.push(
        `the editor model "${entry.name}" (${entry.path}) is relative, and no workspace folder is open`,
      );
      continue;
    }
    choices.push({ name: entry.name, path: resolve(base, entry.path), origin: 'settings' });
  }
  return { choices, problems };
}

/** What an item of the editor model pick does. */
export type ModelAction =
  | { readonly kind: 'model'; readonly choice: EditorModelChoice }
  | { readonly kind: 'browse' }
  | { readonly kind: 'help' };

/** An item of the editor model pick. */
export interface ModelItem {
  readonly label: string;
  readonly description?: string;
  readonly detail?: string;
  readonly action: ModelAction;
}

/**
 * The editor model pick: the configured models (the last used first), the last browsed folder
 * when it is not one of them, "Browse…", and "How to export…" while none is configured.
 */
export function editorModelItems(
  configured: readonly EditorModelChoice[],
  last: string | undefined,
): ModelItem[] {
  const lastChoice =
    last === undefined
      ? undefined
      : (configured.find((c) => c.path === last) ??
        ({ name: basename(last), path: last, origin: 'browsed' } as const));
  const ordered =
    lastChoice === undefined
      ? configured
      : [lastChoice, ...configured.filter((c) => c.path !== lastChoice.path)];
  const items: ModelItem[] = ordered.map((choice) => ({
    label: choice.name,
    description: choice === lastChoice ? `last used · ${choice.path}` : choice.path,
    action: { kind: 'model', choice },
  }));
  items.push({
    label: '$(folder-opened) Browse…',
    detail: 'The folder of an InstructPix2Pix ONNX export (unet, text_encoder, vae_encoder, …)',
    action: { kind: 'browse' },
  });
  if (configured.length === 0)
    items.push({
      label: `$(book) ${HOW_TO_EXPORT}`,
      detail: EXPORT_HINT,
      action: { kind: 'help' },
    });
  return items;
}

/** An item of the instruction pick: an instruction, or undefined for "Custom instruction…". */
export interface InstructionItem {
  readonly label: string;
  readonly description?: string;
  readonly instruction: string | undefined;
}

/** The instruction pick: the last instruction first, the presets, then "Custom instruction…". */
export function instructionItems(last: string | undefined): InstructionItem[] {
  const presets: readonly string[] = INSTRUCTION_PRESETS;
  const ordered = last === undefined ? presets : [last, ...presets.filter((p) => p !== last)];
  return [
    ...ordered.map((instruction) => ({
      label: instruction,
      ...(instruction === last && { description: 'last used' }),
      instruction,
    })),
    { label: '$(edit) Custom instruction…', instruction: undefined },
  ];
}

/** Why `text` cannot be an instruction, or undefined when it can (the input box's check). */
export function instructionProblem(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return 'Write what to change, e.g. "make the fur white".';
  if (trimmed.length > MAX_INSTRUCTION_LENGTH)
    return `At most ${MAX_INSTRUCTION_LENGTH} characters (the model reads 77 tokens).`;
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(trimmed)) return 'No control characters.';
  return undefined;
}

/** The dialogs of the flow (VS Code's quick picks, folder dialog, input box and README). */
export interface InstructionEditUi {
  pickModel(items: readonly ModelItem[]): Promise<ModelItem | undefined>;
  browseFolder(): Promise<string | undefined>;
  /** Opens the README's "Diffusion editor models" section. */
  showHelp(): Promise<void>;
  pickInstruction(items: readonly InstructionItem[]): Promise<InstructionItem | undefined>;
  /** The input box, starting from `value`; undefined when dismissed. */
  askInstruction(value: string): Promise<string | undefined>;
}

/** What the instruction edit runs with. */
export interface InstructionChoice {
  /** Absolute path of the export folder. */
  readonly model: string;
  readonly instruction: string;
}

/**
 * Asks for the editor model, then the instruction; undefined when the user dismisses a dialog or
 * asks how to export a model (the README opens instead). A string remembered in `last` is only a
 * suggestion: the editor checks the folder, and the input box checks the instruction.
 */
export async function chooseInstructionEdit(
  ui: InstructionEditUi,
  configured: readonly EditorModelChoice[],
  last: { readonly model?: string | undefined; readonly instruction?: string | undefined },
): Promise<InstructionChoice | undefined> {
  const picked = await ui.pickModel(editorModelItems(configured, last.model));
  if (picked === undefined) return undefined;
  let model: string | undefined;
  switch (picked.action.kind) {
    case 'model':
      model = picked.action.choice.path;
      break;
    case 'browse':
      model = await ui.browseFolder();
      break;
    case 'help':
      await ui.showHelp();
      return undefined;
  }
  if (model === undefined) return undefined;
  const lastInstruction =
    last.instruction !== undefined && instructionProblem(last.instruction) === undefined
      ? last.instruction
      : undefined;
  const item = await ui.pickInstruction(instructionItems(lastInstruction));
  if (item === undefined) return undefined;
  const instruction = item.instruction ?? (await ui.askInstruction(lastInstruction ?? ''));
  if (instruction === undefined || instructionProblem(instruction) !== undefined) return undefined;
  return { model, instruction: instruction.trim() };
}

/** The `propsweep.diffusion.*` settings that are editor parameters, and the parameters' names. */
export const DIFFUSION_PARAMS = {
  'diffusion.denoiseSteps': 'denoiseSteps',
  'diffusion.imageGuidance': 'imageGuidance',
  'diffusion.guidanceMax': 'guidanceMax',
  'diffusion.scheduler': 'scheduler',
  'diffusion.maxSize': 'maxSize',
} as const satisfies Partial<Record<keyof Settings, string>>;

/** The editor's parameters from the settings and the choices (the ExplainRun's `params`). */
export function instructionParams(
  settings: Pick<Settings, keyof typeof DIFFUSION_PARAMS>,
  choice: InstructionChoice,
): Record<string, EditorParam> {
  const params: Record<string, EditorParam> = {
    model: choice.model,
    instruction: choice.instruction,
  };
  for (const [key, name] of Object.entries(DIFFUSION_PARAMS) as [
    keyof typeof DIFFUSION_PARAMS,
    string,
  ][])
    params[name] = settings[key];
  return params;
}

/** The 0-based line of the Markdown heading `heading` in `markdown`, or undefined. */
export function headingLine(markdown: string, heading: string): number | undefined {
  const line = markdown
    .split(/\r?\n/)
    .findIndex((l) => /^#{1,6}\s/.test(l) && l.replace(/^#{1,6}\s+/, '').trim() === heading);
  return line < 0 ? undefined : line;
}

/** The fragment of a heading in VS Code's Markdown preview (GitHub's slug rule, for plain words). */
export function headingSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
}
