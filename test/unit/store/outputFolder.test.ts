import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { StoreInputError, storageError } from '../../../src/extension/store/errors';
import { checkWritable, removeCreated } from '../../../src/extension/store/outputFolder';

const full = (): Promise<void> =>
  Promise.reject(Object.assign(new Error('no space left'), { code: 'ENOSPC' }));

test('an output folder under a file is refused before any work, with what to do', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-out-'));
  writeFileSync(join(dir, 'file.txt'), 'a file');
  const out = join(dir, 'file.txt', 'out');
  await assert.rejects(checkWritable(out), (error: unknown) => {
    assert.ok(error instanceof StoreInputError);
    assert.match(error.message, /^Cannot write to .*file\.txt.*a file, not a folder.*Choose/);
    return true;
  });
});

test('a full disk is found by the probe; the folders made for the check are removed again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-out-'));
  const out = join(dir, 'a', 'b');
  await assert.rejects(checkWritable(out, full), (error: unknown) => {
    assert.ok(error instanceof StoreInputError);
    assert.match(error.message, new RegExp(`^Cannot write to ${out}: there is no space left`));
    assert.match(error.message, /Free some space/);
    return true;
  });
  assert.deepEqual(readdirSync(dir), []);
});

test('a writable folder passes; removeCreated removes only empty folders it made', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-out-'));
  const out = join(dir, 'a', 'b');
  const created = await checkWritable(out);
  assert.equal(created, join(dir, 'a'));
  assert.deepEqual(readdirSync(out), [], 'the probe is gone');
  writeFileSync(join(dir, 'a', 'kept.txt'), '');
  await removeCreated(out, created);
  assert.ok(!existsSync(out) && existsSync(join(dir, 'a', 'kept.txt')));
  assert.equal(await checkWritable(dir), undefined, 'an existing folder was not made');
});

test('storageError maps what the user can fix and leaves the rest alone', () => {
  for (const code of ['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS'])
    assert.ok(
      storageError(Object.assign(new Error(code), { code }), '/out') instanceof StoreInputError,
    );
  assert.equal(storageError(new Error('a bug'), '/out'), undefined);
  assert.equal(storageError(Object.assign(new Error('x'), { code: 'EMFILE' }), '/out'), undefined);
  const elsewhere = storageError(
    Object.assign(new Error('x'), { code: 'EROFS', path: '/cache/ab/key.png' }),
    '/out',
  );
  assert.match(
    elsewhere?.message ?? '',
    /^Cannot write to \/cache\/ab: the file system is read-only/,
  );
});
