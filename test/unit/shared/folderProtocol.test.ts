// The aggregate panel's messages: what the host accepts from the webview, and what the webview
// accepts from the host (the folder file inside checked like any untrusted file).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  checkFolderHostMessage,
  EMPTY_FOLDER_SNAPSHOT,
  FOLDER_PROTOCOL_VERSION,
  isFolderWebviewMessage,
  refusedRequestId,
  type FolderSnapshot,
} from '../../../src/shared/folderProtocol';
import { demoFolderFile } from './folderBuilders';

function snapshot(change: Partial<FolderSnapshot> = {}): unknown {
  const file = demoFolderFile();
  return {
    type: 'folder/snapshot',
    version: FOLDER_PROTOCOL_VERSION,
    snapshot: {
      ...EMPTY_FOLDER_SNAPSHOT,
      title: 'PropSweep: photos',
      file,
      thumbnails: file.rows.map((r) => (r.thumbnail === null ? '' : 'vscode-resource:/t.png')),
      restore: { summaryPath: '/w/x.propsweep-folder.json' },
      ...change,
    },
  };
}

test('the webview may ask to open a row, export, and report a refusal; nothing else', () => {
  const valid: unknown[] = [
    { type: 'folder/ready' },
    { type: 'folder/openImage', id: 3, row: 0 },
    { type: 'folder/exportHtml', id: 1 },
    { type: 'folder/exportMarkdown', id: 2 },
    { type: 'folder/exportPng', id: 4, dataUrl: 'data:image/png;base64,AAAA' },
    { type: 'folder/exportPngFailed', error: 'no canvas' },
    { type: 'folder/invalid', reason: 'bad snapshot' },
  ];
  for (const m of valid) assert.ok(isFolderWebviewMessage(m), JSON.stringify(m));
  const invalid: unknown[] = [
    null,
    'folder/ready',
    { type: 'panel/ready' },
    { type: 'folder/openImage', id: 1 },
    { type: 'folder/openImage', id: 1, row: -1 },
    { type: 'folder/openImage', id: 1, row: 1.5 },
    { type: 'folder/openImage', row: 2 },
    { type: 'folder/exportHtml' },
    { type: 'folder/exportPng', id: 1, dataUrl: 'data:text/html;base64,AAAA' },
    { type: 'folder/invalid', reason: 'x'.repeat(5000) },
  ];
  for (const m of invalid) assert.ok(!isFolderWebviewMessage(m), JSON.stringify(m));
});

test('a snapshot with a valid folder file and one thumbnail URI per row is accepted', () => {
  const checked = checkFolderHostMessage(snapshot());
  assert.ok(checked.ok, checked.ok ? '' : checked.problem);
  assert.ok(checkFolderHostMessage(snapshot({ file: null, thumbnails: [], error: 'x' })).ok);
  assert.ok(checkFolderHostMessage({ type: 'folder/answer', id: 2, ok: false, error: 'no' }).ok);
  assert.ok(!checkFolderHostMessage({ type: 'folder/requestPng' }).ok);
});

test('the webview refuses a snapshot it cannot show, and says why', () => {
  const problem = (x: unknown): string => {
    const checked = checkFolderHostMessage(x);
    return checked.ok ? '' : checked.problem;
  };
  assert.match(problem(snapshot({ thumbnails: [] })), /12 images but 0 thumbnail URIs/);
  const file = demoFolderFile();
  const outside = {
    ...file,
    rows: file.rows.map((r, i) => (i === 0 ? { ...r, thumbnail: '../../etc/x.png' } : r)),
  };
  assert.match(problem(snapshot({ file: outside })), /cannot be shown/);
  assert.match(problem({ ...(snapshot() as object), version: 99 }), /protocol version 99/);
  assert.match(problem(snapshot({ title: 7 as unknown as string })), /snapshot\.title/);
  assert.match(problem({ type: 'folder/answer', id: 'x', ok: true, error: null }), /id/);
  assert.match(problem({ type: 'folder/nope' }), /unknown message type/);
});

test('a refused request that names its id is still answered: its id is read from it', () => {
  // The page waits for the answer (an image opening keeps every other row from opening).
  for (const m of [
    { type: 'folder/openImage', id: 3, row: -1 },
    { type: 'folder/openImage', id: 4 },
    { type: 'folder/exportPng', id: 5, dataUrl: 'data:text/html;base64,AAAA' },
    { type: 'folder/exportHtml', id: 6, extra: true },
  ]) {
    assert.equal(refusedRequestId(m), m.id, JSON.stringify(m));
  }
  for (const m of [
    null,
    'folder/openImage',
    { type: 'folder/openImage', row: 2 },
    { type: 'folder/openImage', id: 1.5, row: 2 },
    { type: 'folder/ready', id: 2 },
    { type: 'folder/invalid', id: 2 },
    { type: 'panel/save', id: 2 },
  ]) {
    assert.equal(refusedRequestId(m), null, JSON.stringify(m));
  }
});
