import assert from 'node:assert/strict';
import { test } from 'node:test';

import { checkPng } from '../../../src/extension/share/pngCheck';

// An 8x8 grey PNG (hand-encoded, as in test/native/cli/explain.test.ts).
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAAAAADhZOFXAAAADklEQVR4nGNogAIGyhgAgIQgAQ2AJGEAAAAASUVORK5CYII=',
  'base64',
);

test('a PNG passes only when it decodes: truncated, changed or foreign bytes do not', async () => {
  const check = (bytes: Uint8Array): Promise<boolean> =>
    checkPng(bytes, 'frame.png').then(
      () => true,
      () => false,
    );
  assert.equal(await check(png), true);
  for (let cut = 0; cut < png.length; cut += 7)
    assert.equal(await check(png.subarray(0, cut)), false, `cut at ${cut}`);
  for (let at = 8; at < png.length; at += 5) {
    const changed = Buffer.from(png);
    changed[at] = (changed[at] ?? 0) ^ 0x40;
    assert.equal(await check(changed), false, `byte ${at} changed`);
  }
  assert.equal(await check(Buffer.from('{"w":1,"h":1,"d":[0,0,0]}')), false);
});
