// What explain-folder and merge print about how many images a run covers: all, some of them (a
// run stopped early), or none (a shard of a folder with fewer images than shards).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { countsLine, folderJson, folderTable } from '../../../src/cli/folderOutput';
import { HOSTILE_TEXT, hasTerminalControl } from '../helpers';
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

void test("a summary's names, paths and reasons are printed with their control characters escaped", () => {
  // A shard's summary comes from another machine, an image's name from the folder's files.
  const rows = (name: string) => [
    doneRow(`a${name}.png`, [{ p: 0.01 }, { p: 0.2 }]),
    { ...notDoneRow(`z${name}`, 'failed'), reason: `cannot decode${name}` },
  ];
  const measured = folderFile(rows(HOSTILE_TEXT));
  const named = (model: string) => `${model}${HOSTILE_TEXT}`;
  const file = {
    ...measured,
    folder: HOSTILE_TEXT,
    settings: {
      ...measured.settings,
      editor: HOSTILE_TEXT,
      models: measured.settings.models.map((m) => ({ ...m, name: named(m.name) })),
    },
    rows: measured.rows.map((r) => ({
      ...r,
      models: r.models.map((m) => ({ ...m, model: named(m.model) })),
    })),
    summary: {
      ...measured.summary,
      models: measured.summary.models.map((m) => ({ ...m, model: named(m.model) })),
    },
  };
  const table = folderTable(file, '/out/run.propsweep-folder.json', 'propsweep merge');
  for (const line of table.split('\n')) assert.ok(!hasTerminalControl(line), JSON.stringify(line));
  // The lines of the same run with plain names: a name's line break makes no line of its own.
  const plain = folderTable(folderFile(rows('')), '/out/run.propsweep-folder.json', 'propsweep');
  assert.equal(table.split('\n').length, plain.split('\n').length);
  assert.match(table, /failed: cannot decodea\\u001b\]8;;http:\/\/evil\.example/);
});
