// The merge's size refusal: shards each under the summary's bound may together be over it, and
// a summary over it could be written but never opened again. And the folders it gives the images
// of shards from elsewhere.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';

import { mergedSizeProblem, mergeFolders } from '../../../src/extension/store/mergeFolders';
import {
  FOLDER_FILE_SUFFIX,
  FOLDER_LIMITS,
  type FolderFile,
  type FolderImageRow,
} from '../../../src/shared/folderFile';
import { stableStringify } from '../../../src/shared/resultFile';
import { doneRow, folderFile } from '../shared/folderBuilders';

void test('a merged summary up to the bound is written; one byte more is refused with what to do', () => {
  assert.equal(mergedSizeProblem(FOLDER_LIMITS.bytes, 40_000), null);
  const problem = mergedSizeProblem(FOLDER_LIMITS.bytes + 1, 40_000);
  assert.match(
    problem ?? '',
    /^The merged summary of 40,000 images would take 257 MiB, more than the 256 MiB/,
  );
  assert.match(problem ?? '', /keep the shards' outputs apart \(each opens by itself\)/);
});

/** A shard's output folder as explain-folder writes it: the summary, and each result file. */
function writeShard(dir: string, file: FolderFile): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `pets${FOLDER_FILE_SUFFIX}`), stableStringify(file));
  for (const row of file.rows) {
    if (row.result_file === null) continue;
    mkdirSync(join(dir, dirname(row.result_file)), { recursive: true });
    writeFileSync(join(dir, row.result_file), '{}');
  }
}

void test('a shard whose folders take every digested name of another image still merges', async () => {
  // uniqueKey lengthens the image's digest while the name is taken: a shard from elsewhere can
  // hold every length of it, and the merge then looped for ever.
  const digest = createHash('sha256').update('z.png').digest('hex');
  const keys = ['k'];
  for (let n = 8; n <= 64; n += 4) keys.push(`k-${digest.slice(0, n)}`);
  const row = (image: string, key: string): FolderImageRow => ({
    ...doneRow(image, [{ p: 0.1 }, { p: 0.2 }]),
    result_file: `images/${key}/r.propsweep.json`,
    thumbnail: null,
  });
  const rows = [
    ...keys.map((key, i) => row(`a${String(i).padStart(2, '0')}.png`, key)),
    row('z.png', 'k'),
  ];
  const root = mkdtempSync(join(tmpdir(), 'propsweep-merge-'));
  const [one, two] = [join(root, 'one'), join(root, 'two')];
  writeShard(one, folderFile(rows, { shard: { index: 1, count: 2 } }));
  writeShard(two, folderFile([], { shard: { index: 2, count: 2 } }));
  const { file } = await mergeFolders([one, two], join(root, 'merged'));
  const placed = file.rows.map((r) => r.result_file?.split('/')[1]);
  assert.equal(new Set(placed).size, rows.length, 'each image in a folder of its own');
  assert.ok(existsSync(join(root, 'merged', file.rows.at(-1)?.result_file ?? '')));
  rmSync(root, { recursive: true, force: true });
});
