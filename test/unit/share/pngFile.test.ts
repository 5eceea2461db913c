import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { isDecodablePngFile } from '../../../src/extension/share/pngCheck';

// An 8x8 grey PNG (hand-encoded, as in test/native/cli/explain.test.ts).
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAAAAADhZOFXAAAADklEQVR4nGNogAIGyhgAgIQgAQ2AJGEAAAAASUVORK5CYII=',
  'base64',
);

test('a cached frame is reusable only when its file decodes: truncated, changed or foreign bytes are not', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'propsweep-pngfile-'));
  try {
    const check = async (bytes: Uint8Array): Promise<boolean> => {
      const path = join(dir, 'frame.png');
      await writeFile(path, bytes);
      return isDecodablePngFile(path);
    };
    assert.equal(await check(png), true);
    for (let cut = 0; cut < png.length; cut += 7)
      assert.equal(await check(png.subarray(0, cut)), false, `cut at ${cut}`);
    for (let at = 8; at < png.length; at += 5) {
      const changed = Buffer.from(png);
      changed[at] = (changed[at] ?? 0) ^ 0x40;
      assert.equal(await check(changed), false, `byte ${at} changed`);
    }
    assert.equal(await check(Buffer.from('{"w":1,"h":1,"d":[0,0,0]}')), false);
    assert.equal(await isDecodablePngFile(join(dir, 'missing.png')), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
