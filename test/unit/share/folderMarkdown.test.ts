// The Markdown table of a folder run: the summary per classifier with its intervals, the images
// most moved first, hostile names shown as text, and the whole under GitHub's comment limit.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { folderMarkdown, reportOrder } from '../../../src/extension/share/folderMarkdown';
import { demoFolderFile } from '../shared/folderBuilders';

test('one line per classifier with both shares and their 95% intervals, then every image', () => {
  const file = demoFolderFile();
  const text = folderMarkdown(file);
  assert.match(text, /\| classifier \| significant \| flipped \| EPGM median \(quartiles\) \|/);
  const s = file.summary.models[2];
  assert.ok(s !== undefined);
  assert.match(
    text,
    new RegExp(`\\| dark-cats \\| 4 of 9 \\(44\\.4 %; 95 % CI 18\\.9–73\\.3 %\\)`),
  );
  assert.match(text, /\| image \| unbiased EPGM \| p adj\. \| flips \| dark-cats EPGM \|/);
  for (const row of file.rows)
    assert.ok(text.includes(row.image.replace(/[_]/g, '\\_')), row.image);
  assert.match(text, /\| fox-001\.png \| skipped: no mask fox-001\.mask\.png beside it/);
  assert.doesNotMatch(text, /more images? in the HTML report/);
});

test('the images that move the first classifier most come first; unmeasured ones last', () => {
  const order = reportOrder(demoFolderFile().rows).map((r) => r.image);
  assert.equal(order[0], 'night/dog-008.png');
  assert.deepEqual(order.slice(-3), ['broken.png', 'fox-001.png', 'fox-002.png']);
});

test('a name from a hostile file shows as text, not as a link, an image or table cells', () => {
  const file = demoFolderFile();
  const rows = file.rows.map((r, i) =>
    i === 0 ? { ...r, image: '![x](https://evil.example/a.png)|<b>@all' } : r,
  );
  const text = folderMarkdown({ ...file, rows });
  assert.ok(!text.includes('![x](https://'), text);
  assert.ok(!text.includes('<b>'));
  assert.match(
    text,
    /\\!\\\[x\\\]\\\(https:\u200d\/\/evil\.example\/a\.png\\\)\\\|&lt;b&gt;@\u200dall/,
  );
});

test('past the limit, rows are counted, not cut', () => {
  const text = folderMarkdown(demoFolderFile(), 1500);
  assert.ok(text.length <= 1500, `${text.length} characters`);
  assert.match(text, /\n\d+ more images in the HTML report \(Export HTML\)\.\n$/);
});
