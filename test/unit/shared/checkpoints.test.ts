// Checkpoint names, their training order and the --pattern glob.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  globMatcher,
  globProblem,
  naturalCompare,
  orderCheckpoints,
  parseCheckpointName,
  trackRecordOf,
} from '../../../src/shared/checkpoints';

test('the epoch and step are read from names, not from digits elsewhere in them', () => {
  const cases: [string, number | null, number | null][] = [
    ['resnet18_ep10.pt', 10, null],
    ['model-v2-epoch_003.onnx', 3, null],
    ['checkpoint-step-5000.pt', null, 5000],
    ['ckpt_e12.pth', 12, null],
    ['epoch=3-step=1000.ckpt', 3, 1000],
    ['ep1.onnx', 1, null],
    ['EPOCH-7.ONNX', 7, null],
    ['epochs_20.bin', 20, null],
    ['global_step100.safetensors', null, 100],
    ['it5000.pt', null, 5000],
    ['iter-100.pt', null, 100],
    ['iteration_42.pt', null, 42],
    ['steps.9.pt', null, 9],
    ['/runs/ep99/ckpt_ep5.pt', 5, null],
    ['C:\\runs\\ep99\\ckpt_ep5.pt', 5, null],
    ['resnet18.pt', null, null],
    ['deep10.pt', null, null],
    ['sweep3.pt', null, null],
    ['step10x.pt', null, null],
    ['lr1e-3_ep4.pt', 4, null],
    ['model-e2e.pt', null, null],
    ['checkpoint-5000.pt', null, null],
    ['pretrain-epoch90-finetune-epoch3.pt', 3, null],
  ];
  for (const [name, epoch, step] of cases) {
    assert.deepEqual(parseCheckpointName(name), { epoch, step }, name);
  }
});

test('checkpoints are ordered by epoch, else step, else modification time; ties by name', () => {
  const files = (names: string[], mtimes = names.map((_, i) => 1000 * (names.length - i))) =>
    names.map((file, i) => ({ file, mtimeMs: mtimes[i] ?? 0 }));
  const byEpoch = orderCheckpoints(files(['ep10.onnx', 'ep2.onnx', 'ep1.onnx']));
  assert.equal(byEpoch.order, 'epoch');
  assert.deepEqual(
    byEpoch.files.map((f) => f.file),
    ['ep1.onnx', 'ep2.onnx', 'ep10.onnx'],
  );
  const lightning = orderCheckpoints(
    files(['epoch=1-step=900.ckpt', 'epoch=1-step=300.ckpt', 'epoch=0-step=100.ckpt']),
  );
  assert.deepEqual(
    lightning.files.map((f) => f.step),
    [100, 300, 900],
  );
  const bySteps = orderCheckpoints(files(['step-500.pt', 'ep3_step-100.pt']));
  assert.equal(bySteps.order, 'step');
  assert.deepEqual(
    bySteps.files.map((f) => f.file),
    ['ep3_step-100.pt', 'step-500.pt'],
  );
  const byTime = orderCheckpoints(files(['b.pt', 'ep3.pt', 'a.pt'], [3, 1, 2]));
  assert.equal(byTime.order, 'mtime');
  assert.deepEqual(
    byTime.files.map((f) => f.file),
    ['ep3.pt', 'a.pt', 'b.pt'],
  );
  const ties = orderCheckpoints(files(['ckpt-10.pt', 'ckpt-2.pt', 'ckpt-1.pt'], [5, 5, 5]));
  assert.deepEqual(
    ties.files.map((f) => f.file),
    ['ckpt-1.pt', 'ckpt-2.pt', 'ckpt-10.pt'],
  );
  assert.equal(orderCheckpoints([]).order, 'epoch');
});

test('natural comparison counts digit runs as numbers, the same everywhere', () => {
  assert.ok(naturalCompare('a2', 'a10') < 0);
  assert.ok(naturalCompare('a010', 'a9') > 0);
  assert.ok(naturalCompare('a', 'a1') < 0);
  assert.equal(naturalCompare('x7', 'x7'), 0);
  assert.ok(naturalCompare('a01', 'a1') !== 0);
});

test('a track record of ordered checkpoints is what a result may hold', () => {
  const ordered = orderCheckpoints([
    { file: '/ck/ep2.onnx', mtimeMs: Date.UTC(2024, 0, 2) },
    { file: '/ck/ep1.onnx', mtimeMs: Date.UTC(2024, 0, 1) },
  ]);
  const track = trackRecordOf(ordered, (p) => p.replace('/ck/', ''));
  assert.deepEqual(track, {
    order: 'epoch',
    checkpoints: [
      { file: 'ep1.onnx', epoch: 1, step: null, mtime: '2024-01-01T00:00:00.000Z' },
      { file: 'ep2.onnx', epoch: 2, step: null, mtime: '2024-01-02T00:00:00.000Z' },
    ],
  });
});

test('the glob matches *, ?, sets and alternatives, ignoring case and hidden files', () => {
  const m = globMatcher('*.pt,*.pth,ckpt_[0-9]?.bin,[!x]*.ckpt');
  for (const name of ['a.pt', 'B.PT', 'ep1.pth', 'ckpt_12.bin', 'last.ckpt'])
    assert.ok(m(name), name);
  for (const name of ['a.pt.tmp', '.a.pt', 'ckpt_1.bin', 'ckpt_a1.bin', 'x.ckpt', 'a.onnx'])
    assert.ok(!m(name), name);
  assert.ok(globMatcher('.*.pt')('.hidden.pt'));
  assert.ok(!globMatcher('[]a].pt')(']].pt') && globMatcher('[]a].pt')('].pt'));
  assert.ok(globMatcher('a+b(1).pt')('a+b(1).pt'), 'regular expression characters are literal');
  assert.ok(globMatcher('*')('anything.bin'));
});

test('patterns that cannot be matched are refused with the reason', () => {
  assert.match(globProblem('*.pt,') ?? '', /empty alternative/);
  assert.match(globProblem('ck/*.pt') ?? '', /names a folder/);
  assert.match(globProblem('ep[12.pt') ?? '', /without its \]/);
  assert.match(globProblem('*'.repeat(1001)) ?? '', /longer than/);
  assert.equal(globProblem('*.pt, *.pth'), null);
  assert.throws(() => globMatcher('ep[1'), /not valid/);
});
