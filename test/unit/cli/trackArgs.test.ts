// `propsweep track` flags: what is run, and what is refused before any work.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';

import { UsageError } from '../../../src/cli/args';
import { splitTrackFlags, trackRequest } from '../../../src/cli/trackCommand';
import { mergeTrack, trackRows, trackTableLine } from '../../../src/cli/trackResult';
import type { ResultFile } from '../../../src/shared/resultFile';
import { sampleResult } from '../builders';
import { HOSTILE_TEXT, hasTerminalControl } from '../helpers';

const BASE = ['--image', 'cat.png', '--editor', 'brightness'];

test('ONNX checkpoints: every explain flag passes through; the name says track', () => {
  const plan = trackRequest([
    '--checkpoints',
    'ck',
    ...BASE,
    '--steps',
    '7',
    '--json',
    '--size',
    '64',
  ]);
  assert.ok(plan !== 'help');
  assert.equal(plan.dir, resolve('ck'));
  assert.equal(plan.pattern, '*.onnx');
  assert.equal(plan.request.steps, 7);
  assert.equal(plan.request.name, 'cat-brightness-track');
  assert.equal(plan.request.outDir, resolve('propsweep-out', 'cat-brightness-track'));
  assert.equal(plan.json, true);
  assert.equal(plan.watch, false);
  assert.ok(!('models' in plan.request));
  assert.deepEqual(plan.model('/ck/ep1.onnx'), {
    path: '/ck/ep1.onnx',
    overrides: { size: [64, 64] },
  });
});

test('a classifier command gets each checkpoint, with its timeouts and its own default pattern', () => {
  const plan = trackRequest([
    ...BASE,
    '--checkpoints=ck',
    '--model-command',
    'python predict.py --checkpoint {checkpoint}',
    '--hello-timeout',
    '30',
    '--watch',
    '--settle',
    '0.5',
    '--name',
    'run1',
  ]);
  assert.ok(plan !== 'help');
  assert.equal(plan.pattern, '*.pt,*.pth,*.ckpt,*.bin,*.safetensors');
  assert.equal(plan.request.name, 'run1');
  assert.equal(plan.watch, true);
  assert.equal(plan.settleMs, 500);
  assert.deepEqual(plan.model('/ck/ep3.pt'), {
    kind: 'command',
    command: ['python', 'predict.py', '--checkpoint', '{checkpoint}'],
    checkpoint: '/ck/ep3.pt',
    helloSeconds: 30,
  });
});

test('what is not a track run is refused with one clear reason', () => {
  const refused: [string[], RegExp][] = [
    [BASE, /track needs --checkpoints DIR/],
    [['--checkpoints', 'ck', '--editor', 'blur'], /track needs --image IMG/],
    [['--checkpoints', 'ck', ...BASE, '--model', 'a.onnx'], /--model belongs to explain/],
    [['--checkpoints', 'ck', ...BASE, '--clip-model', 'd'], /--clip-model belongs to explain/],
    [
      ['--checkpoints', 'ck', ...BASE, '--pattern', 'ep[1'],
      /--pattern "ep\[1" is not a file pattern/,
    ],
    [['--checkpoints', 'ck', ...BASE, '--pattern', 'sub/*.pt'], /names a folder/],
    [['--checkpoints', 'ck', ...BASE, '--settle', '1'], /--settle belongs to --watch/],
    [['--checkpoints', 'ck', ...BASE, '--watch', '--settle', '-1'], /--settle must be 0 to 3600/],
    [
      ['--checkpoints', 'ck', ...BASE, '--model-command', 'python p.py'],
      /must name \{checkpoint\}/,
    ],
    [
      [
        '--checkpoints',
        'ck',
        ...BASE,
        '--model-command',
        'a {checkpoint}',
        '--model-command',
        'b {checkpoint}',
      ],
      /one --model-command/,
    ],
    [['--checkpoints', 'ck', '--checkpoints', 'x', ...BASE], /--checkpoints is given twice/],
    [['--checkpoints', 'ck', ...BASE, '--watch=yes'], /--watch takes no value/],
    [['--checkpoints', 'ck', ...BASE, '--steps', '2'], /steps must be a whole number from 3/],
    [
      ['--checkpoints', 'ck', ...BASE, '--bogus'],
      /Unknown option '--bogus' \(see: propsweep track --help\)/,
    ],
  ];
  for (const [argv, message] of refused) {
    assert.throws(
      () => trackRequest(argv),
      (e: unknown) => e instanceof UsageError && message.test(e.message),
      argv.join(' '),
    );
  }
  assert.equal(trackRequest(['--help']), 'help');
});

test("explain's values are never taken for track's flags", () => {
  const { own, rest } = splitTrackFlags([
    '--param',
    '--watch',
    '--pattern=*.pt',
    '--json',
    '--watch',
  ]);
  assert.deepEqual(own, { pattern: '*.pt', watch: true });
  assert.deepEqual(rest, ['--param', '--watch', '--json']);
});

/** The sample result as a track run of one checkpoint saved in `dir`. */
function tracked(file: string, epoch: number | null, name: string): ResultFile {
  const base = sampleResult();
  const model = base.models[0];
  assert.ok(model !== undefined);
  return {
    ...base,
    models: [{ ...model, name, path: file }],
    track: {
      order: epoch === null ? 'mtime' : 'epoch',
      checkpoints: [{ file, epoch, step: null, mtime: '2024-01-01T00:00:00.000Z' }],
    },
  };
}

test('a later checkpoint merges in training order, its paths made relative to the result', () => {
  const base = { result: tracked('../ck/ep10.onnx', 10, 'ep10'), dir: '/w/out' };
  const added = { result: tracked('../../ck/ep2.onnx', 2, 'ep2'), dir: '/w/tmp/x' };
  const merged = mergeTrack(base, added);
  assert.deepEqual(
    merged.models.map((m) => [m.name, m.path]),
    [
      ['ep2', '../ck/ep2.onnx'],
      ['ep10', '../ck/ep10.onnx'],
    ],
  );
  assert.deepEqual(
    merged.track?.checkpoints.map((c) => c.file),
    ['../ck/ep2.onnx', '../ck/ep10.onnx'],
  );
  assert.equal(merged.track.order, 'epoch');
  assert.deepEqual(
    trackRows({ result: merged, dir: '/w/out' }).map((r) => [r.checkpoint, r.epoch]),
    [
      ['/w/ck/ep2.onnx', 2],
      ['/w/ck/ep10.onnx', 10],
    ],
  );
  const noEpoch = mergeTrack(base, {
    result: tracked('../../ck/last.onnx', null, 'last'),
    dir: '/w/tmp/x',
  });
  assert.equal(noEpoch.track?.order, 'mtime');
  const otherImage = tracked('../ck/ep3.onnx', 3, 'ep3');
  assert.throws(
    () =>
      mergeTrack(base, {
        result: { ...otherImage, image: { ...otherImage.image, sha256: 'other' } },
        dir: '/w/out',
      }),
    /changed since the first checkpoints/,
  );
});

test("a checkpoint's file name is printed with its control characters escaped", () => {
  // A file name has no '/'; training (or whoever wrote the folder) chose the rest.
  const name = `ep3${HOSTILE_TEXT.replaceAll('/', '')}.onnx`;
  const [row] = trackRows({ result: tracked(`../ck/${name}`, 3, 'ep3'), dir: '/w/out' });
  assert.ok(row !== undefined);
  const line = trackTableLine(row);
  assert.ok(!hasTerminalControl(line), JSON.stringify(line));
  assert.match(line, /^ {2}ep3a\\u001b\]8;;http:evil\.example/);
});
