// A message the webview refuses is not dropped in silence: checkHostMessage says which field was
// wrong and what it held, and the webview reports that to the host with `panel/invalid`.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  checkHostMessage,
  isHostMessage,
  isWebviewMessage,
  MAX_REASON_LENGTH,
  PANEL_PROTOCOL_VERSION,
} from '../../../src/shared/protocol';
import { result, snapshot } from './builders';

const message = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'panel/snapshot',
  version: PANEL_PROTOCOL_VERSION,
  snapshot: { ...snapshot(), ...overrides },
});

test('a valid snapshot is accepted as it is', () => {
  const valid = message();
  assert.deepEqual(checkHostMessage(valid), { ok: true, message: valid });
  assert.ok(isHostMessage(valid));
  // The host never asks for a PNG: the panel's own button makes it.
  assert.ok(!checkHostMessage({ type: 'panel/requestPng' }).ok);
});

test('a refused snapshot names the field, the value it had and what was expected', () => {
  const refused = (m: unknown): string => {
    const checked = checkHostMessage(m);
    assert.ok(!checked.ok, JSON.stringify(m).slice(0, 80));
    assert.ok(!isHostMessage(m));
    return checked.problem;
  };
  assert.equal(
    refused(message({ adjustment: 'Holm' })),
    'snapshot.adjustment is "Holm", expected one of none, holm, bh',
  );
  assert.equal(refused(message({ alpha: '0.01' })), 'snapshot.alpha is "0.01", expected a number');
  assert.equal(refused(message({ stale: [{ model: 'm' }] })).startsWith('snapshot.stale is'), true);
  assert.match(refused(message({ frameUris: [] })), /5 frames but 0 frame URIs/);
  assert.match(refused(message({ result: { ...result(), frames: 'x' } })), /^the result cannot/);
  assert.match(refused({ ...message(), version: PANEL_PROTOCOL_VERSION - 1 }), /protocol version/);
  assert.equal(refused({ type: 'panel/explode' }), 'unknown message type "panel/explode"');
  assert.equal(refused(null), 'the message is not an object');
  assert.ok(refused(message({ title: 'x'.repeat(10_000).split('') })).length < 200);
});

test('panel/invalid is a valid webview message with a bounded reason', () => {
  assert.ok(isWebviewMessage({ type: 'panel/invalid', reason: 'snapshot.adjustment is "Holm"' }));
  assert.ok(!isWebviewMessage({ type: 'panel/invalid' }));
  assert.ok(!isWebviewMessage({ type: 'panel/invalid', reason: 3 }));
  assert.ok(!isWebviewMessage({ type: 'panel/invalid', reason: 'x'.repeat(MAX_REASON_LENGTH) }));
});
