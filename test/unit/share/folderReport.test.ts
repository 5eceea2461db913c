// The HTML report of a folder run: self-contained, every text escaped, thumbnails only as PNG
// data: URIs, and bounded in rows and embedded bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  renderFolderReport,
  REPORT_ROWS,
  reportRowIndices,
} from '../../../src/extension/share/folderReport';
import type { FolderImageRow } from '../../../src/shared/folderFile';
import { demoFolderFile } from '../shared/folderBuilders';

const PNG = 'data:image/png;base64,iVBORw0KGgo=';

test('the report has the summary, the histograms, the mean curves and every image with its thumbnail', () => {
  const file = demoFolderFile();
  const html = renderFolderReport(
    'PropSweep: photos',
    file,
    file.rows.map((r) => (r.thumbnail === null ? '' : PNG)),
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
  const html = renderFolderReport(
    '<t>',
    { ...file, rows },
    rows.map(() => 'javascript:alert(1)'),
  );
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
  const html = renderFolderReport('big', big, []);
  assert.match(html, /The table lists 5,000 of the 5,003 images/);
});
