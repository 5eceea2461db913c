// What the host sends the panel for a run's preview, checked with the webview's own validation.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  previewUpdate,
  unwrittenProblem,
  WRITING_FRAMES,
} from '../../../src/extension/panel/panelPreview';
import {
  EMPTY_SNAPSHOT,
  isHostMessage,
  PANEL_PROTOCOL_VERSION,
} from '../../../src/shared/protocol';
import { sampleResult } from '../builders';

const preview = (pixels: (k: number) => Uint8Array) => {
  const result = sampleResult();
  return {
    result,
    frames: result.frames.map((_, k) => ({ width: 2, height: 1, pixels: pixels(k) })),
  };
};

void test('a preview is its frames message, then a snapshot that names it and disables saving', () => {
  const p = preview(() => new Uint8Array(6));
  const { frames, change } = previewUpdate(p, 4);
  assert.ok(isHostMessage(frames));
  assert.equal(frames.id, 4);
  const snapshot = { ...EMPTY_SNAPSHOT, savedPath: 'old.propsweep.json', ...change };
  assert.ok(isHostMessage({ type: 'panel/snapshot', version: PANEL_PROTOCOL_VERSION, snapshot }));
  assert.equal(snapshot.state, 'running');
  assert.deepEqual(snapshot.progress, { message: WRITING_FRAMES });
  assert.equal(snapshot.result, p.result);
  assert.deepEqual(snapshot.preview, { id: 4 });
  assert.equal(snapshot.savedPath, null, 'the new result is not saved');
  assert.match(unwrittenProblem(snapshot) ?? '', /still being written/);
  assert.match(unwrittenProblem({ ...snapshot, state: 'error' }) ?? '', /run it again/);
  assert.equal(unwrittenProblem({ ...snapshot, preview: null }), null);
});

void test('pixels that are a view into a larger buffer are copied into one of their own', () => {
  const pool = new Uint8Array(1024);
  const p = preview((k) => pool.subarray(6 * k, 6 * k + 6));
  const { frames } = previewUpdate(p, 1);
  for (const f of frames.frames) {
    assert.equal(f.pixels.byteOffset, 0);
    assert.equal(f.pixels.buffer.byteLength, 6);
  }
  const whole = new Uint8Array(6);
  const own = previewUpdate(
    preview(() => whole),
    2,
  ).frames.frames[0]?.pixels;
  assert.equal(own, whole, 'a buffer of its own is sent as it is');
});
