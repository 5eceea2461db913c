// The activation bench (npm run bench -- activation) loads the built extension with a stand-in for
// the `vscode` module that has only what activate() touches: when activation starts to use more,
// the stand-in must follow, or the bench stops with a TypeError.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

import { distFile, ROOT } from '../helpers';

test('the activation bench activates the built extension and prints its time', () => {
  distFile('extension.js');
  const run = spawnSync(process.execPath, [join(ROOT, 'bench', 'activation.cjs')], {
    encoding: 'utf8',
    cwd: ROOT,
  });
  assert.equal(run.status, 0, run.stderr);
  const ms = Number(run.stdout.trim());
  assert.ok(Number.isFinite(ms) && ms > 0, `it printed ${JSON.stringify(run.stdout)}`);
});
