// Atomic writes: the new contents or the old ones, and no temporary file left either way.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { writeAtomic } from '../../../src/extension/store/atomic';

test('writeAtomic writes, replaces, and leaves nothing behind when it fails', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-atomic-'));
  const path = join(dir, 'summary.json');
  await writeAtomic(path, 'old');
  await writeAtomic(path, new TextEncoder().encode('new'));
  assert.equal(readFileSync(path, 'utf8'), 'new');
  assert.deepEqual(readdirSync(dir), ['summary.json']);
  // Renaming onto a folder fails after the temporary file was written beside it: it is removed.
  mkdirSync(join(dir, 'folder'));
  await assert.rejects(writeAtomic(join(dir, 'folder'), 'x'));
  assert.deepEqual(readdirSync(dir).sort(), ['folder', 'summary.json']);
  await assert.rejects(writeAtomic(join(dir, 'missing', 'x.json'), 'x'), { code: 'ENOENT' });
  assert.deepEqual(readdirSync(dir).sort(), ['folder', 'summary.json']);
});
