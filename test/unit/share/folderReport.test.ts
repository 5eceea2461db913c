// The HTML report of a folder run: self-contained, every text escaped, thumbnails only as PNG
// data: URIs, read only while they fit the report's budget, and bounded in rows; its table in the
// panel's first order.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  folderReportHtml,
  renderFolderReport,
  REPORT_ROWS,
  reportRowIndices,
  reportThumbnails,
  type ReportThumbnails,
} from '../../../src/extension/share/folderReport';
import { REPORT_LIMITS } from '../../../src/extension/share/reportHtml';
import type { FolderFile, FolderImageRow } from '../../../src/shared/folderFile';
import { DEFAULT_SORT, sortRows } from '../../../src/webview/folder/folderModel';
import { demoFolderFile } from '../shared/folderBuilders';

const PNG = 'data:image/png;base64,iVBORw0KGgo=';

/** Every row's thumbnail as `uri` (none where the row has none), nothing left out. */
function allThumbnails(file: FolderFile, uri: string): ReportThumbnails {
  return { uris: file.rows.map((r) => (r.thumbnail === null ? '' : uri)), leftOut: 0 };
}

/** A reader that counts its reads and gives every thumbnail as a PNG data: URI of `length`. */
function countingReader(length: number): {
  read: (path: string) => Promise<string>;
  reads: string[];
} {
  const uri = PNG + 'A'.repeat(length - PNG.length);
  const reads: string[] = [];
  return {
    reads,
    read: (path) => {
      reads.push(path);
      return Promise.resolve(uri);
    },
  };
}

/** The image names of the report's table, top to bottom (a resumed row's mark after the name). */
function tableImages(html: string): string[] {
  const body = html.slice(html.indexOf('<tbody>'), html.indexOf('</tbody>'));
  return [...body.matchAll(/<tr[^>]*><td class="thumb">(?:<img [^>]*>)?<\/td><td>([^<]*)/g)].map(
    (m) => (m[1] ?? '').trim(),
  );
}

test('the report has the summary, the histograms, the mean curves and every image with its thumbnail', () => {
  const file = demoFolderFile();
  const html = renderFolderReport(
    'PropSweep: photos',
    file,
    reportRowIndices(file),
    allThumbnails(file, PNG),
  );
  assert.match(html, /<h2>Per classifier<\/h2>/);
  assert.equal((html.match(/aria-label="EPGM histogram"/g) ?? []).length, 3);
  assert.equal((html.match(/<polygon class="band"/g) ?? []).length, 3, 'a band per classifier');
  assert.match(html, /4 of 9 \(44\.4 %; 95 % CI 18\.9–73\.3 %\)/);
  assert.equal((html.match(/<img src="data:image\/png;base64,/g) ?? []).length, 9);
  assert.match(html, /skipped: no mask fox-001\.mask\.png/);
  // Self-contained: nothing is loaded from anywhere (only data: images).
  assert.doesNotMatch(html, /(src|href)="(?!data:)/);
  assert.match(html, /img-src data:/);
});

test('texts from the file are escaped and a thumbnail that is not a PNG data: URI is left out', () => {
  const file = demoFolderFile();
  const rows = file.rows.map((r, i) =>
    i === 0 ? { ...r, image: '<script>alert(1)</script>.png' } : r,
  );
  const html = renderFolderReport('<t>', { ...file, rows }, reportRowIndices({ ...file, rows }), {
    uris: rows.map(() => 'javascript:alert(1)'),
    leftOut: 0,
  });
  assert.ok(!html.includes('<script>alert'), 'escaped');
  assert.ok(html.includes('&#60;script&#62;alert(1)&#60;/script&#62;.png'));
  assert.ok(!html.includes('javascript:'));
});

test('a very large run lists REPORT_ROWS images and says so', () => {
  const file = demoFolderFile(1);
  const template = file.rows.find((r) => r.status === 'skipped') as FolderImageRow;
  const rows = Array.from({ length: REPORT_ROWS + 3 }, (_, i) => ({
    ...template,
    image: `x${String(i).padStart(6, '0')}.png`,
  }));
  const big = { ...file, rows };
  assert.equal(reportRowIndices(big).length, REPORT_ROWS);
  const html = renderFolderReport('big', big, reportRowIndices(big), { uris: [], leftOut: 0 });
  assert.match(html, /The table lists 5,000 of the 5,003 images/);
});

test('thumbnails are read in the table order only while they fit the budget; the rest are not read', async () => {
  const file = demoFolderFile();
  const paths = file.rows.map((r) => r.thumbnail);
  const listed = reportRowIndices(file);
  const inOrder = listed.flatMap((i) => (paths[i] == null ? [] : [paths[i]]));
  assert.equal(inOrder.length, 9);
  // Room for three and a half: the fourth is read, does not fit and spends the budget.
  const { read, reads } = countingReader(1000);
  const logged: string[] = [];
  const thumbs = await reportThumbnails(listed, paths, read, (l) => logged.push(l), 3500);
  assert.deepEqual(reads, inOrder.slice(0, 4));
  assert.equal(thumbs.uris.filter((u) => u !== '').length, 3);
  assert.equal(thumbs.leftOut, 6);
  assert.equal(logged.length, 0);
  // A thumbnail that cannot be read is a gap, logged, and the next one is read.
  const failing = await reportThumbnails(
    listed,
    paths,
    (path) => (path === inOrder[0] ? Promise.reject(new Error('truncated')) : read(path)),
    (l) => logged.push(l),
    3500,
  );
  assert.equal(failing.uris.filter((u) => u !== '').length, 3);
  assert.match(logged[0] ?? '', /truncated/);
});

test("the exported report reads only the thumbnails that fit, says so, and lists the rows in the panel's order", async () => {
  const demo = demoFolderFile();
  // Two images that move the first classifier equally: the name decides, as in the panel.
  const rows = demo.rows.map((r, i) =>
    (i === 2 || i === 6) && r.status === 'done'
      ? { ...r, models: r.models.map((m, k) => (k === 0 ? { ...m, epgm: 0.0125 } : m)) }
      : r,
  );
  const file = { ...demo, rows };
  // Four fill the budget exactly: the fifth and later are never read.
  const { read, reads } = countingReader(REPORT_LIMITS.embeddedChars / 4);
  const html = await folderReportHtml(
    'PropSweep: photos',
    file,
    file.rows.map((r) => r.thumbnail),
    read,
    () => undefined,
  );
  assert.equal(reads.length, 4);
  assert.equal((html.match(/<img src="data:image\/png;base64,/g) ?? []).length, 4);
  assert.match(
    html,
    /Thumbnails of 5 images are left out: the report has reached its size limit\./,
  );
  const panelOrder = sortRows(file.rows, DEFAULT_SORT).map((i) => file.rows[i]?.image);
  assert.deepEqual(tableImages(html), panelOrder);
  // The thumbnails read are those of the table's first rows.
  const firstRows = panelOrder.slice(0, 4).map((image) => rows.find((r) => r.image === image));
  assert.deepEqual(
    reads,
    firstRows.map((r) => r?.thumbnail),
  );
});

test('the table follows the order it is given (computed once by the caller)', () => {
  const file = demoFolderFile();
  const listed = reportRowIndices(file);
  const html = renderFolderReport('t', file, [...listed].reverse(), { uris: [], leftOut: 0 });
  assert.deepEqual(
    tableImages(html),
    [...listed].reverse().map((i) => file.rows[i]?.image),
  );
});
