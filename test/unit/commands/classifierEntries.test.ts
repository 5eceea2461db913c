// Classifier entries of every kind from settings or .propsweep/config.json: hostile input, each
// bad entry reported and skipped, paths resolved against the workspace folder.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  choiceDetail,
  choiceKey,
  CLASSIFIER_ENTRY_LIMITS,
  commandLine,
  parseClassifiers,
} from '../../../src/extension/commands/classifierEntries';
import { modelSpecProblem } from '../../../src/shared/childProtocol';

test('ONNX entries: paths and {path, name}, relative to the workspace; bad ones reported', () => {
  const { choices, problems } = parseClassifiers(
    ['models/a.onnx', { path: '/abs/b.onnx', name: 'Bee' }, { name: 'no path' }, 'notes.txt', 7],
    '/ws',
    'settings',
  );
  assert.deepEqual(choices, [
    { name: 'a', spec: { kind: 'onnx', path: '/ws/models/a.onnx', name: 'a' }, origin: 'settings' },
    { name: 'Bee', spec: { kind: 'onnx', path: '/abs/b.onnx', name: 'Bee' }, origin: 'settings' },
  ]);
  assert.equal(problems.length, 3);
  assert.match(problems[0] ?? '', /^classifiers\[2\] has no "path", "command" or "clip"/);
  assert.match(problems[1] ?? '', /^classifiers\[3\] \("notes\.txt"\) is not an \.onnx file/);
  assert.match(problems[2] ?? '', /^classifiers\[4\] is 7/);
  assert.match(parseClassifiers({ a: 1 }, '/ws', 'workspace').problems.join(), /must be a list/);
  assert.deepEqual(parseClassifiers(undefined, '/ws', 'workspace'), { choices: [], problems: [] });
});

test('a command entry: its words as given, the checkpoint and cwd resolved, the workspace folder by default', () => {
  const { choices, problems } = parseClassifiers(
    [
      {
        command: ['python', 'predict.py', '--checkpoint', '{checkpoint}'],
        checkpoint: 'runs/ep10.pt',
        name: 'resnet',
      },
      { command: 'node "my bridge.js" {checkpoint}', checkpoint: '/ck/ep2.pt', cwd: 'tools' },
      { command: ['./serve'] },
    ],
    '/ws',
    'workspace',
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(
    choices.map((c) => [c.name, c.spec]),
    [
      [
        'resnet',
        {
          kind: 'command',
          command: ['python', 'predict.py', '--checkpoint', '{checkpoint}'],
          checkpoint: '/ws/runs/ep10.pt',
          cwd: '/ws',
          name: 'resnet',
        },
      ],
      [
        'ep2.pt',
        {
          kind: 'command',
          command: ['node', 'my bridge.js', '{checkpoint}'],
          checkpoint: '/ck/ep2.pt',
          cwd: '/ws/tools',
          name: 'ep2.pt',
        },
      ],
      ['serve', { kind: 'command', command: ['./serve'], cwd: '/ws', name: 'serve' }],
    ],
  );
  for (const c of choices) assert.equal(modelSpecProblem(c.spec), null, 'the child accepts it');
  assert.equal(
    choiceDetail(choices[1]?.spec ?? { path: '' }),
    "node 'my bridge.js' {checkpoint} · {checkpoint} = /ck/ep2.pt",
  );
});

test('a CLIP entry: the folder and the prompts resolved, the output checked', () => {
  const { choices, problems } = parseClassifiers(
    [
      { clip: 'models/clip-onnx', prompts: 'prompts.txt' },
      { clip: '/m/clip', prompts: '/p.txt', output: 'similarity', name: 'CLIP sim' },
      { clip: 'models/clip-onnx' },
      { clip: 'x', prompts: 'p.txt', output: 'logits' },
    ],
    '/ws',
    'settings',
  );
  assert.deepEqual(
    choices.map((c) => c.spec),
    [
      { kind: 'clip', path: '/ws/models/clip-onnx', prompts: '/ws/prompts.txt', name: 'clip-onnx' },
      { kind: 'clip', path: '/m/clip', prompts: '/p.txt', output: 'similarity', name: 'CLIP sim' },
    ],
  );
  assert.match(problems[0] ?? '', /^classifiers\[2\] has no "prompts"/);
  assert.match(
    problems[1] ?? '',
    /^classifiers\[3\] has "output": "logits"; it must be "softmax" or "similarity"/,
  );
  for (const c of choices) assert.equal(modelSpecProblem(c.spec), null);
});

test('hostile entries are reported and skipped, the others kept', () => {
  const long = 'a'.repeat(CLASSIFIER_ENTRY_LIMITS.path + 1);
  const entries: unknown[] = [
    { path: 'a.onnx', command: ['x'] },
    { command: [] },
    { command: ['python', 7] },
    { command: 'python "unclosed' },
    { command: ['python', 'p.py', '{checkpoint}'] },
    { command: Array.from({ length: CLASSIFIER_ENTRY_LIMITS.words + 1 }, () => 'x') },
    { command: ['evil\u0000'] },
    { command: ['python'], cwd: 42 },
    { path: `${long}.onnx` },
    { path: 'a.onnx', name: 'x'.repeat(CLASSIFIER_ENTRY_LIMITS.name + 1) },
    { path: 'a.onnx', name: 'line\nbreak' },
    { clip: 'c', prompts: ['p.txt'] },
    null,
    [],
    'ok.onnx',
  ];
  const { choices, problems } = parseClassifiers(entries, '/ws', 'settings');
  assert.deepEqual(
    choices.map((c) => c.name),
    ['ok'],
  );
  assert.equal(problems.length, entries.length - 1);
  const [both, empty, notText, unclosed, noCheckpoint, many, control, cwd] = problems;
  assert.match(both ?? '', /has "path" and "command"; an entry is one kind of classifier/);
  assert.match(empty ?? '', /the command is empty/);
  assert.match(notText ?? '', /the command has 7; every word must be text/);
  assert.match(unclosed ?? '', /unclosed double quote/);
  assert.match(noCheckpoint ?? '', /names \{checkpoint\} in its command but gives no "checkpoint"/);
  assert.match(many ?? '', /257 words; at most 256/);
  assert.match(control ?? '', /without control characters/);
  assert.match(cwd ?? '', /has "cwd": 42; it must be a path/);
  const tooMany = parseClassifiers(
    Array.from({ length: CLASSIFIER_ENTRY_LIMITS.entries + 5 }, (_, i) => `m${i}.onnx`),
    '/ws',
    'settings',
  );
  assert.equal(tooMany.choices.length, CLASSIFIER_ENTRY_LIMITS.entries);
  assert.match(tooMany.problems.join(), /the first 64 are used/);
});

test('without a workspace folder, a relative path is reported; an absolute one is used', () => {
  const { choices, problems } = parseClassifiers(
    ['rel.onnx', '/abs/m.onnx', { command: ['python', 'p.py'] }],
    '',
    'settings',
  );
  assert.deepEqual(
    choices.map((c) => c.spec),
    [
      { kind: 'onnx', path: '/abs/m.onnx', name: 'm' },
      { kind: 'command', command: ['python', 'p.py'], name: 'python' },
    ],
  );
  assert.match(problems.join(), /"rel\.onnx", relative, and no workspace folder is open/);
});

test('keys: an ONNX pick is remembered by its path (as before kinds); others by all they run', () => {
  assert.equal(choiceKey({ kind: 'onnx', path: '/m/a.onnx' }), '/m/a.onnx');
  assert.equal(choiceKey({ path: '/m/a.onnx' }), '/m/a.onnx');
  const a = choiceKey({ kind: 'command', command: ['p', '{checkpoint}'], checkpoint: '/a.pt' });
  const b = choiceKey({ kind: 'command', command: ['p', '{checkpoint}'], checkpoint: '/b.pt' });
  assert.notEqual(a, b);
  assert.notEqual(
    choiceKey({ kind: 'clip', path: '/c', prompts: '/p' }),
    choiceKey({ kind: 'clip', path: '/c', prompts: '/p', output: 'similarity' }),
  );
  assert.equal(
    commandLine(['python', 'a b.py', "it's", '--x=1']),
    `python 'a b.py' 'it'\\''s' --x=1`,
  );
});

test('package.json declares the three kinds of entry with the same bounds', () => {
  const manifest = JSON.parse(
    readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8'),
  ) as {
    contributes: {
      configuration: { properties: Record<string, { maxItems?: number; items?: unknown }> };
    };
  };
  const declared = manifest.contributes.configuration.properties['propsweep.classifiers'];
  assert.ok(declared);
  assert.equal(declared.maxItems, CLASSIFIER_ENTRY_LIMITS.entries);
  const items = declared.items as { oneOf: { type: string; required?: string[] }[] };
  assert.deepEqual(
    items.oneOf.map((o) => (o.type === 'string' ? 'string' : (o.required ?? []).join('+'))),
    ['string', 'path', 'command', 'clip+prompts'],
  );
});
