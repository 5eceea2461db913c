import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { exists } from '../../../src/extension/store/exists';

test('exists: true for a file or a folder, false for nothing there or a path through a file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-exists-'));
  writeFileSync(join(dir, 'a.png'), 'x');
  mkdirSync(join(dir, 'folder'));
  assert.equal(await exists(join(dir, 'a.png')), true);
  assert.equal(await exists(join(dir, 'folder')), true);
  assert.equal(await exists(join(dir, 'missing.png')), false);
  assert.equal(await exists(join(dir, 'a.png', 'inside')), false, 'ENOTDIR is "not there"');
});
