// The one reader of files a user or a result names: regular files of bounded size only, so a
// FIFO, a device or a folder is refused at once instead of hanging or filling memory.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';

import {
  InvalidJsonError,
  isWithin,
  readBoundedStream,
  readJsonIfPresent,
  readRegularText,
  UnreadableFileError,
} from '../../../src/extension/files/boundedFiles';

const dir = mkdtempSync(join(tmpdir(), 'propsweep-files-'));

/** Asserts that `promise` fails with an UnreadableFileError of `reason` saying `says`. */
async function unreadable(promise: Promise<unknown>, reason: string, says: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UnreadableFileError, String(error));
    assert.equal(error.reason, reason);
    assert.match(error.message, says);
    return true;
  });
}

test('text of a regular file, without a byte-order mark', async () => {
  writeFileSync(join(dir, 'bom.json'), '\uFEFF{"a": "\u00e9"}');
  assert.equal(await readRegularText(join(dir, 'bom.json'), 100), '{"a": "\u00e9"}');
  writeFileSync(join(dir, 'plain.txt'), 'x\uFEFF');
  assert.equal(await readRegularText(join(dir, 'plain.txt'), 100), 'x\uFEFF');
});

test('a FIFO, a device, a folder, a missing or an oversized file is refused without reading', async () => {
  execFileSync('mkfifo', [join(dir, 'pipe')]);
  await unreadable(readRegularText(join(dir, 'pipe'), 100), 'not-a-file', /not a regular file/);
  if (existsSync('/dev/zero'))
    await unreadable(readRegularText('/dev/zero', 100), 'not-a-file', /not a regular file/);
  mkdirSync(join(dir, 'folder'));
  await unreadable(readRegularText(join(dir, 'folder'), 100), 'folder', /a folder/);
  await unreadable(readRegularText(join(dir, 'none'), 100), 'missing', /does not exist/);
  writeFileSync(join(dir, 'big.txt'), 'x'.repeat(2048));
  await unreadable(
    readRegularText(join(dir, 'big.txt'), 1024),
    'too-large',
    /has 2 KiB, more than the limit of 1 KiB/,
  );
});

test('a stream is read up to its bound and refused past it', async () => {
  assert.equal(await readBoundedStream(Readable.from([Buffer.from('\uFEFFab'), 'c']), 100), 'abc');
  await unreadable(
    readBoundedStream(Readable.from(['x'.repeat(60), 'y'.repeat(60)]), 100),
    'too-large',
    /more than the limit of 100 bytes/,
  );
  // An endless stream ends as soon as it passes the bound.
  if (existsSync('/dev/zero'))
    await unreadable(
      readBoundedStream(createReadStream('/dev/zero'), 1024 * 1024),
      'too-large',
      /1 MiB/,
    );
});

test('a path is within a folder by its first segment: a child named ..x is inside', () => {
  assert.ok(isWithin('/a/b', '/a/b'));
  assert.ok(isWithin('/a/b', '/a/b/c/d'));
  assert.ok(isWithin('/a/b', '/a/b/..x'));
  assert.ok(isWithin('/a/b', '/a/b/..x/y'));
  assert.ok(!isWithin('/a/b', '/a'));
  assert.ok(!isWithin('/a/b', '/a/bc'));
  assert.ok(!isWithin('/a/b', '/a/b/../c'));
});

test('a JSON file is parsed when present, absent as undefined, and refused with its reason', async () => {
  writeFileSync(join(dir, 'ok.json'), '\uFEFF{"a": [1, 2]}');
  writeFileSync(join(dir, 'bad.json'), '{"a": ');
  writeFileSync(join(dir, 'big.json'), `[${'1,'.repeat(600)}1]`);
  assert.deepEqual(await readJsonIfPresent(join(dir, 'ok.json'), 1024), { a: [1, 2] });
  assert.equal(await readJsonIfPresent(join(dir, 'none.json'), 1024), undefined);
  await assert.rejects(readJsonIfPresent(join(dir, 'bad.json'), 1024), InvalidJsonError);
  await unreadable(readJsonIfPresent(join(dir, 'big.json'), 1024), 'too-large', /1 KiB/);
  await unreadable(readJsonIfPresent(dir, 1024), 'folder', /folder/);
});
