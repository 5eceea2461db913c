import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  checkHostMessage,
  PANEL_PROTOCOL_VERSION,
  type PanelSnapshot,
} from '../../../src/shared/protocol';
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

void test('what the host-message check leaves open gets neutral values instead of breaking the panel', () => {
  const s = snapshot();
  const broken = JSON.parse(JSON.stringify(s)) as Record<string, unknown>;
  Object.assign(broken, {
    progress: { message: 3, done: 'x' },
    alpha: 5,
    effectThreshold: -1,
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
  // Only values the check lets through: anything else never reaches normaliseSnapshot.
  const message = { type: 'panel/snapshot', version: PANEL_PROTOCOL_VERSION, snapshot: broken };
  assert.deepEqual(checkHostMessage(message), { ok: true, message });
  const n = normaliseSnapshot(broken as unknown as PanelSnapshot);
  assert.deepEqual(n.progress, { message: '' });
  assert.equal(n.alpha, 0.01);
  assert.equal(n.effectThreshold, 0);
  assert.equal(n.restore, null);
  assert.equal(n.state, s.state, 'checked fields come through as they are');
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
