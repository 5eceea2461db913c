import assert from 'node:assert/strict';
import { test } from 'node:test';

import { countsText } from '../../../src/shared/folderFacts';
import { doneRow, folderFile, notDoneRow } from './folderBuilders';

test('the counts line names every kind of row and the resumed images', () => {
  const rows = [
    doneRow('a.png', [{ p: 0.01 }, { p: 0.2 }], true),
    doneRow('b.png', [{ p: 0.01 }, { p: 0.2 }]),
    notDoneRow('c.png', 'skipped'),
    notDoneRow('d.png', 'failed'),
  ];
  assert.equal(
    countsText(folderFile(rows)),
    '4 images: 2 explained (1 resumed), 1 skipped, 1 failed',
  );
  assert.equal(countsText(folderFile(rows.slice(0, 1))), '1 image: 1 explained (1 resumed)');
});

test('a run stopped before the rest says how many images it selected', () => {
  const rows = [doneRow('a.png', [{ p: 0.01 }, { p: 0.2 }])];
  assert.equal(countsText(folderFile(rows, { listed: 4 })), '1 of 4 images: 1 explained');
  assert.equal(countsText(folderFile([], { listed: 1 })), '0 of 1 image: 0 explained');
});
