// The merge's size refusal: shards each under the summary's bound may together be over it, and
// a summary over it could be written but never opened again.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { mergedSizeProblem } from '../../../src/extension/store/mergeFolders';
import { FOLDER_LIMITS } from '../../../src/shared/folderFile';

void test('a merged summary up to the bound is written; one byte more is refused with what to do', () => {
  assert.equal(mergedSizeProblem(FOLDER_LIMITS.bytes, 40_000), null);
  const problem = mergedSizeProblem(FOLDER_LIMITS.bytes + 1, 40_000);
  assert.match(
    problem ?? '',
    /^The merged summary of 40,000 images would take 257 MiB, more than the 256 MiB/,
  );
  assert.match(problem ?? '', /keep the shards' outputs apart \(each opens by itself\)/);
});
