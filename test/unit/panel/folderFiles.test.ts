// Reading a folder run to show it: the summary is validated, and the files its rows name are used
// only when they are regular files inside the summary's folder, reached without a symlink.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  fileInside,
  FolderLoadError,
  loadFolderRun,
  rowResultPath,
} from '../../../src/extension/panel/folderFiles';
import type { FolderFile } from '../../../src/shared/folderFile';
import { demoFolderFile } from '../shared/folderBuilders';

/** A run folder holding `file` and, for each done row, its thumbnail and result as plain files. */
function runFolder(file: FolderFile): { dir: string; summary: string; outside: string } {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-folder-'));
  const dir = join(root, 'run');
  mkdirSync(dir);
  for (const row of file.rows) {
    for (const rel of [row.thumbnail, row.result_file]) {
      if (rel === null) continue;
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      writeFileSync(join(dir, rel), 'x');
    }
  }
  const outside = join(root, 'secret.png');
  writeFileSync(outside, 'secret');
  const summary = join(dir, 'photos-recolor.propsweep-folder.json');
  writeFileSync(summary, JSON.stringify(file));
  return { dir, summary, outside };
}

test('every done row shows its thumbnail; others have none', async (t) => {
  const file = demoFolderFile();
  const { dir, summary } = runFolder(file);
  t.after(() => {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });
  const loaded = await loadFolderRun(summary);
  assert.equal(loaded.thumbnails.length, file.rows.length);
  loaded.thumbnails.forEach((p, i) => {
    const row = file.rows[i];
    assert.equal(p === null, row?.thumbnail === null, row?.image);
    if (p !== null && row?.thumbnail != null) assert.equal(p, join(loaded.folder, row.thumbnail));
  });
  const first = file.rows.findIndex((r) => r.status === 'done');
  assert.equal(
    await rowResultPath(loaded, first),
    join(loaded.folder, file.rows[first]?.result_file ?? ''),
  );
});

test('a thumbnail or result that is a symlink (to a file outside) is not used', async (t) => {
  const file = demoFolderFile();
  const { dir, summary, outside } = runFolder(file);
  t.after(() => {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });
  const i = file.rows.findIndex((r) => r.status === 'done');
  const row = file.rows[i];
  assert.ok(row?.thumbnail != null && row.result_file !== null);
  rmSync(join(dir, row.thumbnail));
  symlinkSync(outside, join(dir, row.thumbnail));
  rmSync(join(dir, row.result_file));
  symlinkSync(outside, join(dir, row.result_file));
  const loaded = await loadFolderRun(summary);
  assert.equal(loaded.thumbnails[i], null);
  await assert.rejects(rowResultPath(loaded, i), /missing, or not a file inside/);
  // A symlinked folder on the way leads elsewhere too.
  mkdirSync(join(dir, '..', 'elsewhere'));
  writeFileSync(join(dir, '..', 'elsewhere', 'thumb.png'), 'x');
  symlinkSync(join(dir, '..', 'elsewhere'), join(dir, 'images', 'linked'));
  assert.equal(await fileInside(loaded.folder, 'images/linked/thumb.png'), null);
  assert.equal(await fileInside(loaded.folder, '../secret.png'), null);
});

test('a skipped row has no result to open, and says why', async (t) => {
  const file = demoFolderFile();
  const { dir, summary } = runFolder(file);
  t.after(() => {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });
  const loaded = await loadFolderRun(summary);
  const skipped = file.rows.findIndex((r) => r.status === 'skipped');
  await assert.rejects(
    rowResultPath(loaded, skipped),
    /fox-001\.png has no result: it was skipped \(no mask/,
  );
  await assert.rejects(rowResultPath(loaded, 999), /no image 1000/);
});

test('a summary that is not a valid folder file is refused, naming the file and the problem', async (t) => {
  const { dir, summary } = runFolder(demoFolderFile());
  t.after(() => {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });
  writeFileSync(summary, JSON.stringify({ ...demoFolderFile(), rows: 'no' }));
  await assert.rejects(loadFolderRun(summary), (e: unknown) => {
    assert.ok(e instanceof FolderLoadError);
    assert.match(e.message, /photos-recolor\.propsweep-folder\.json cannot be shown: /);
    return true;
  });
  writeFileSync(summary, '{');
  await assert.rejects(loadFolderRun(summary), /cannot be shown: it is not JSON/);
});
