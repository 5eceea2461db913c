// The track Watch Checkpoints builds one checkpoint at a time: the template classifier, the first
// point, and each new run merged in training order with the earlier checkpoints' paths rebased.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  checkpointSpec,
  firstPoint,
  mergeTrack,
  samePathProblem,
  watchTemplate,
} from '../../../src/extension/panel/checkpointTrack';
import { validateResultFile, type ResultFile } from '../../../src/shared/resultFile';
import { measure, model, result } from '../webview/builders';

/** A run of one checkpoint `file` (relative to its run folder) with EPGM `epgm`. */
function run(file: string, epgm: number, mtime = '2026-01-01T00:00:00.000Z'): ResultFile {
  return {
    ...result([
      model({ name: file.split('/').at(-1) ?? file, path: file, measure: measure({ epgm }) }),
    ]),
    track: { order: 'epoch', checkpoints: [{ file, epoch: null, step: null, mtime }] },
  };
}

test('the template: a command with {checkpoint} first, else an ONNX file; CLIP alone cannot be watched', () => {
  const command = {
    kind: 'command' as const,
    command: ['python', 'p.py', '{checkpoint}'],
    checkpoint: '/ck/ep1.pt',
    cwd: '/ws',
  };
  const onnx = { kind: 'onnx' as const, path: '/ck/ep1.onnx', name: 'x' };
  const clip = { kind: 'clip' as const, path: '/c', prompts: '/p' };
  const fromCommand = watchTemplate([clip, onnx, command]);
  assert.ok(typeof fromCommand !== 'string');
  assert.equal(fromCommand.spec, command);
  assert.match(fromCommand.pattern, /\*\.pt/);
  assert.deepEqual(checkpointSpec(fromCommand, '/ck/ep2.pt'), {
    ...command,
    checkpoint: '/ck/ep2.pt',
    name: 'ep2.pt',
  });
  const fromOnnx = watchTemplate([clip, { path: '/ck/a.onnx' }]);
  assert.ok(typeof fromOnnx !== 'string');
  assert.equal(fromOnnx.pattern, '*.onnx');
  assert.deepEqual(checkpointSpec(fromOnnx, '/ck/ep3.onnx'), {
    path: '/ck/ep3.onnx',
    name: 'ep3.onnx',
  });
  assert.match(
    JSON.stringify(watchTemplate([clip, { kind: 'command', command: ['./fixed'] }])),
    /needs an explanation with an ONNX classifier/,
  );
});

test('each new run is merged in training order; earlier paths rebased onto the new run folder', () => {
  const first = mergeTrack(null, { result: run('../../ck/ep10.onnx', 0.9), dir: '/runs/a' });
  assert.deepEqual(
    first.models.map((m) => m.name),
    ['ep10.onnx'],
  );
  // ep2 arrives later but is earlier in training.
  const second = mergeTrack(
    { result: first, dir: '/runs/a' },
    { result: run('../../../ck/ep2.onnx', 0.1), dir: '/runs/b/c' },
  );
  assert.deepEqual(
    second.models.map((m) => m.name),
    ['ep2.onnx', 'ep10.onnx'],
  );
  assert.deepEqual(
    second.models.map((m) => m.path),
    ['../../../ck/ep2.onnx', '../../../ck/ep10.onnx'],
  );
  assert.equal(second.track?.order, 'epoch');
  assert.deepEqual(
    second.track.checkpoints.map((c) => [c.file, c.epoch]),
    [
      ['../../../ck/ep2.onnx', 2],
      ['../../../ck/ep10.onnx', 10],
    ],
  );
  assert.deepEqual(validateResultFile(second), [], 'a valid result: saved and reopened like any');
  // The same checkpoint run again replaces its point.
  const again = mergeTrack(
    { result: second, dir: '/runs/b/c' },
    { result: run('../../ck/ep10.onnx', 0.5), dir: '/runs/d' },
  );
  assert.deepEqual(
    again.models.map((m) => [m.name, m.measure.epgm]),
    [
      ['ep2.onnx', 0.1],
      ['ep10.onnx', 0.5],
    ],
  );
});

test('without epochs in every name, modification time orders; another path starts a new track', () => {
  const a = mergeTrack(null, {
    result: run('/ck/last.pt', 1, '2026-01-02T00:00:00.000Z'),
    dir: '/r1',
  });
  const b = mergeTrack(
    { result: a, dir: '/r1' },
    { result: run('/ck/best.pt', 2, '2026-01-01T00:00:00.000Z'), dir: '/r2' },
  );
  assert.equal(b.track?.order, 'mtime');
  assert.deepEqual(
    b.models.map((m) => m.name),
    ['best.pt', 'last.pt'],
  );
  const otherImage: ResultFile = {
    ...run('/ck/ep3.pt', 3),
    image: { ...b.image, sha256: 'c'.repeat(64) },
  };
  assert.equal(samePathProblem(b, otherImage), 'the source image changed');
  assert.deepEqual(
    mergeTrack({ result: b, dir: '/r2' }, { result: otherImage, dir: '/r3' }).models.map(
      (m) => m.name,
    ),
    ['ep3.pt'],
  );
  assert.equal(samePathProblem(b, { ...b, editor: { ...b.editor, seed: 9 } }), 'the edit changed');
});

test('the first point: the panel result with its model as the checkpoint in the watched folder', () => {
  const shown = result([model({ name: 'my model', path: '../../ck/ep4.onnx' })]);
  const point = firstPoint(
    { result: shown, dir: '/runs/a' },
    '/ck/ep4.onnx',
    Date.parse('2026-01-01T00:00:00Z'),
  );
  assert.deepEqual(
    point.models.map((m) => m.name),
    ['ep4.onnx'],
  );
  assert.deepEqual(point.track, {
    order: 'epoch',
    checkpoints: [
      { file: '../../ck/ep4.onnx', epoch: 4, step: null, mtime: '2026-01-01T00:00:00.000Z' },
    ],
  });
});
