// One rule for shards: the command line (--shard I/N), the request to the inference child and a
// summary read from disk accept exactly the same shards, so a cluster's shard that ran is never
// refused when its summary is opened or merged, and none runs that the summary could not hold.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { UsageError } from '../../../src/cli/args';
import { parseShard } from '../../../src/cli/explainFolderCommand';
import { hostMessageProblem } from '../../../src/shared/childProtocol';
import { FOLDER_LIMITS, validateFolderFile } from '../../../src/shared/folderFile';
import { stableStringify } from '../../../src/shared/resultFile';
import { MAX_SHARDS, shardProblem } from '../../../src/shared/shard';
import { doneRow, folderFile, folderRunRequest } from './folderBuilders';

/** Whether the inference child takes a folder run of `shard`. */
function protocolTakes(shard: unknown): boolean {
  return hostMessageProblem({ ...folderRunRequest(), shard }) === null;
}

/** Whether a summary of `shard`, as read back from disk, is valid. */
function fileTakes(shard: unknown): boolean {
  const file = { ...folderFile([doneRow('x.png', [{ p: 0.1 }, { p: 0.1 }])]), shard };
  return validateFolderFile(JSON.parse(stableStringify(file))).length === 0;
}

/** Whether `--shard text` is taken (a UsageError, exit 2, when it is not). */
function cliTakes(text: string): boolean {
  try {
    parseShard(text);
    return true;
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    assert.match(error.message, /^--shard must be I\/N with 1 <= I <= N <= 100000 \(/);
    return false;
  }
}

const TAKEN = [
  { index: 1, count: 1 },
  { index: 3, count: 3 },
  { index: 1, count: MAX_SHARDS },
  { index: MAX_SHARDS, count: MAX_SHARDS },
];

const REFUSED = [
  { index: 1, count: MAX_SHARDS + 1 },
  { index: MAX_SHARDS + 1, count: MAX_SHARDS + 1 },
  { index: 0, count: 3 },
  { index: 0, count: 0 },
  { index: 4, count: 3 },
  { index: -1, count: 3 },
  { index: 1.5, count: 3 },
  { index: 1, count: 2.5 },
];

test('the command line, the child protocol and a summary take the same shards', () => {
  for (const shard of TAKEN) {
    const text = `${shard.index}/${shard.count}`;
    assert.equal(shardProblem(shard), null, text);
    assert.ok(protocolTakes(shard), text);
    assert.ok(fileTakes(shard), text);
    assert.deepEqual(parseShard(text), shard);
  }
  for (const shard of REFUSED) {
    const text = `${shard.index}/${shard.count}`;
    assert.match(shardProblem(shard) ?? '', /1 <= index <= count <= 100000/, text);
    assert.equal(protocolTakes(shard), false, text);
    assert.equal(fileTakes(shard), false, text);
    assert.equal(cliTakes(text), false, text);
  }
});

test('a shard is an object of two numbers; null is the whole folder', () => {
  for (const shard of [{ index: 1 }, { index: '1', count: '3' }, [1, 3], '1/3', 3]) {
    assert.notEqual(shardProblem(shard), null, JSON.stringify(shard));
    assert.equal(protocolTakes(shard), false, JSON.stringify(shard));
    assert.equal(fileTakes(shard), false, JSON.stringify(shard));
  }
  assert.ok(protocolTakes(null));
  assert.ok(fileTakes(null));
});

test('as many shards as a summary may list images', () => {
  assert.equal(MAX_SHARDS, FOLDER_LIMITS.rows);
});
