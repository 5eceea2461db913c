// What explain-folder and merge print about how many images a run covers: all, some of them (a
// run stopped early), or none (a shard of a folder with fewer images than shards).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { countsLine, folderJson, folderTable } from '../../../src/cli/folderOutput';
import { doneRow, folderFile, notDoneRow } from '../shared/folderBuilders';

const ROWS = [
  doneRow('a.png', [{ p: 0.01 }, { p: 0.2 }], true),
  notDoneRow('b.png', 'skipped'),
  doneRow('c.png', [{ p: 0.03 }, { p: 0.5 }]),
];

void test('a finished run counts its images', () => {
  const file = folderFile(ROWS);
  assert.equal(countsLine(file), '3 images: 2 done (1 resumed), 1 skipped, 0 failed');
  assert.match(
    folderTable(file, '/out/run.propsweep-folder.json', 'propsweep'),
    /\n {2}3 images: 2 done/,
  );
  const { summary } = folderJson(file, '/out/run.propsweep-folder.json') as {
    summary: { listed: number };
  };
  assert.equal(summary.listed, 3);
});

void test('a run stopped early says how many of its images it did', () => {
  const file = folderFile(ROWS, { listed: 5 });
  assert.equal(
    countsLine(file),
    '3 of 5 images (stopped before the rest; the same command again finishes it): 2 done (1 resumed), 1 skipped, 0 failed',
  );
  assert.match(
    folderTable(file, '/out/run.propsweep-folder.json', 'propsweep'),
    /\n {2}3 of 5 images \(stopped before the rest/,
  );
});

void test('a shard with no images says so', () => {
  const file = { ...folderFile([], { shard: { index: 5, count: 8 } }), strengths: [], labels: [] };
  assert.match(
    countsLine(file),
    /^no images in shard 5\/8 \(the folder has fewer images than shards\)/,
  );
  const table = folderTable(file, '/out/run.propsweep-folder.json', 'propsweep explain-folder');
  assert.match(table, /\n {2}no images in shard 5\/8/);
});
