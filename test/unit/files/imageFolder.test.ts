import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  FolderListError,
  imageKey,
  listFolderImages,
  maskName,
  shardOf,
} from '../../../src/extension/files/imageFolder';
import { isSafeRelativePath } from '../../../src/shared/resultFile';

/** A folder with the given files (empty), '/' making subfolders. */
function folderWith(files: readonly string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-list-'));
  for (const file of files) {
    const path = join(root, ...file.split('/'));
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, '');
  }
  return root;
}

const all = { recursive: true, limit: null, shard: null } as const;

test('images sorted by relative path in code point order; masks and other files are not images', async () => {
  const dir = folderWith([
    'b.png',
    'a.jpg',
    'B.webp',
    'a.mask.png',
    'notes.txt',
    'c.bmp',
    'sub/z.jpeg',
    'sub/a.PNG',
  ]);
  const { images, total } = await listFolderImages(dir, all);
  assert.deepEqual(
    images.map((i) => i.relative),
    ['B.webp', 'a.jpg', 'b.png', 'c.bmp', 'sub/a.PNG', 'sub/z.jpeg'],
  );
  assert.equal(total, 6);
  assert.equal(images[4]?.path, join(dir, 'sub', 'a.PNG'));
});

test('X.mask.png is the mask of X.<any extension> beside it, and of nothing else', async () => {
  const dir = folderWith(['cat.jpg', 'cat.mask.png', 'dog.png', 'sub/cat.png', 'dog.mask.jpg']);
  const { images } = await listFolderImages(dir, all);
  assert.deepEqual(
    images.map((i) => [i.relative, i.mask]),
    [
      ['cat.jpg', join(dir, 'cat.mask.png')],
      ['dog.mask.jpg', null],
      ['dog.png', null],
      ['sub/cat.png', null],
    ],
  );
  assert.equal(maskName('sub/x.y.webp'), 'sub/x.y.mask.png');
});

test('subfolders only when recursive; hidden files and folders, and the excluded folder, never', async () => {
  const dir = folderWith([
    'a.png',
    '.hidden.png',
    '.git/x.png',
    'sub/b.png',
    'sub/.cache/c.png',
    'out/images/d.png',
  ]);
  const flat = await listFolderImages(dir, { ...all, recursive: false });
  assert.deepEqual(
    flat.images.map((i) => i.relative),
    ['a.png'],
  );
  const deep = await listFolderImages(dir, { ...all, exclude: [join(dir, 'out')] });
  assert.deepEqual(
    deep.images.map((i) => i.relative),
    ['a.png', 'sub/b.png'],
  );
});

test('a symlinked folder is not entered; a symlinked image is listed', async (t) => {
  const outside = folderWith(['far.png']);
  const dir = folderWith(['a.png']);
  try {
    symlinkSync(outside, join(dir, 'linked'), 'dir');
    symlinkSync(join(outside, 'far.png'), join(dir, 'near.png'));
  } catch {
    t.skip('symlinks cannot be made here');
    return;
  }
  const { images } = await listFolderImages(dir, all);
  assert.deepEqual(
    images.map((i) => i.relative),
    ['a.png', 'near.png'],
  );
});

test('--limit takes the first N, then --shard i/n every n-th from the i-th', async () => {
  const names = Array.from({ length: 10 }, (_, i) => `img${String(i).padStart(2, '0')}.png`);
  const dir = folderWith(names);
  const limited = await listFolderImages(dir, { ...all, limit: 7 });
  assert.deepEqual(
    limited.images.map((i) => i.relative),
    names.slice(0, 7),
  );
  assert.equal(limited.total, 10);
  const shard = await listFolderImages(dir, { ...all, limit: 7, shard: { index: 2, count: 3 } });
  assert.deepEqual(
    shard.images.map((i) => i.relative),
    ['img01.png', 'img04.png'],
  );
});

test('the shards of n are disjoint and together the whole, in order', () => {
  for (const length of [0, 1, 5, 12, 13]) {
    const items = Array.from({ length }, (_, i) => i);
    for (const count of [1, 2, 3, 5, 20]) {
      const shards = Array.from({ length: count }, (_, i) =>
        shardOf(items, { index: i + 1, count }),
      );
      const joined = shards.flat().sort((a, b) => a - b);
      assert.deepEqual(joined, items, `${length} items in ${count} shards`);
      assert.ok(
        shards.every(
          (s) => s.length >= Math.floor(length / count) && s.length <= Math.ceil(length / count),
        ),
      );
    }
  }
});

test('a folder that is missing or a file is refused with what to give', async () => {
  const dir = folderWith(['a.png']);
  await assert.rejects(listFolderImages(join(dir, 'nope'), all), (error: unknown) => {
    assert.ok(error instanceof FolderListError);
    assert.match(error.message, /does not exist/);
    return true;
  });
  await assert.rejects(listFolderImages(join(dir, 'a.png'), all), /is a file, not a folder/);
});

test('a subfolder that cannot be read stops the listing, naming it: its images are not dropped', async () => {
  // Folders nested past the longest path the system reads (made one level at a time, relative
  // to the working folder): a real readdir failure, also for root, which permissions do not stop.
  const dir = folderWith(['a.png']);
  const here = process.cwd();
  const name = 'd'.repeat(200);
  try {
    process.chdir(dir);
    for (let level = 0; level < 24; level++) {
      mkdirSync(name);
      process.chdir(name);
    }
    writeFileSync('deep.png', '');
  } finally {
    process.chdir(here);
  }
  await assert.rejects(listFolderImages(dir, all), (error: unknown) => {
    assert.ok(error instanceof FolderListError);
    assert.match(
      error.message,
      /cannot be read \(ENAMETOOLONG\)\. Check its permissions, or move it out/,
    );
    return true;
  });
  // Not recursive: the subfolders are not read, and the image beside them is listed.
  const flat = await listFolderImages(dir, { ...all, recursive: false });
  assert.deepEqual(
    flat.images.map((image) => image.relative),
    ['a.png'],
  );
});

test('image keys: safe relative names, the plain name kept, the others told apart by a hash', () => {
  assert.equal(imageKey('cat.png'), 'cat.png');
  const keys = [
    'a/b.png',
    'a_b.png',
    'a b.png',
    'é.png',
    '../x.png',
    'con.png',
    `${'x'.repeat(300)}.png`,
  ];
  const made = keys.map(imageKey);
  assert.equal(new Set(made).size, keys.length);
  for (const key of made) {
    assert.ok(isSafeRelativePath(key), key);
    assert.ok(!key.includes('/'), key);
    assert.ok(key.length <= 120, key);
  }
  assert.match(imageKey('a/b.png'), /^a_b\.png-[0-9a-f]{10}$/);
});
