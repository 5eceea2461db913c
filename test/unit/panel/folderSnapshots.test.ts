// The aggregate panel's snapshots, with a fake post that records what the page would receive: on
// open the page gets the snapshot once, when it asks; each later change is sent once.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { FolderSnapshots } from '../../../src/extension/panel/folderSnapshots';
import { type FolderHostMessage, type FolderSnapshot } from '../../../src/shared/folderProtocol';
import { demoFolderFile } from '../shared/folderBuilders';

/** A panel's snapshots whose posts are kept, as the webview would receive them. */
function fakePage(): { snapshots: FolderSnapshots; posted: FolderSnapshot[] } {
  const posted: FolderSnapshot[] = [];
  const snapshots = new FolderSnapshots((message: FolderHostMessage) => {
    if (message.type === 'folder/snapshot') posted.push(message.snapshot);
    return Promise.resolve(true);
  });
  return { snapshots, posted };
}

const loadedChange = {
  title: 'PropSweep: photos (recolor)',
  shownPath: 'runs/photos-recolor.propsweep-folder.json',
  file: demoFolderFile(),
  restore: { summaryPath: '/ws/runs/photos-recolor.propsweep-folder.json' },
};

test('on open the page gets the loaded snapshot once, when it says folder/ready', async () => {
  const { snapshots, posted } = fakePage();
  // As FolderPanel opens: a first page, the summary read (its roots start a new page), the change.
  snapshots.newPage();
  snapshots.newPage();
  snapshots.update(loadedChange);
  assert.equal(posted.length, 0, 'nothing is posted to a page that has not asked');
  await snapshots.ready();
  assert.equal(posted.length, 1);
  assert.equal(posted[0]?.title, loadedChange.title);
  assert.equal(posted[0].file, loadedChange.file);
});

test('a page that asks before the summary is read gets the empty snapshot, then the loaded one', async () => {
  const { snapshots, posted } = fakePage();
  snapshots.newPage();
  await snapshots.ready();
  snapshots.update(loadedChange);
  assert.deepEqual(
    posted.map((s) => s.file === null),
    [true, false],
  );
});

test('each later change is posted once, and a reloaded page gets the snapshot when it asks', async () => {
  const { snapshots, posted } = fakePage();
  snapshots.newPage();
  await snapshots.ready();
  snapshots.update(loadedChange);
  snapshots.update({ note: 'The run was cancelled.' });
  assert.equal(posted.length, 3);
  // New roots reload the page: nothing goes to it until it asks.
  snapshots.newPage();
  snapshots.update({ note: null });
  assert.equal(posted.length, 3);
  await snapshots.ready();
  assert.equal(posted.length, 4);
  assert.equal(posted[3]?.note, null);
  assert.equal(posted[3].file, loadedChange.file);
});
