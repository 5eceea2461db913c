// The classifier pick: configured entries of every kind with their kind shown, the demo, and CLIP
// and command classifiers added by hand (remembered per workspace), driven with fake dialogs.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseClassifiers } from '../../../src/extension/commands/classifierEntries';
import {
  chooseClassifiers,
  classifierItems,
  commandLineProblem,
  MAX_ADDED,
  type ClassifierPickUi,
  type PickItem,
} from '../../../src/extension/commands/classifierPick';
import { demoClassifiers } from '../../../src/extension/commands/choices';

const configured = parseClassifiers(
  [
    'models/a.onnx',
    {
      command: ['python', 'predict.py', '{checkpoint}'],
      checkpoint: 'runs/ep10.pt',
      name: 'torch',
    },
    { clip: 'models/clip', prompts: 'prompts.txt' },
  ],
  '/ws',
  'settings',
).choices;
const demo = demoClassifiers('/ext', ['unbiased.onnx']);
const always = (): boolean => true;

/** Fake dialogs: the pick chooses items by label prefix; each dialog answers from `answers`. */
function fakeUi(
  choose: (items: readonly PickItem[]) => readonly PickItem[] | undefined,
  answers: Partial<Record<'clip' | 'prompts' | 'command' | 'checkpoint', string>> & {
    onnx?: string[];
  } = {},
) {
  const calls: string[] = [];
  let shown: readonly PickItem[] = [];
  const ui: ClassifierPickUi = {
    pick: (items) => {
      shown = items;
      return Promise.resolve(choose(items));
    },
    browseOnnx: () => Promise.resolve(answers.onnx),
    pickClipFolder: (last) => {
      calls.push(`clip from ${String(last)}`);
      return Promise.resolve(answers.clip);
    },
    pickPrompts: (last) => {
      calls.push(`prompts from ${String(last)}`);
      return Promise.resolve(answers.prompts);
    },
    askCommand: (value, check) => {
      calls.push(`command from "${value}"`);
      const line = answers.command;
      return Promise.resolve(line === undefined || check(line) !== null ? undefined : line);
    },
    pickCheckpoint: (last) => {
      calls.push(`checkpoint from ${String(last)}`);
      return Promise.resolve(answers.checkpoint);
    },
  };
  return { ui, calls, shown: () => shown };
}

const byLabel =
  (...prefixes: string[]) =>
  (items: readonly PickItem[]) =>
    items.filter((i) => prefixes.some((p) => i.label.includes(p)));

test('every kind is offered with its kind shown; own ones preselected, then the ways to add one', () => {
  const items = classifierItems([...configured, ...demo], undefined, always);
  assert.deepEqual(
    items.map((i) => [i.label, i.description, i.picked]),
    [
      ['a', 'ONNX · settings', true],
      ['torch', 'command · settings', true],
      ['clip', 'CLIP zero-shot · settings', true],
      ['demo: unbiased', 'bundled demo (cats vs dogs)', false],
      ['$(folder-opened) Browse for an ONNX file…', '', false],
      ['$(symbol-color) Zero-shot CLIP…', '', false],
      ['$(terminal) Classifier command…', '', false],
    ],
  );
  assert.equal(
    items[1]?.detail,
    'python predict.py {checkpoint} · {checkpoint} = /ws/runs/ep10.pt',
  );
  // The last pick wins, but only while its files exist.
  const last = classifierItems(
    [...configured, ...demo],
    ['/ext/models/demo/unbiased.onnx', '/ws/models/a.onnx'],
    (p) => p !== '/ws/models/a.onnx',
  );
  assert.deepEqual(
    last.filter((i) => i.picked).map((i) => i.label),
    ['demo: unbiased'],
  );
});

test('Zero-shot CLIP…: a folder, then a prompts file; remembered and offered next time', async () => {
  const first = fakeUi(byLabel('Zero-shot CLIP'), { clip: '/m/clip-b32', prompts: '/ws/p.txt' });
  const outcome = await chooseClassifiers(first.ui, configured, demo, {}, '/ws', always);
  assert.ok(outcome !== undefined);
  assert.deepEqual(
    outcome.choices.map((c) => c.spec),
    [{ kind: 'clip', path: '/m/clip-b32', prompts: '/ws/p.txt', name: 'clip-b32' }],
  );
  assert.deepEqual(first.calls, ['clip from undefined', 'prompts from undefined']);
  assert.deepEqual(outcome.memory.added, [{ clip: '/m/clip-b32', prompts: '/ws/p.txt' }]);
  // Next time: offered as "added", preselected (the last pick), and the dialogs start there.
  const second = fakeUi(byLabel('Zero-shot CLIP'), { clip: '/m/clip-l14', prompts: '/ws/q.txt' });
  const again = await chooseClassifiers(second.ui, configured, demo, outcome.memory, '/ws', always);
  const offered = second.shown().find((i) => i.label === 'clip-b32');
  assert.deepEqual([offered?.description, offered?.picked], ['CLIP zero-shot · added', true]);
  assert.deepEqual(second.calls, ['clip from /m/clip-b32', 'prompts from /ws/p.txt']);
  assert.deepEqual(again?.memory.added, [
    { clip: '/m/clip-l14', prompts: '/ws/q.txt' },
    { clip: '/m/clip-b32', prompts: '/ws/p.txt' },
  ]);
});

test('Classifier command…: the line split like a shell, then the checkpoint it names', async () => {
  const ui = fakeUi(byLabel('Classifier command', 'demo'), {
    command: `python "my predict.py" --checkpoint {checkpoint}`,
    checkpoint: '/ws/runs/ep3.pt',
  });
  const outcome = await chooseClassifiers(ui.ui, configured, demo, {}, '/ws', always);
  assert.deepEqual(
    outcome?.choices.map((c) => c.spec),
    [
      demo[0]?.spec,
      {
        kind: 'command',
        command: ['python', 'my predict.py', '--checkpoint', '{checkpoint}'],
        checkpoint: '/ws/runs/ep3.pt',
        cwd: '/ws',
        name: 'ep3.pt',
      },
    ],
  );
  assert.deepEqual(ui.calls, ['command from ""', 'checkpoint from undefined']);
  // A command without {checkpoint} asks for no checkpoint.
  const plain = fakeUi(byLabel('Classifier command'), { command: './classify' });
  const out = await chooseClassifiers(plain.ui, [], [], {}, '/ws', always);
  assert.deepEqual(
    out?.choices.map((c) => c.spec),
    [{ kind: 'command', command: ['./classify'], cwd: '/ws', name: 'classify' }],
  );
  assert.deepEqual(plain.calls, ['command from ""']);
});

test('a dismissed dialog cancels the whole pick; a bad line is refused by the input check', async () => {
  assert.equal(
    await chooseClassifiers(fakeUi(() => undefined).ui, configured, demo, {}, '/ws', always),
    undefined,
  );
  const noPrompts = fakeUi(byLabel('Zero-shot CLIP'), { clip: '/m/clip' });
  assert.equal(await chooseClassifiers(noPrompts.ui, [], [], {}, '/ws', always), undefined);
  const badLine = fakeUi(byLabel('Classifier command'), { command: 'python "open' });
  assert.equal(await chooseClassifiers(badLine.ui, [], [], {}, '/ws', always), undefined);
  assert.equal(commandLineProblem('python "open'), 'The command has an unclosed double quote.');
  assert.equal(commandLineProblem('   '), 'The command is empty.');
  assert.equal(commandLineProblem('python predict.py'), null);
});

test('the remembered additions are bounded and re-checked like settings entries', async () => {
  const added = [
    { clip: '/bad' },
    ...Array.from({ length: MAX_ADDED + 3 }, (_, i) => `/m/${i}.onnx`),
  ];
  const ui = fakeUi(() => []);
  await chooseClassifiers(ui.ui, [], [], { added, last: 'junk' }, '/ws', always);
  const offered = ui.shown().filter((i) => i.action.kind === 'choice');
  assert.equal(offered.length, MAX_ADDED - 1, 'the bad entry is dropped, at most MAX_ADDED read');
  assert.ok(
    offered.every((i) => i.picked),
    'a last pick that is not a list is ignored',
  );
});
