import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { newRunName, pruneRuns } from '../../../src/extension/store/runFolders';

test('old run folders go: the newest, the shown one and folders of other names stay', async () => {
  const runs = mkdtempSync(join(tmpdir(), 'propsweep-runs-'));
  const names = Array.from({ length: 6 }, (_, k) => newRunName(new Date(Date.UTC(2025, 0, 1 + k))));
  for (const [k, name] of names.entries()) {
    mkdirSync(join(runs, name));
    writeFileSync(join(runs, name, 'r.propsweep.json'), '{}');
    utimesSync(join(runs, name), 1000 + k, 1000 + k);
  }
  // The oldest run was run again just now: its folder is recent.
  const rerun = names[0] ?? '';
  utimesSync(join(runs, rerun), 5000, 5000);
  mkdirSync(join(runs, 'notes'));
  const shown = join(runs, names[1] ?? '', 'r.propsweep.json');
  assert.equal(await pruneRuns(runs, 3, [shown]), 2);
  assert.deepEqual(readdirSync(runs).sort(), [rerun, names[1], names[4], names[5], 'notes'].sort());
  assert.equal(await pruneRuns(join(runs, 'missing')), 0);
});

test('run names sort by time and are unique', () => {
  const at = new Date(Date.UTC(2025, 5, 1, 12, 30, 5, 7));
  assert.match(newRunName(at), /^2025-06-01T12-30-05-007Z-[0-9a-f]{6}$/);
  assert.notEqual(newRunName(at), newRunName(at));
});
