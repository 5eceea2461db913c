import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { mock, test } from 'node:test';

import { StoreInputError } from '../../../src/extension/store/errors';
import {
  CACHE_MARKER,
  FrameCache,
  RECENTLY_USED_MS,
  type FrameKey,
} from '../../../src/extension/store/frameCache';

const base: FrameKey = {
  sourceSha256: 'aa',
  maskSha256: null,
  content: null,
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
    { ...base, content: 'dd' },
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

/** A folder of the user's own images, as a dataset would be. */
function dataset(): string {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-dataset-'));
  mkdirSync(join(dir, 'ab'));
  writeFileSync(join(dir, 'cat.png'), 'a cat');
  writeFileSync(join(dir, 'ab', 'dog.png'), 'a dog');
  return dir;
}

test('a folder of other files is refused as a cache, and nothing in it is deleted', async () => {
  const dir = dataset();
  const cache = new FrameCache(dir, 0);
  await assert.rejects(cache.prune(), (error: unknown) => {
    assert.ok(error instanceof StoreInputError);
    assert.match(error.message, new RegExp(`${dir}.*did not make.*empty or new folder`));
    return true;
  });
  await assert.rejects(cache.store(FrameCache.key(base), new Uint8Array(3), 0), StoreInputError);
  await assert.rejects(cache.clear(), StoreInputError);
  assert.deepEqual(readdirSync(dir).sort(), ['ab', 'cat.png']);
  assert.deepEqual(readdirSync(join(dir, 'ab')), ['dog.png']);
});

test('a new cache gets its marker; pruning and clearing leave files that are not entries alone', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'propsweep-cache-')), 'frames');
  const cache = new FrameCache(dir, 0);
  const key = FrameCache.key(base);
  const path = await cache.store(key, new Uint8Array(10), 1);
  assert.ok(existsSync(join(dir, CACHE_MARKER)));
  // Files the user (or anything else) put there later are not the cache's to delete.
  writeFileSync(join(dir, 'mine.png'), 'mine');
  writeFileSync(join(dirname(path), 'mine.png'), 'mine');
  writeFileSync(join(dirname(path), `${'f'.repeat(63)}.png`), 'mine');
  mkdirSync(join(dir, 'photos'));
  writeFileSync(join(dir, 'photos', `${key}.png`), 'mine');
  utimesSync(path, 1000, 1000); // not used for long: prunable
  const { removed } = await cache.prune();
  assert.equal(removed, 1);
  assert.ok(!existsSync(path) && !existsSync(`${path}.json`));
  assert.deepEqual(readdirSync(dirname(path)).sort(), [`${'f'.repeat(63)}.png`, 'mine.png']);
  assert.deepEqual(
    readdirSync(dir).sort(),
    [CACHE_MARKER, key.slice(0, 2), 'mine.png', 'photos'].sort(),
  );
  assert.ok(existsSync(join(dir, 'photos', `${key}.png`)));
  await cache.store(key, new Uint8Array(10), 1);
  assert.deepEqual(await cache.clear(), { removed: 1 });
  assert.ok(existsSync(join(dir, 'mine.png')) && existsSync(join(dirname(path), 'mine.png')));
});

test('a cache made before markers (nothing but its entries) is adopted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-cache-'));
  const key = FrameCache.key(base);
  mkdirSync(join(dir, key.slice(0, 2)));
  writeFileSync(join(dir, key.slice(0, 2), `${key}.png`), 'png');
  writeFileSync(join(dir, key.slice(0, 2), `${key}.png.json`), JSON.stringify({ parameter: 2 }));
  writeFileSync(join(dir, key.slice(0, 2), `${key}.png.0123456789ab.tmp`), 'half');
  await new FrameCache(dir).claim();
  assert.match(readFileSync(join(dir, CACHE_MARKER), 'utf8'), /PropSweep's cache/);
});

test('abandoned temporaries and metadata without its PNG are pruned after an hour', async () => {
  const cache = new FrameCache(mkdtempSync(join(tmpdir(), 'propsweep-cache-')));
  const key = FrameCache.key(base);
  const path = await cache.store(key, new Uint8Array(10), 1);
  const lone = cache.pathFor(FrameCache.key({ ...base, seed: 3 }));
  const fresh = `${path}.abcdefabcdef.tmp`;
  const stale = `${path}.0123456789ab.tmp`;
  mkdirSync(dirname(lone), { recursive: true });
  writeFileSync(`${lone}.json`, '{}');
  writeFileSync(fresh, 'being written');
  writeFileSync(stale, 'killed');
  const old = (Date.now() - 2 * 3_600_000) / 1000;
  utimesSync(`${lone}.json`, old, old);
  utimesSync(stale, old, old);
  await cache.prune();
  assert.ok(!existsSync(`${lone}.json`) && !existsSync(stale));
  assert.ok(existsSync(fresh) && existsSync(path));
});

test('a full disk while storing leaves no entry half made', async () => {
  const cache = new FrameCache(mkdtempSync(join(tmpdir(), 'propsweep-cache-')));
  const key = FrameCache.key(base);
  const writeFile = fs.writeFile.bind(fs);
  mock.method(fs, 'writeFile', async (path: string, data: Uint8Array | string) => {
    if (path.includes('.png.') && !path.includes('.png.json'))
      throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
    await writeFile(path, data);
  });
  try {
    // The user error names the cache folder (not the run's output folder, which has space).
    await assert.rejects(cache.store(key, new Uint8Array(10), 1), (error: unknown) => {
      assert.ok(error instanceof StoreInputError, String(error));
      assert.match(error.message, new RegExp(`^Cannot write to ${cache.dir}: there is no space`));
      return true;
    });
  } finally {
    mock.restoreAll();
  }
  assert.deepEqual(readdirSync(dirname(cache.pathFor(key))), []);
  assert.equal(await cache.lookup(key), undefined);
});

test('pruning never removes entries used within RECENTLY_USED_MS: other runs may be publishing them', async () => {
  const cache = new FrameCache(mkdtempSync(join(tmpdir(), 'propsweep-cache-')), 0);
  const keys = [0, 1, 2, 3].map((seed) => FrameCache.key({ ...base, seed }));
  const paths = await Promise.all(keys.map((key) => cache.store(key, new Uint8Array(100), 1)));
  const ago = (ms: number): number => (Date.now() - ms) / 1000;
  utimesSync(paths[0] ?? '', ago(RECENTLY_USED_MS + 60_000), ago(RECENTLY_USED_MS + 60_000));
  utimesSync(paths[1] ?? '', ago(RECENTLY_USED_MS + 60_000), ago(RECENTLY_USED_MS + 60_000));
  utimesSync(paths[2] ?? '', ago(RECENTLY_USED_MS - 60_000), ago(RECENTLY_USED_MS - 60_000));
  // paths[3] was stored just now; paths[1] is looked up by a run now, which makes it recent.
  assert.notEqual(await cache.lookup(keys[1] ?? ''), undefined);
  assert.deepEqual(await cache.prune(), { removed: 1, bytes: 300 }, 'over the limit, for now');
  assert.deepEqual(
    paths.map((p) => existsSync(p)),
    [false, true, true, true],
  );
  assert.deepEqual(await cache.clear(), { removed: 3 }, 'clearing takes everything');
});

test('an entry whose parameter is not a finite number is dropped and made again', async () => {
  const cache = new FrameCache(mkdtempSync(join(tmpdir(), 'propsweep-cache-')));
  for (const meta of ['{"parameter":1e999}', '{"parameter":"1"}', '{}', 'not json']) {
    const key = FrameCache.key(base);
    const path = await cache.store(key, new Uint8Array([1, 2, 3]), 1.4);
    writeFileSync(`${path}.json`, meta);
    assert.equal(await cache.lookup(key), undefined, meta);
    assert.ok(!existsSync(path) && !existsSync(`${path}.json`), `${meta}: dropped`);
  }
});
