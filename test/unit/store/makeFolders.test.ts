// Making folders without node's recursive mkdir, which never settles on procfs.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mock, test } from 'node:test';

import { StoreInputError } from '../../../src/extension/store/errors';
import { FrameCache } from '../../../src/extension/store/frameCache';
import { makeFolders } from '../../../src/extension/store/makeFolders';
import { checkWritable } from '../../../src/extension/store/outputFolder';
import { publishResult } from '../../../src/extension/store/publish';

test('makeFolders makes the missing levels and returns the first it made', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-mk-'));
  assert.equal(await makeFolders(join(dir, 'a', 'b', 'c')), join(dir, 'a'));
  assert.ok(existsSync(join(dir, 'a', 'b', 'c')));
  assert.equal(await makeFolders(join(dir, 'a', 'b')), undefined, 'it existed');
  writeFileSync(join(dir, 'file'), '');
  await assert.rejects(makeFolders(join(dir, 'file')), /a file of that name is in the way/);
  await assert.rejects(makeFolders(join(dir, 'file', 'x')), /a part of the path is a file/);
});

test('no store code makes folders with the recursive mkdir that hangs on /proc', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'propsweep-mk-')), 'deep', 'er');
  const mkdir = fs.mkdir.bind(fs);
  // Stands for procfs, where the recursive call never settles (a rejection fails at once).
  mock.method(fs, 'mkdir', (path: string, options?: { recursive?: boolean }) =>
    options?.recursive === true
      ? Promise.reject(new Error(`recursive mkdir of ${path}`))
      : mkdir(path),
  );
  try {
    await checkWritable(join(dir, 'out'));
    await new FrameCache(join(dir, 'cache')).store('ab'.repeat(32), new Uint8Array(3), 1);
    const frame = join(dir, 'frame.png');
    writeFileSync(frame, 'png');
    await publishResult(join(dir, 'result'), 'cat', [frame], () => ({ json: '{}' }));
  } finally {
    mock.restoreAll();
  }
  assert.ok(existsSync(join(dir, 'result', 'cat.propsweep.json')));
});

test(
  'a folder in /proc is refused with a user error',
  { skip: !existsSync('/proc/self') },
  async () => {
    for (const out of ['/proc/propsweep-test', '/proc/propsweep-test/out']) {
      await assert.rejects(checkWritable(out), (error: unknown) => {
        assert.ok(error instanceof StoreInputError, String(error));
        assert.match(error.message, /does not allow new folders.*Choose a folder/);
        return true;
      });
    }
  },
);

test('an output folder through a dangling symbolic link names the link, not a file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-mk-'));
  const link = join(dir, 'link');
  symlinkSync(join(dir, 'nowhere'), link);
  for (const out of [join(link, 'out'), link]) {
    await assert.rejects(checkWritable(out), (error: unknown) => {
      assert.ok(error instanceof StoreInputError, String(error));
      assert.match(
        error.message,
        new RegExp(`^Cannot write to ${out}: ${link} is a symbolic link`),
      );
      assert.match(error.message, /nowhere, which does not exist/);
      return true;
    });
  }
});
