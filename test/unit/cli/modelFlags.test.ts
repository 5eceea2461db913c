// The classifier flags of explain and track: every kind, how commands pair with checkpoints and
// CLIP models with prompts files, and each refusal's message.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';

import { UsageError } from '../../../src/cli/args';
import { modelSpecsFrom, type ModelFlagValues } from '../../../src/cli/modelFlags';

const specs = (values: ModelFlagValues) => modelSpecsFrom(values, undefined);

test('ONNX files, commands with their checkpoints and CLIP models, in that order', () => {
  assert.deepEqual(
    specs({
      model: ['a.onnx'],
      'model-command': ['python "my predict.py" --ckpt {checkpoint}'],
      checkpoint: ['runs/ep1.pt'],
      'clip-model': ['clip'],
      prompts: ['p.txt'],
      'clip-output': 'similarity',
      'hello-timeout': '30',
    }),
    [
      { path: resolve('a.onnx') },
      {
        kind: 'command',
        command: ['python', 'my predict.py', '--ckpt', '{checkpoint}'],
        checkpoint: resolve('runs/ep1.pt'),
        helloSeconds: 30,
      },
      { kind: 'clip', path: resolve('clip'), prompts: resolve('p.txt'), output: 'similarity' },
    ],
  );
});

test('one command for several checkpoints, or one checkpoint per command', () => {
  const many = specs({ 'model-command': ['run {checkpoint}'], checkpoint: ['a.pt', 'b.pt'] });
  assert.deepEqual(
    many.map((s) => (s.kind === 'command' ? s.checkpoint : null)),
    [resolve('a.pt'), resolve('b.pt')],
  );
  const paired = specs({
    'model-command': ['x {checkpoint}', 'y {checkpoint}'],
    checkpoint: ['a', 'b'],
  });
  assert.deepEqual(
    paired.map((s) => (s.kind === 'command' ? [s.command[0], s.checkpoint] : null)),
    [
      ['x', resolve('a')],
      ['y', resolve('b')],
    ],
  );
  assert.deepEqual(specs({ 'model-command': ['serve --fixed'] }), [
    { kind: 'command', command: ['serve', '--fixed'] },
  ]);
  const clips = specs({ 'clip-model': ['m1', 'm2'], prompts: ['p.txt'] });
  assert.deepEqual(
    clips.map((s) => (s.kind === 'clip' ? s.prompts : null)),
    [resolve('p.txt'), resolve('p.txt')],
  );
});

test('what does not pair or is missing is refused with what to give', () => {
  for (const [values, message] of [
    [{}, /give at least one classifier/],
    [
      { 'model-command': ['a {checkpoint}', 'b {checkpoint}'], checkpoint: ['1', '2', '3'] },
      /2 --model-command and 3 --checkpoint do not pair/,
    ],
    [
      { 'model-command': ['run {checkpoint}'] },
      /names \{checkpoint\}: give the file with --checkpoint FILE/,
    ],
    [{ 'model-command': ["run 'x"] }, /unclosed single quote/],
    [{ 'model-command': ['   '] }, /needs a command/],
    [{ model: ['a.onnx'], checkpoint: ['x.pt'] }, /--checkpoint belongs to a --model-command/],
    [{ model: ['a.onnx'], 'batch-timeout': '5' }, /belong to a --model-command/],
    [{ 'model-command': ['x'], 'hello-timeout': '0' }, /--hello-timeout must be more than 0/],
    [{ 'clip-model': ['m'] }, /--clip-model needs its prompts/],
    [
      { 'clip-model': ['m1', 'm2', 'm3'], prompts: ['a', 'b'] },
      /3 --clip-model and 2 --prompts do not pair/,
    ],
    [
      { 'clip-model': ['m'], prompts: ['p'], 'clip-output': 'logits' },
      /--clip-output must be softmax or similarity/,
    ],
    [{ model: ['a.onnx'], prompts: ['p'] }, /--prompts and --clip-output belong to a --clip-model/],
  ] as const) {
    assert.throws(
      () => specs(values),
      (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.match(error.message, message);
        return true;
      },
    );
  }
});
