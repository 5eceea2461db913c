import assert from 'node:assert/strict';
import { test } from 'node:test';

import { FOLDER_LIMITS, validateFolderFile, type FolderFile } from '../../../src/shared/folderFile';
import { FolderMergeError, mergeFolderFiles } from '../../../src/shared/folderMerge';
import { summarize } from '../../../src/shared/folderSummary';
import { stableStringify } from '../../../src/shared/resultFile';
import { doneRow, folderFile, folderSettings, notDoneRow } from './folderBuilders';

// Nine images with p-values spread so that Holm over all nine differs from Holm in each shard.
const ROWS = [
  doneRow('a.png', [{ p: 0.001, epgm: 3, flips: 1, curve: [0.9, 0.5, 0.1] }, { p: 0.2 }]),
  doneRow('b.png', [{ p: 0.004, epgm: 1 }, { p: 0.01 }], true),
  notDoneRow('c.png', 'skipped'),
  doneRow('d/e.png', [{ p: 0.02, epgm: 2.5, curve: [0.8, 0.8, 0.7] }, { p: 0.03 }]),
  doneRow('f.png', [{ p: 0.3, epgm: 0.5 }, { p: 0.006 }]),
  notDoneRow('g.png', 'failed'),
  doneRow('h.png', [{ p: 0.008, epgm: 4, flips: 3 }, { p: 0.9 }], true),
  doneRow('i.png', [{ p: 0.05, curve: [0.7, 0.4, 0.2] }, { p: 0.04 }]),
  doneRow('j.png', [{ p: 0.012, epgm: 0.1 }, { p: 0.5 }]),
];

/** The rows split as `--shard i/n` splits the sorted listing: index % n === i - 1. */
function shards(count: number, rows = ROWS): FolderFile[] {
  return Array.from({ length: count }, (_, i) =>
    folderFile(
      rows.filter((_, k) => k % count === i),
      { shard: { index: i + 1, count } },
    ),
  );
}

const NOW = new Date('2026-03-04T05:06:07.000Z');

void test('the merge of three shards, in any order, equals the unsharded run', () => {
  const whole = folderFile(ROWS);
  const parts = shards(3);
  // The shards' own p adjustment is over their rows only: it differs from the whole run's.
  assert.notDeepEqual(
    parts[0]?.rows.find((r) => r.image === 'a.png')?.models[0]?.p_adjusted,
    whole.rows.find((r) => r.image === 'a.png')?.models[0]?.p_adjusted,
  );
  for (const order of [parts, [...parts].reverse(), [parts[1], parts[2], parts[0]]]) {
    const merged = mergeFolderFiles(order as FolderFile[], NOW);
    assert.equal(merged.shard, null);
    assert.deepEqual(merged.merged, [
      { index: 1, count: 3 },
      { index: 2, count: 3 },
      { index: 3, count: 3 },
    ]);
    assert.equal(merged.created, NOW.toISOString());
    // Every number equal to the last bit: the rows, the adjusted p-values and the summary.
    assert.equal(
      stableStringify({ ...merged, created: '', merged: [] }),
      stableStringify({ ...whole, created: '', merged: [] }),
    );
    assert.deepEqual(validateFolderFile(JSON.parse(stableStringify(merged))), []);
  }
  // The resumed count is kept per row: two resumed images in whichever shards they were.
  assert.equal(mergeFolderFiles(parts, NOW).summary.resumed, 2);
  assert.deepEqual(mergeFolderFiles(parts, NOW).summary, summarize(folderSettings(), ROWS).summary);
});

void test('a shard that measured nothing joins; one shard of one is a whole run', () => {
  // Nine images over twelve shards: shards 10 to 12 are empty, and made no strengths or labels.
  const parts = shards(12).map((f) =>
    f.rows.length === 0 ? { ...f, strengths: [], labels: [] } : f,
  );
  const merged = mergeFolderFiles(parts, NOW);
  assert.equal(
    stableStringify({ ...merged, merged: [] }),
    stableStringify({ ...folderFile(ROWS), created: NOW.toISOString() }),
  );
  // The first shard measured nothing: strengths and class names come from the next.
  const rest = ROWS.filter((r) => r.image !== 'c.png');
  const emptyFirst = mergeFolderFiles(
    [
      {
        ...folderFile([notDoneRow('c.png', 'skipped')], { shard: { index: 1, count: 2 } }),
        strengths: [],
        labels: [],
      },
      folderFile(rest, { shard: { index: 2, count: 2 } }),
    ],
    NOW,
  );
  assert.deepEqual(emptyFirst.strengths, [0, 0.5, 1]);
  assert.deepEqual(emptyFirst.labels, folderFile(ROWS).labels);
  const single = mergeFolderFiles(shards(1), NOW);
  assert.deepEqual(single.merged, [{ index: 1, count: 1 }]);
  assert.deepEqual(single.rows, folderFile(ROWS).rows);
});

function refusal(files: readonly FolderFile[]): string {
  try {
    mergeFolderFiles(files);
  } catch (error) {
    assert.ok(error instanceof FolderMergeError, String(error));
    assert.equal(error.name, 'FolderMergeError');
    return error.message;
  }
  assert.fail('the merge was not refused');
}

void test('shards made with different settings are refused, naming the field and the shards', () => {
  const [one, two, three] = shards(3);
  assert.ok(one !== undefined && two !== undefined && three !== undefined);
  const other = { ...two, settings: folderSettings({ steps: 11 }) };
  assert.equal(
    refusal([one, other, three]),
    'shard 1/3 and shard 2/3 were made with different settings (steps: 3 in shard 1/3, 11 in shard 2/3): give the shards of one run, or run the shards again with the same options.',
  );
  const bh = { ...three, settings: folderSettings({ adjustment: 'bh' }) };
  assert.match(refusal([one, two, bh]), /adjustment: "holm" in shard 1\/3, "bh" in shard 3\/3/);
  const [a, b] = one.settings.models;
  assert.ok(a !== undefined && b !== undefined);
  const retrained = {
    ...two,
    settings: folderSettings({ models: [a, { ...b, sha256: '9'.repeat(64) }] }),
  };
  assert.match(refusal([one, retrained, three]), /classifier 2 \(b\)'s sha256/);
});

void test('shards of other folders, listings or paths are refused', () => {
  const [one, two, three] = shards(3);
  assert.ok(one !== undefined && two !== undefined && three !== undefined);
  assert.equal(
    refusal([one, { ...two, folder: '/data/other' }, three]),
    'shard 1/3 and shard 2/3 are not shards of one run (folder: "/data/lesions" in shard 1/3, "/data/other" in shard 2/3): give the output folders of the shards of one run.',
  );
  assert.match(
    refusal([one, two, { ...three, recursive: true }]),
    /\(recursive: false in shard 1\/3, true in shard 3\/3\)/,
  );
  assert.match(
    refusal([{ ...one, limit: 5 }, two, three]),
    /\(limit: 5 in shard 1\/3, null in shard 2\/3\)/,
  );
  assert.match(
    refusal([one, { ...two, strengths: [0, 0.4, 1] }, three]),
    /\(strengths: \[0,0\.5,1\] in shard 1\/3/,
  );
  assert.match(
    refusal([one, two, { ...three, labels: [['x'], ['y']] }]),
    /\(class names: \[\["benign","malignant"\],\["benign","malignant"\]\] in shard 1\/3, \[\["x"\],\["y"\]\] in shard 3\/3\)/,
  );
});

void test('a missing, repeated or foreign shard is refused with what to give', () => {
  const [one, two, three] = shards(3);
  assert.ok(one !== undefined && two !== undefined && three !== undefined);
  assert.equal(
    refusal([one, three]),
    'shard 2/3 is missing: give the output folder of every shard.',
  );
  assert.match(refusal([three, two]), /^shard 1\/3 is missing/);
  assert.match(refusal([two, one]), /^shard 3\/3 is missing/);
  assert.equal(
    refusal([one, two, two, three]),
    'shard 2/3 is given twice: give the output folder of each shard once.',
  );
  assert.match(
    refusal([one, two, shards(4)[2] as FolderFile]),
    /^shard 3\/4 and shard 1\/3 split the folder into different numbers of shards/,
  );
  assert.equal(
    refusal([one, folderFile(ROWS)]),
    'File 2 of 2 is not a shard (it was made of the whole folder): give only the output folders of runs made with --shard i/n.',
  );
  const merged = mergeFolderFiles([one, two, three]);
  assert.match(
    refusal([merged]),
    /not a shard \(it was made of the whole folder, by an earlier merge\)/,
  );
  assert.equal(refusal([]), 'Nothing to merge: give the output folder of every shard.');
});

void test('an image in two shards is refused', () => {
  const [one, two] = shards(2);
  assert.ok(one !== undefined && two !== undefined);
  const overlapping = folderFile([...(two.rows as typeof ROWS), ROWS[0] as (typeof ROWS)[0]], {
    shard: { index: 2, count: 2 },
  });
  assert.equal(
    refusal([one, overlapping]),
    'a.png is in shard 1/2 and in shard 2/2: the shards overlap, so they are not the shards of one run. Give the shards of one run.',
  );
});

void test('a shard stopped before it finished is refused, with how to finish it', () => {
  const [one, two, three] = shards(3);
  assert.ok(one !== undefined && two !== undefined && three !== undefined);
  // Shard 2/3 listed its three images and wrote the summary of the first two (a cancel, a lost
  // node, a time limit): its summary is valid, and says so.
  const stopped = folderFile(two.rows.slice(0, 2), { shard: two.shard, listed: 3 });
  assert.equal(
    refusal([one, stopped, three]),
    'shard 2/3 stopped after 2 of 3 images: run its command again to finish it (the finished images are not recomputed), then merge.',
  );
  // Finished, the shards' listings add up to the whole run's.
  assert.equal(mergeFolderFiles([one, two, three], NOW).listed, ROWS.length);
});

void test('shards that list more images together than one run takes are refused', () => {
  // Each within the bound and finished, together over it: the merged summary could be written
  // but not opened again.
  const rows = Array.from({ length: FOLDER_LIMITS.rows + 1 }, (_, k) =>
    notDoneRow(`${String(k).padStart(6, '0')}.png`, 'failed'),
  );
  const half = FOLDER_LIMITS.rows / 2;
  assert.equal(
    refusal([
      folderFile(rows.slice(0, half), { shard: { index: 1, count: 2 } }),
      folderFile(rows.slice(half), { shard: { index: 2, count: 2 } }),
    ]),
    'the shards list 100,001 images together, more than the 100,000 a folder run takes, so they are not the shards of one run: give the output folders of the shards of one run.',
  );
});

void test('shards with no images (more shards than images) merge, as valid empty files', () => {
  const parts = shards(12);
  assert.deepEqual(
    parts.map((f) => f.listed),
    [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0],
  );
  const merged = mergeFolderFiles(parts, NOW);
  assert.equal(merged.listed, 9);
  assert.equal(merged.rows.length, 9);
  assert.deepEqual(validateFolderFile(JSON.parse(stableStringify(merged))), []);
});
