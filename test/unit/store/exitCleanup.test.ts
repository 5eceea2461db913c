// A run that is killed or interrupted leaves no scratch folder nor an empty output folder.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

import { removeCreatedSync } from '../../../src/extension/store/outputFolder';

const helper = resolve('src/extension/store/exitCleanup.ts');

/** Runs `ending` in a child process after registering a clean-up that removes `folder`. */
function endWith(ending: string, folder: string, dispose = false): void {
  const code = `
    const { rmSync } = require('node:fs');
    const { cleanUpOnExit } = require(${JSON.stringify(helper)});
    const stop = cleanUpOnExit(() => rmSync(${JSON.stringify(folder)}, { recursive: true }));
    if (${String(dispose)}) stop();
    ${ending}`;
  spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { stdio: 'ignore' });
}

test('the clean-up runs on exit and on SIGTERM/SIGINT, and not once disposed', () => {
  for (const ending of [
    'process.exit(0);',
    "process.kill(process.pid, 'SIGTERM'); setTimeout(() => {}, 5000);",
    "process.kill(process.pid, 'SIGINT'); setTimeout(() => {}, 5000);",
  ]) {
    const folder = mkdtempSync(join(tmpdir(), 'propsweep-scratch-'));
    endWith(ending, folder);
    assert.ok(!existsSync(folder), ending);
  }
  const kept = mkdtempSync(join(tmpdir(), 'propsweep-scratch-'));
  endWith('process.exit(0);', kept, true);
  assert.ok(existsSync(kept));
});

test('removeCreatedSync removes the empty folders made for the run, and only those', () => {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-out-'));
  mkdirSync(join(dir, 'a', 'b', 'c'), { recursive: true });
  removeCreatedSync(join(dir, 'a', 'b', 'c'), join(dir, 'a', 'b'));
  assert.ok(!existsSync(join(dir, 'a', 'b')) && existsSync(join(dir, 'a')));
  mkdirSync(join(dir, 'a', 'b'));
  writeFileSync(join(dir, 'a', 'b', 'result.json'), '{}');
  removeCreatedSync(join(dir, 'a', 'b'), join(dir, 'a'));
  assert.ok(existsSync(join(dir, 'a', 'b', 'result.json')), 'a written result stays');
  removeCreatedSync(join(dir, 'a'), undefined);
  assert.ok(existsSync(join(dir, 'a')));
});
