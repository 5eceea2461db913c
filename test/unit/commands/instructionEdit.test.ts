// The instruction edit's choices in Explain Property, driven with fake dialogs: the editor model
// (configured, remembered, browsed, or "How to export…"), then the instruction (a preset, the last
// one, or typed), and the parameters the run carries.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  chooseInstructionEdit,
  editorModelChoices,
  editorModelItems,
  EXPORT_COMMAND,
  headingLine,
  headingSlug,
  HOW_TO_EXPORT,
  INSTRUCTION_EDITOR,
  INSTRUCTION_PRESETS,
  instructionItems,
  instructionParams,
  instructionProblem,
  MAX_INSTRUCTION_LENGTH,
  README_HEADING,
  type EditorModelChoice,
  type InstructionEditUi,
  type InstructionItem,
  type ModelItem,
} from '../../../src/extension/commands/instructionEdit';
import { DEFAULT_SETTINGS } from '../../../src/extension/commands/settings';
import { instructPix2PixEditor } from '../../../src/extension/editors/diffusion/instructPix2Pix';
import { EXPORT_COMMAND as EDITOR_EXPORT_COMMAND } from '../../../src/extension/editors/diffusion/modelFolder';
import { MAX_TEXT_LENGTH } from '../../../src/extension/editors/params';

const IP2P: EditorModelChoice = { name: 'ip2p', path: '/models/ip2p', origin: 'settings' };
const FP16: EditorModelChoice = {
  name: 'ip2p fp16',
  path: '/models/ip2p-fp16',
  origin: 'settings',
};

interface Script {
  readonly model: (items: readonly ModelItem[]) => ModelItem | undefined;
  readonly browse?: string;
  readonly instruction?: (items: readonly InstructionItem[]) => InstructionItem | undefined;
  readonly typed?: string;
}

/** Dialogs that answer from a script and record what they were shown. */
function fakeUi(script: Script) {
  const calls: string[] = [];
  const shown: {
    models: readonly ModelItem[] | undefined;
    instructions: readonly InstructionItem[] | undefined;
  } = { models: undefined, instructions: undefined };
  let typedFrom: string | undefined;
  const ui: InstructionEditUi = {
    pickModel: (items) => {
      calls.push('pickModel');
      shown.models = items;
      return Promise.resolve(script.model(items));
    },
    browseFolder: () => {
      calls.push('browseFolder');
      return Promise.resolve(script.browse);
    },
    showHelp: () => {
      calls.push('showHelp');
      return Promise.resolve();
    },
    pickInstruction: (items) => {
      calls.push('pickInstruction');
      shown.instructions = items;
      return Promise.resolve(script.instruction?.(items));
    },
    askInstruction: (value) => {
      calls.push('askInstruction');
      typedFrom = value;
      return Promise.resolve(script.typed);
    },
  };
  return { ui, calls, shown, typedFrom: () => typedFrom };
}

const byLabel =
  <T extends { label: string }>(label: string) =>
  (items: readonly T[]): T | undefined =>
    items.find((i) => i.label === label);

test('a configured model and a preset instruction', async () => {
  const f = fakeUi({ model: byLabel('ip2p fp16'), instruction: byLabel('make it night') });
  const choice = await chooseInstructionEdit(f.ui, [IP2P, FP16], {});
  assert.deepEqual(choice, { model: '/models/ip2p-fp16', instruction: 'make it night' });
  assert.deepEqual(f.calls, ['pickModel', 'pickInstruction']);
  assert.deepEqual(
    f.shown.models?.map((i) => [i.label, i.description ?? '']),
    [
      ['ip2p', '/models/ip2p'],
      ['ip2p fp16', '/models/ip2p-fp16'],
      ['$(folder-opened) Browse…', ''],
    ],
    'the models with their paths, and Browse…; no "How to export…" once one is configured',
  );
  assert.deepEqual(
    f.shown.instructions?.map((i) => i.label),
    [...INSTRUCTION_PRESETS, '$(edit) Custom instruction…'],
  );
});

test('with none configured: Browse… and How to export…, which opens the README and stops', async () => {
  const help = fakeUi({ model: byLabel(`$(book) ${HOW_TO_EXPORT}`) });
  assert.equal(await chooseInstructionEdit(help.ui, [], {}), undefined);
  assert.deepEqual(help.calls, ['pickModel', 'showHelp']);
  assert.deepEqual(
    help.shown.models?.map((i) => i.action.kind),
    ['browse', 'help'],
  );
  const helpItems = help.shown.models;
  assert.match(helpItems.at(1)?.detail ?? '', /optimum-cli export onnx/);

  const browse = fakeUi({
    model: byLabel('$(folder-opened) Browse…'),
    browse: '/home/me/ip2p',
    instruction: byLabel('$(edit) Custom instruction…'),
    typed: '  turn the cat into a tiger  ',
  });
  assert.deepEqual(await chooseInstructionEdit(browse.ui, [], {}), {
    model: '/home/me/ip2p',
    instruction: 'turn the cat into a tiger',
  });
  assert.deepEqual(browse.calls, [
    'pickModel',
    'browseFolder',
    'pickInstruction',
    'askInstruction',
  ]);
  assert.equal(browse.typedFrom(), '', 'an empty input box when nothing was typed before');
});

test('the last model and instruction come first, marked; a browsed folder is offered again', async () => {
  const f = fakeUi({ model: (items) => items[0], instruction: (items) => items[0] });
  const choice = await chooseInstructionEdit(f.ui, [IP2P, FP16], {
    model: '/home/me/other-export',
    instruction: 'make the cat smile',
  });
  assert.deepEqual(choice, { model: '/home/me/other-export', instruction: 'make the cat smile' });
  assert.deepEqual(
    f.shown.models?.map((i) => i.label),
    ['other-export', 'ip2p', 'ip2p fp16', '$(folder-opened) Browse…'],
  );
  const items = f.shown.models;
  assert.match(items.at(0)?.description ?? '', /^last used/);
  assert.deepEqual(f.shown.instructions?.[0], {
    label: 'make the cat smile',
    description: 'last used',
    instruction: 'make the cat smile',
  });

  // A configured model used last moves to the top, once; a preset used last is not repeated.
  assert.deepEqual(
    editorModelItems([IP2P, FP16], FP16.path).map((i) => i.label),
    ['ip2p fp16', 'ip2p', '$(folder-opened) Browse…'],
  );
  assert.deepEqual(
    instructionItems('make it night').map((i) => i.label),
    [
      'make it night',
      'make the fur white',
      'change the background to a beach',
      '$(edit) Custom instruction…',
    ],
  );
});

test('the input box starts from the last instruction; a dismissed dialog runs nothing', async () => {
  const typed = fakeUi({
    model: (items) => items[0],
    instruction: byLabel('$(edit) Custom instruction…'),
    typed: 'make it snow',
  });
  await chooseInstructionEdit(typed.ui, [IP2P], { instruction: 'make it rain' });
  assert.equal(typed.typedFrom(), 'make it rain');

  const dismissed: Script[] = [
    { model: () => undefined },
    { model: byLabel('$(folder-opened) Browse…') }, // the folder dialog cancelled
    { model: byLabel('ip2p') }, // the instruction pick dismissed
    { model: byLabel('ip2p'), instruction: byLabel('$(edit) Custom instruction…') }, // input box
  ];
  for (const script of dismissed) {
    const f = fakeUi(script);
    assert.equal(await chooseInstructionEdit(f.ui, [IP2P], {}), undefined, f.calls.join());
  }
});

test('a remembered instruction that is not one any more is not offered', async () => {
  const f = fakeUi({ model: (items) => items[0], instruction: (items) => items[0] });
  const choice = await chooseInstructionEdit(f.ui, [IP2P], { instruction: 'x'.repeat(5000) });
  assert.equal(choice?.instruction, INSTRUCTION_PRESETS[0]);
});

test('instructions: not empty, bounded like the editor’s text parameters, no control characters', () => {
  assert.equal(MAX_INSTRUCTION_LENGTH, MAX_TEXT_LENGTH);
  assert.equal(instructionProblem('make the fur white'), undefined);
  assert.equal(instructionProblem('x'.repeat(MAX_INSTRUCTION_LENGTH)), undefined);
  assert.match(instructionProblem('   ') ?? '', /Write what to change/);
  assert.match(instructionProblem('x'.repeat(MAX_INSTRUCTION_LENGTH + 1)) ?? '', /At most 1000/);
  assert.match(instructionProblem('make\u0007it night') ?? '', /control/);
});

test('configured paths resolve against the workspace folder; relative ones need a folder', () => {
  const entries = [
    { name: 'rel', path: 'models/ip2p' },
    { name: 'abs', path: '/abs/ip2p' },
  ];
  assert.deepEqual(editorModelChoices(entries, '/ws'), {
    choices: [
      { name: 'rel', path: '/ws/models/ip2p', origin: 'settings' },
      { name: 'abs', path: '/abs/ip2p', origin: 'settings' },
    ],
    problems: [],
  });
  const alone = editorModelChoices(entries, '');
  assert.deepEqual(
    alone.choices.map((c) => c.name),
    ['abs'],
  );
  assert.match(
    alone.problems.join(),
    /"rel" \(models\/ip2p\) is relative, and no workspace folder/,
  );
});

test('the run carries the model, the instruction and the diffusion settings as editor parameters', () => {
  const settings = {
    ...DEFAULT_SETTINGS,
    'diffusion.denoiseSteps': 8,
    'diffusion.scheduler': 'euler-ancestral' as const,
  };
  const params = instructionParams(settings, { model: '/m', instruction: 'make it night' });
  assert.deepEqual(params, {
    model: '/m',
    instruction: 'make it night',
    denoiseSteps: 8,
    imageGuidance: 1.5,
    guidanceMax: 10,
    scheduler: 'euler-ancestral',
    maxSize: 512,
  });
  // The editor takes them as they are: the names and values are its parameters'.
  assert.equal(instructPix2PixEditor.id, INSTRUCTION_EDITOR);
  const resolved = instructPix2PixEditor.resolveParams(params);
  for (const [name, value] of Object.entries(params)) assert.equal(resolved[name], value, name);
});

test('"How to export…" finds the README section; the command matches the editor’s messages', () => {
  const readme = '# PropSweep\n\n## In VS Code\ntext\n\n## Diffusion editor models\r\nExport…\n';
  assert.equal(headingLine(readme, README_HEADING), 5);
  assert.equal(headingLine('Diffusion editor models\n', README_HEADING), undefined);
  assert.equal(headingSlug(README_HEADING), 'diffusion-editor-models');
  assert.ok(EDITOR_EXPORT_COMMAND.startsWith(EXPORT_COMMAND), EDITOR_EXPORT_COMMAND);
});
