import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';

import { FrameCache, type FrameKey } from '../../../src/extension/store/frameCache';

const base: FrameKey = {
  sourceSha256: 'aa',
  maskSha256: null,
  editor: 'brightness',
  params: { factor: 1.8 },
  strength: 0.5,
  seed: 0,
};

test('keys change with every input that changes the pixels, not with parameter order', () => {
  const k = FrameCache.key(base);
  for (const other of [
    { ...base, sourceSha256: 'ab' },
    { ...base, maskSha256: 'cc' },
    { ...base, editor: 'contrast' },
    { ...base, params: { factor: 1.9 } },
    { ...base, strength: 0.55 },
    { ...base, seed: 1 },
  ]) {
    assert.notEqual(FrameCache.key(other), k);
  }
  assert.equal(
    FrameCache.key({ ...base, params: { b: 1, a: 2 } }),
    FrameCache.key({ ...base, params: { a: 2, b: 1 } }),
  );
});

test('store then lookup returns the frame and its parameter; a half-written entry is a miss', async () => {
  const cache = new FrameCache(mkdtempSync(join(tmpdir(), 'propsweep-cache-')));
  const key = FrameCache.key(base);
  assert.equal(await cache.lookup(key), undefined);
  const path = await cache.store(key, new Uint8Array([1, 2, 3]), 1.4);
  assert.deepEqual(await cache.lookup(key), { path, parameter: 1.4 });
  // Metadata without its PNG (a run killed between the two writes) is not an entry.
  const other = FrameCache.key({ ...base, seed: 9 });
  mkdirSync(dirname(cache.pathFor(other)), { recursive: true });
  writeFileSync(`${cache.pathFor(other)}.json`, JSON.stringify({ parameter: 1 }));
  assert.equal(await cache.lookup(other), undefined);
  assert.ok(readdirSync(join(cache.dir, key.slice(0, 2))).every((n) => !n.endsWith('.tmp')));
});

test('prune removes the least recently used entries first, down to the limit', async () => {
  const cache = new FrameCache(mkdtempSync(join(tmpdir(), 'propsweep-cache-')), 250);
  const keys = [0, 1, 2].map((seed) => FrameCache.key({ ...base, seed }));
  for (const [i, key] of keys.entries()) {
    const path = await cache.store(key, new Uint8Array(100), i);
    utimesSync(path, 1000 + i, 1000 + i);
  }
  await cache.lookup(keys[0] ?? ''); // used just now: survives
  const { removed, bytes } = await cache.prune();
  assert.equal(removed, 1);
  assert.equal(bytes, 200);
  assert.equal(await cache.lookup(keys[1] ?? ''), undefined);
  assert.notEqual(await cache.lookup(keys[0] ?? ''), undefined);
});
