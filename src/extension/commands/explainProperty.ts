import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import * as vscode from 'vscode';

import { hasImageExtension, IMAGE_EXTENSIONS } from '../../shared/imageExtensions';
import { ExplanationPanel, type PanelServices, type RunRequest } from '../panel/explanationPanel';
import { newRunName } from '../store/runFolders';
import { parseClassifiers, type ClassifierChoice } from './classifierEntries';
import {
  chooseClassifiers,
  PICK_STATE_KEYS,
  startFolder,
  type ClassifierPickUi,
  type PickOutcome,
} from './classifierPick';
import {
  conventionalMaskPath,
  demoClassifiers,
  propertyPresets,
  stepChoices,
  type PropertyPreset,
} from './choices';
import { showEditorModelHelp } from './editorModelHelp';
import {
  chooseInstructionEdit,
  editorModelChoices,
  INSTRUCTION_EDITOR,
  instructionParams,
  instructionProblem,
  STATE_KEYS,
  type InstructionChoice,
  type InstructionEditUi,
} from './instructionEdit';
import { frameCacheLocation, type EditorParam, type Settings } from './settings';
import { reportSkipped, workspaceSettings } from './workspaceSettings';
import { resultName } from '../../shared/names';

/** What the command needs from the extension. */
export interface ExplainContext {
  readonly extensionPath: string;
  readonly services: PanelServices;
  readonly workspaceState: vscode.Memento;
  readonly storagePath: string;
}

/** Explain Property: pick what to change and which classifiers to ask, then run beside the code. */
export async function explainProperty(
  context: ExplainContext,
  uri: vscode.Uri | undefined,
): Promise<void> {
  if (!(await trusted())) return;
  const image = uri?.fsPath ?? activeImage() ?? (await pickImage());
  if (image === undefined) return;
  if (!hasImageExtension(image)) {
    void vscode.window.showErrorMessage(
      `PropSweep explains PNG, JPEG, WebP and BMP images; ${image.split(/[\\/]/).at(-1) ?? image} is none of these.`,
    );
    return;
  }
  const state = context.workspaceState;
  const settings = workspaceSettings(context.services.log);
  const maskBeside = conventionalMaskPath(image);
  const hasMask = existsSync(maskBeside);
  const preset = await pickPreset(state, settings, hasMask);
  if (preset === undefined) return;
  const extra = await presetInputs(
    context,
    settings,
    preset,
    image,
    hasMask ? maskBeside : undefined,
  );
  if (extra === undefined) return;
  const run = await pickRun(
    context,
    settings,
    preset,
    preset.defaultSteps === undefined
      ? 'images from strength 0 to 1'
      : 'images from strength 0 to 1, each a whole diffusion run',
  );
  if (run === undefined) return;
  await rememberChoices(state, preset, extra, run);
  const request = buildRequest(
    context,
    settings,
    image,
    preset,
    extra,
    run.picked.choices,
    run.steps,
    run.permutations,
  );
  await ExplanationPanel.showLive(context.services).run(request);
}

/** The choices of a run after the property's: classifiers, steps and permutations. */
export interface RunChoices {
  readonly picked: PickOutcome;
  /** Where the step count is remembered (a preset with its own default steps keeps its own). */
  readonly stepsKey: string;
  readonly steps: number;
  readonly permutations: number;
}

/**
 * Asks which classifiers (at least one), how many steps (`stepsDetail` under the first offer)
 * and how many permutations; undefined when a question is dismissed.
 */
export async function pickRun(
  context: ExplainContext,
  settings: Settings,
  preset: PropertyPreset,
  stepsDetail: string,
): Promise<RunChoices | undefined> {
  const state = context.workspaceState;
  const picked = await pickClassifiers(context);
  if (picked === undefined || picked.choices.length === 0) return undefined;
  const stepPick = stepChoices(preset, settings.steps);
  const steps = await pickNumber(
    'Steps on the path',
    stepPick.options,
    state.get<number>(stepPick.stateKey),
    (n) => `${n} steps`,
    stepsDetail,
  );
  if (steps === undefined) return undefined;
  const permutations = await pickNumber(
    'Permutations of the shuffle test',
    [settings.permutations, 1000, 10000, 100000],
    state.get<number>('propsweep.lastPermutations'),
    (n) => `${n.toLocaleString('en')} permutations`,
    'the paper uses 10,000',
  );
  if (permutations === undefined) return undefined;
  return { picked, stepsKey: stepPick.stateKey, steps, permutations };
}

/** Remembers what was chosen, so that each question offers it first next time. */
export async function rememberChoices(
  state: vscode.Memento,
  preset: PropertyPreset,
  extra: PresetInputs,
  run: RunChoices,
): Promise<void> {
  await state.update('propsweep.lastPreset', preset.id);
  await state.update(PICK_STATE_KEYS.last, run.picked.memory.last);
  await state.update(PICK_STATE_KEYS.added, run.picked.memory.added);
  await state.update(run.stepsKey, run.steps);
  if (extra.instruction !== undefined) {
    await state.update(STATE_KEYS.model, extra.instruction.model);
    await state.update(STATE_KEYS.instruction, extra.instruction.instruction);
  }
  await state.update('propsweep.lastPermutations', run.permutations);
}

/** Explain the bundled demo: the dark cat's fur recoloured, with the three demo classifiers. */
export async function explainDemo(context: ExplainContext): Promise<void> {
  if (!(await trusted())) return;
  const images = join(context.extensionPath, 'models', 'demo', 'images');
  const preset = propertyPresets(true, false).find((p) => p.id === 'colour-light');
  if (preset === undefined) return;
  const settings = workspaceSettings(context.services.log);
  const request = buildRequest(
    context,
    settings,
    join(images, 'dark-cat.png'),
    preset,
    { mask: join(images, 'dark-cat.mask.png'), params: {} },
    demoChoices(context.extensionPath),
    settings.steps,
    settings.permutations,
  );
  await ExplanationPanel.showLive(context.services).run(request);
}

/** The run of Explain Property for these choices (Explain Property Across Images takes its settings). */
export function buildRequest(
  context: ExplainContext,
  settings: Settings,
  image: string,
  preset: PropertyPreset,
  extra: { mask?: string | undefined; params: Record<string, EditorParam> },
  classifiers: readonly ClassifierChoice[],
  steps: number,
  permutations: number,
): RunRequest {
  const defaults = settings.editorDefaults[preset.editor] ?? {};
  return {
    image,
    ...(extra.mask !== undefined && { mask: extra.mask }),
    editor: preset.editor,
    params: { ...defaults, ...preset.params, ...extra.params },
    steps,
    seed: settings.seed,
    permutations,
    alpha: settings.alpha,
    models: classifiers.map((c) => c.spec),
    provider: settings.executionProvider,
    deviceId: settings.deviceId,
    ...(preset.editor === INSTRUCTION_EDITOR && {
      editMemoryMB: settings['diffusion.memoryBudgetMB'],
    }),
    cacheDir: frameCacheLocation(settings, context.storagePath).dir,
    outDir: join(runsFolder(context.storagePath), newRunName()),
    name: resultName(image, preset.id),
  };
}

/** The folder of the runs' outputs, in the extension's storage (pruned after each run). */
export function runsFolder(storagePath: string): string {
  return join(storagePath, 'runs');
}

/** Whether models may run here; in a restricted workspace says why not and offers to trust it. */
export async function trusted(): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const choice = await vscode.window.showWarningMessage(
    'PropSweep runs no models or editors in a restricted workspace. Saved results still open. Trust the workspace to explain images.',
    'Manage Workspace Trust',
  );
  if (choice === 'Manage Workspace Trust')
    await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}

function activeImage(): string | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const uri =
    input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom
      ? input.uri
      : undefined;
  return uri !== undefined && hasImageExtension(uri.fsPath) ? uri.fsPath : undefined;
}

async function pickImage(): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: 'Explain',
    filters: { Images: [...IMAGE_EXTENSIONS] },
  });
  return picked?.[0]?.fsPath;
}

/** Asks which property to change (the last one used first); `hasMask`: a mask is given. */
export async function pickPreset(
  state: vscode.Memento,
  settings: Settings,
  hasMask: boolean,
): Promise<PropertyPreset | undefined> {
  const presets = propertyPresets(hasMask, settings.editorModels.length > 0);
  const last = state.get<string>('propsweep.lastPreset');
  const ordered =
    last === undefined
      ? presets
      : [...presets.filter((p) => p.id === last), ...presets.filter((p) => p.id !== last)];
  const items = ordered.map((preset) => ({
    label: preset.label,
    detail: preset.detail,
    description:
      preset.needsMask && !hasMask ? 'needs a mask: you will be asked for one' : preset.editor,
    preset,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title: 'PropSweep: which property should change?',
    placeHolder: 'The property to change step by step',
    matchOnDetail: true,
    ignoreFocusOut: true,
  });
  return picked?.preset;
}

/** What a preset asked for: a mask, its parameters, and for the instruction edit what to keep. */
export interface PresetInputs {
  readonly mask?: string;
  readonly params: Record<string, EditorParam>;
  readonly instruction?: InstructionChoice;
}

/** Asks what the preset needs (a mask when none is given, an overlay, a folder, an instruction). */
export async function presetInputs(
  context: ExplainContext,
  settings: Settings,
  preset: PropertyPreset,
  image: string,
  mask: string | undefined,
): Promise<PresetInputs | undefined> {
  if (preset.ask === 'instruction') {
    const instruction = await pickInstructionEdit(context, settings);
    return instruction === undefined
      ? undefined
      : { params: instructionParams(settings, instruction), instruction };
  }
  const params: Record<string, EditorParam> = {};
  let chosenMask = mask;
  if (preset.needsMask && chosenMask === undefined) {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      openLabel: 'Use as mask',
      title: `Mask for ${image.split(/[\\/]/).at(-1) ?? image} (white = the object, same size)`,
      filters: { Images: [...IMAGE_EXTENSIONS] },
    });
    chosenMask = picked?.[0]?.fsPath;
    if (chosenMask === undefined) return undefined;
  }
  if (preset.ask === 'overlay') {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      openLabel: 'Blend in',
      title: 'Overlay patch to fade in (PNG with transparency works best)',
      filters: { Images: [...IMAGE_EXTENSIONS] },
    });
    if (picked?.[0] === undefined) return undefined;
    params.overlay = picked[0].fsPath;
  }
  if (preset.ask === 'folder') {
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: false,
      canSelectFolders: true,
      canSelectMany: false,
      openLabel: 'Use these images',
      title: 'Folder of images, in order of the property (numbers in the names are the strengths)',
    });
    if (picked?.[0] === undefined) return undefined;
    params.folder = picked[0].fsPath;
  }
  return { ...(preset.needsMask && chosenMask !== undefined && { mask: chosenMask }), params };
}

async function pickInstructionEdit(
  context: ExplainContext,
  settings: Settings,
): Promise<InstructionChoice | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
  const { choices, problems } = editorModelChoices(settings.editorModels, folder);
  reportSkipped(context.services.log, 'editor models', 'propsweep.editorModels', problems);
  const state = context.workspaceState;
  return chooseInstructionEdit(instructionEditUi(context), choices, {
    model: state.get<string>(STATE_KEYS.model),
    instruction: state.get<string>(STATE_KEYS.instruction),
  });
}

function instructionEditUi(context: ExplainContext): InstructionEditUi {
  return {
    pickModel: (items) =>
      Promise.resolve(
        vscode.window.showQuickPick(items, {
          title: 'PropSweep: which editor model?',
          placeHolder: 'An InstructPix2Pix model exported to ONNX (propsweep.editorModels)',
          matchOnDescription: true,
          ignoreFocusOut: true,
        }),
      ),
    browseFolder: async () => {
      const picked = await vscode.window.showOpenDialog({
        canSelectFiles: false,
        canSelectFolders: true,
        canSelectMany: false,
        openLabel: 'Use this model',
        title: 'Folder of an InstructPix2Pix ONNX export (unet, text_encoder, vae_encoder, …)',
      });
      return picked?.[0]?.fsPath;
    },
    showHelp: () => showEditorModelHelp(context.extensionPath, context.services.log),
    pickInstruction: (items) =>
      Promise.resolve(
        vscode.window.showQuickPick(items, {
          title: 'PropSweep: what should the model change?',
          placeHolder: 'An instruction, from weak to strong along the path',
          ignoreFocusOut: true,
        }),
      ),
    askInstruction: (value) =>
      Promise.resolve(
        vscode.window.showInputBox({
          title: 'PropSweep: instruction',
          prompt: 'What to change, as an instruction to the model, e.g. "make the fur white"',
          value,
          ignoreFocusOut: true,
          validateInput: (text) => instructionProblem(text) ?? null,
        }),
      ),
  };
}

/** Asks which classifiers to run (settings, workspace file, demo models, browse). */
async function pickClassifiers(context: ExplainContext): Promise<PickOutcome | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
  const fromSettings = parseClassifiers(
    vscode.workspace.getConfiguration('propsweep').get('classifiers'),
    folder,
    'settings',
  );
  const fromWorkspace = workspaceClassifiers(folder);
  const problems = [...fromSettings.problems, ...fromWorkspace.problems];
  reportSkipped(context.services.log, 'classifiers', 'propsweep.classifiers', problems);
  const state = context.workspaceState;
  return chooseClassifiers(
    classifierPickUi(),
    [...fromSettings.choices, ...fromWorkspace.choices],
    demoChoices(context.extensionPath),
    { last: state.get(PICK_STATE_KEYS.last), added: state.get(PICK_STATE_KEYS.added) },
    folder,
    existsSync,
  );
}

function classifierPickUi(): ClassifierPickUi {
  const open = async (
    options: vscode.OpenDialogOptions,
    last: string | undefined,
  ): Promise<readonly string[] | undefined> => {
    const from = startFolder(last);
    const picked = await vscode.window.showOpenDialog({
      ...options,
      ...(from !== undefined && { defaultUri: vscode.Uri.file(from) }),
    });
    return picked?.map((u) => u.fsPath);
  };
  return {
    pick: (items) =>
      Promise.resolve(
        vscode.window.showQuickPick(items, {
          title: 'PropSweep: which classifiers?',
          placeHolder: 'Every classifier sees the same edited images',
          canPickMany: true,
          matchOnDescription: true,
          ignoreFocusOut: true,
        }),
      ),
    browseOnnx: () =>
      open(
        { canSelectMany: true, openLabel: 'Use', filters: { 'ONNX models': ['onnx'] } },
        undefined,
      ),
    pickClipFolder: async (last) =>
      (
        await open(
          {
            canSelectFiles: false,
            canSelectFolders: true,
            canSelectMany: false,
            openLabel: 'Use this CLIP model',
            title:
              'Folder of a CLIP model exported for zero-shot image classification (model.onnx, tokenizer, preprocessor_config.json)',
          },
          last === undefined ? undefined : `${last}/.`,
        )
      )?.[0],
    pickPrompts: async (last) =>
      (
        await open(
          {
            canSelectMany: false,
            openLabel: 'Use these prompts',
            title:
              'Prompts file: one per line, "cat: a photo of a cat" groups prompts into a class',
          },
          last,
        )
      )?.[0],
    askCommand: (value, check) =>
      Promise.resolve(
        vscode.window.showInputBox({
          title: 'PropSweep: classifier command',
          prompt:
            'Your classifier process, run without a shell; {checkpoint} is replaced by the checkpoint file (README "Classifier commands")',
          placeHolder: 'python predict.py --checkpoint {checkpoint}',
          value,
          ignoreFocusOut: true,
          validateInput: (text) => check(text),
        }),
      ),
    pickCheckpoint: async (last) =>
      (
        await open(
          {
            canSelectMany: false,
            openLabel: 'Use this checkpoint',
            title: 'Checkpoint file for {checkpoint}',
          },
          last,
        )
      )?.[0],
  };
}

function workspaceClassifiers(folder: string): { choices: ClassifierChoice[]; problems: string[] } {
  const path = join(folder, '.propsweep', 'config.json');
  if (folder === '' || !existsSync(path)) return { choices: [], problems: [] };
  try {
    if (statSync(path).size > MAX_CONFIG_BYTES)
      return {
        choices: [],
        problems: [`.propsweep/config.json is larger than ${MAX_CONFIG_BYTES / 1024} KiB`],
      };
    return parseClassifiers(
      (JSON.parse(readFileSync(path, 'utf8')) as { classifiers?: unknown } | null)?.classifiers,
      folder,
      'workspace',
    );
  } catch (error) {
    return {
      choices: [],
      problems: [`.propsweep/config.json is not valid JSON (${(error as Error).message})`],
    };
  }
}

/** The largest `.propsweep/config.json` read: a list of classifiers is small. */
const MAX_CONFIG_BYTES = 1024 * 1024;

function demoChoices(extensionPath: string): ClassifierChoice[] {
  const dir = join(extensionPath, 'models', 'demo');
  return existsSync(dir) ? demoClassifiers(extensionPath, readdirSync(dir)) : [];
}

/** Asks for a number among `options` (the last one used first). */
async function pickNumber(
  title: string,
  options: number[],
  last: number | undefined,
  label: (n: number) => string,
  detail: string,
): Promise<number | undefined> {
  const first = last ?? options[0] ?? 0;
  const values = [first, ...options.filter((n) => n !== first)].filter(
    (n, i, all) => all.indexOf(n) === i,
  );
  const picked = await vscode.window.showQuickPick(
    values.map((n, i) => ({
      label: label(n),
      description: i === 0 ? (last === undefined ? 'default' : 'last used') : '',
      ...(i === 0 && { detail }),
      n,
    })),
    { title: `PropSweep: ${title}`, ignoreFocusOut: true },
  );
  return picked?.n;
}
