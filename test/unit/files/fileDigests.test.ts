// Digests kept between processes: a model is hashed once, not at every run of the command line.
// A file's content is stood for by its size and modification time (the documented trade-off), so
// the tests change content while keeping both to see whether a digest was made again.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { FileDigests, fileStamp } from '../../../src/extension/files/fileDigests';

/** A digest through a fresh FileDigests on `store`, flushed as a whole folder's would be. */
async function digestOnce(store: string | undefined, path: string) {
  const digests = new FileDigests(store);
  const result = await digests.digest(path, 100);
  await digests.flush();
  return result;
}

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const MTIME = new Date('2026-01-02T03:04:05Z');

function setUp() {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-digests-'));
  const file = join(dir, 'weights.bin');
  writeFileSync(file, 'aaaa');
  utimesSync(file, MTIME, MTIME);
  /** Same size, same mtime, other content: only a fresh hash sees it. */
  const swap = () => {
    writeFileSync(file, 'bbbb');
    utimesSync(file, MTIME, MTIME);
  };
  return { dir, file, store: join(dir, 'file-digests.json'), swap };
}

test('a digest made by one process is used by the next through the store', async () => {
  const { file, store, swap } = setUp();
  assert.deepEqual(await digestOnce(store, file), {
    sha256: sha('aaaa'),
    bytes: 4,
  });
  swap();
  assert.equal((await digestOnce(store, file)).sha256, sha('aaaa'), 'not hashed again');
  assert.equal((await digestOnce(undefined, file)).sha256, sha('bbbb'), 'without a store it is');
  const kept = JSON.parse(readFileSync(store, 'utf8')) as { files: Record<string, unknown> };
  assert.deepEqual(Object.keys(kept.files), [file]);
});

test('a new mtime or size makes a new digest, and a link shares its target entry', async () => {
  const { dir, file, store } = setUp();
  const digests = new FileDigests(store);
  await digests.digest(file, 100);
  await digests.flush();
  writeFileSync(file, 'ccccc');
  assert.equal((await digestOnce(store, file)).sha256, sha('ccccc'));
  const link = join(dir, 'link.bin');
  symlinkSync(file, link);
  assert.equal((await digestOnce(store, link)).sha256, sha('ccccc'));
  const kept = JSON.parse(readFileSync(store, 'utf8')) as { files: Record<string, unknown> };
  assert.deepEqual(Object.keys(kept.files), [file], 'one entry, by real path');
});

test('a damaged or foreign store is ignored and replaced', async () => {
  for (const contents of ['{not json', '[]', '{"files": {"x": {"size": "big"}}}', 'null']) {
    const { file, store } = setUp();
    writeFileSync(store, contents);
    assert.equal((await digestOnce(store, file)).sha256, sha('aaaa'));
    const kept = JSON.parse(readFileSync(store, 'utf8')) as { files: Record<string, unknown> };
    assert.deepEqual(Object.keys(kept.files), [file]);
  }
});

test('an entry with a digest that is not sha256 hex is not trusted', async () => {
  const { file, store, swap } = setUp();
  await digestOnce(store, file);
  const kept = JSON.parse(readFileSync(store, 'utf8')) as {
    files: Record<string, { sha256: string }>;
  };
  const entry = kept.files[file];
  assert.ok(entry !== undefined);
  entry.sha256 = '../../etc';
  writeFileSync(store, JSON.stringify(kept));
  swap();
  assert.equal((await digestOnce(store, file)).sha256, sha('bbbb'));
});

test('a store that cannot be written does not fail the digest', async () => {
  const { dir, file } = setUp();
  const store = join(dir, 'missing-folder', 'file-digests.json');
  assert.equal((await digestOnce(store, file)).sha256, sha('aaaa'));
});

test('the store is written once per flush, not once per file', async () => {
  const { dir, file, store } = setUp();
  const other = join(dir, 'other.bin');
  writeFileSync(other, 'bb');
  const digests = new FileDigests(store);
  await digests.digest(file, 100);
  await digests.digest(other, 100);
  assert.ok(!existsSync(store), 'nothing written before the flush');
  await digests.flush();
  const kept = JSON.parse(readFileSync(store, 'utf8')) as { files: Record<string, unknown> };
  assert.deepEqual(Object.keys(kept.files).sort(), [file, other].sort());
});

test('a file stamp changes when the file is written again, by a rename over it too', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-stamp-'));
  const file = join(dir, 'summary.json');
  assert.equal(await fileStamp(file), 'missing');
  writeFileSync(file, 'one');
  const first = await fileStamp(file);
  assert.equal(await fileStamp(file), first, 'the same file, the same stamp');
  // Same size and modification time, another file renamed over it: the inode tells.
  writeFileSync(`${file}.tmp`, 'two');
  const mtime = new Date(2026, 0, 1);
  utimesSync(file, mtime, mtime);
  utimesSync(`${file}.tmp`, mtime, mtime);
  const before = await fileStamp(file);
  renameSync(`${file}.tmp`, file);
  assert.notEqual(await fileStamp(file), before);
  assert.match(before, /^3 \d+(\.\d+)? \d+$/);
});
