// The training-dynamics view of a track result: a point per checkpoint in training order (x its
// epoch or step, else its place), EPGM, p and flips; and which checkpoints' curves are overlaid.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  dynamicsView,
  hiddenCheckpoints,
  nearestPoint,
  toggleOverlay,
} from '../../../src/webview/model/dynamics';
import type { ResultFile, TrackRecord } from '../../../src/shared/resultFile';
import { measure, model, result } from './builders';

function track(order: TrackRecord['order'], counters: (number | null)[]): ResultFile {
  const models = counters.map((_c, i) =>
    model({
      name: `ck${i}`,
      measure: measure({
        epgm: [0.001, 0.02, 0.4][i] ?? 0.5,
        p_value: [0.5, 0.02, 0.0001][i] ?? 1,
        flips: i === 2 ? 2 : 0,
      }),
    }),
  );
  return {
    ...result(models),
    track: {
      order,
      checkpoints: counters.map((c, i) => ({
        file: `runs/ck${i}.pt`,
        epoch: order === 'epoch' ? c : null,
        step: order === 'step' ? c : null,
        mtime: '2026-01-01T00:00:00.000Z',
      })),
    },
  };
}

test('a point per checkpoint: x the epoch, EPGM, p, flips and significance at alpha', () => {
  const view = dynamicsView(track('epoch', [1, 5, 10]), 0.01);
  assert.ok(view !== null);
  assert.equal(view.xTitle, 'epoch');
  assert.deepEqual(
    view.points.map((p) => [p.name, p.file, p.x, p.epgm, p.p, p.flips, p.significant]),
    [
      ['ck0', 'ck0.pt', 1, 0.001, 0.5, 0, false],
      ['ck1', 'ck1.pt', 5, 0.02, 0.02, 0, false],
      ['ck2', 'ck2.pt', 10, 0.4, 0.0001, 2, true],
    ],
  );
  // 0.4 / 0.001 = 400: a log axis helps.
  assert.equal(view.logUseful, true);
  assert.equal(dynamicsView(track('step', [100, 200, 300]), 0.01)?.xTitle, 'step');
  const byTime = dynamicsView(track('mtime', [null, null, null]), 0.01);
  assert.ok(byTime !== null);
  assert.equal(byTime.xTitle, 'checkpoint');
  assert.deepEqual(
    byTime.points.map((p) => p.x),
    [1, 2, 3],
  );
});

test('no view without a track, or with a track that does not match the models', () => {
  assert.equal(dynamicsView(result(), 0.01), null);
  const broken = track('epoch', [1, 2, 3]);
  assert.equal(dynamicsView({ ...broken, models: broken.models.slice(1) }, 0.01), null);
  const flat = dynamicsView(
    { ...track('epoch', [1, 2]), models: [model({ name: 'a' }), model({ name: 'b' })] },
    0.01,
  );
  assert.equal(flat?.logUseful, false, 'equal EPGMs: nothing for a log axis to show');
});

test('the newest checkpoint is overlaid by default; clicks toggle, never to none', () => {
  const view = dynamicsView(track('epoch', [1, 5, 10]), 0.01);
  assert.ok(view !== null);
  assert.deepEqual(hiddenCheckpoints(view, []), ['ck0', 'ck1']);
  assert.deepEqual(hiddenCheckpoints(view, ['gone']), ['ck0', 'ck1']);
  const both = toggleOverlay(view, [], 'ck0');
  assert.deepEqual(both, ['ck2', 'ck0']);
  assert.deepEqual(hiddenCheckpoints(view, both), ['ck1']);
  assert.deepEqual(toggleOverlay(view, both, 'ck2'), ['ck0']);
  assert.deepEqual(toggleOverlay(view, ['ck0'], 'ck0'), ['ck0'], 'the last one stays');
  assert.equal(nearestPoint(view, 6.9)?.name, 'ck1');
  assert.equal(nearestPoint(view, 8)?.name, 'ck2');
});
