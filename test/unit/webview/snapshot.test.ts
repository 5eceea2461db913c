import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { PanelSnapshot } from '../../../src/shared/protocol';
import { normaliseSnapshot, restoreOf } from '../../../src/webview/model/snapshot';
import { snapshot } from './builders';

void test('a well-formed snapshot comes through unchanged', () => {
  const s = snapshot();
  assert.deepEqual(normaliseSnapshot(s), s);
  const running: PanelSnapshot = {
    ...snapshot(null),
    state: 'running',
    progress: { message: 'editing', done: 2, total: 5 },
    restore: { resultPath: '/w/x.propsweep.json' },
  };
  assert.deepEqual(normaliseSnapshot(running), running);
});

void test('fields the validator does not check get neutral values instead of breaking the panel', () => {
  const s = snapshot();
  const broken = JSON.parse(JSON.stringify(s)) as Record<string, unknown>;
  Object.assign(broken, {
    state: 'exploded',
    progress: { message: 3, done: 'x' },
    stale: [{ model: 'a' }, 'b', null],
    adjustment: 'bonferroni',
    alpha: 5,
    savedPath: 42,
    restore: { resultPath: 1 },
  });
  const r = broken.result as Record<string, unknown>;
  r.quality = null;
  r.editor = { id: 'recolor', seed: 0, params: { ok: 1, bad: { nested: true } } };
  const m = (r.models as Record<string, unknown>[])[0] ?? {};
  m.labels = 'cat';
  m.measure = {
    ...(m.measure as object),
    flip_details: [{ from: 'x' }],
    labels: ['cat', 'dog'],
    source_class: -1,
  };
  const n = normaliseSnapshot(broken as unknown as PanelSnapshot);
  assert.equal(n.state, 'idle');
  assert.deepEqual(n.progress, { message: '' });
  assert.deepEqual(n.stale, [{ model: 'a', reason: 'the model changed', kind: 'stale' }]);
  assert.equal(n.adjustment, 'none');
  assert.equal(n.alpha, 0.01);
  assert.equal(n.savedPath, null);
  assert.equal(n.restore, null);
  const result = n.result;
  assert.ok(result !== null);
  assert.deepEqual(result.quality, { masked: false, leakage: null, clean: true, message: null });
  assert.deepEqual(result.editor.params, { ok: 1 });
  assert.equal(result.editor.title, 'recolor');
  const model = result.models[0];
  assert.ok(model !== undefined);
  assert.deepEqual(model.labels, ['cat', 'dog'], "the measure's labels stand in");
  assert.deepEqual(model.measure.flip_details, []);
  assert.equal(model.measure.source_class, null);
});

void test('restoreOf keeps only { resultPath: string }', () => {
  assert.deepEqual(restoreOf({ resultPath: 'a.json', extra: 1 }), { resultPath: 'a.json' });
  assert.equal(restoreOf(null), null);
  assert.equal(restoreOf('a.json'), null);
});
