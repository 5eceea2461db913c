// The journal of a folder run: what a run into a folder that holds another must match to resume
// it (settings, and which images: folder, --recursive, --limit, --shard), the claim that keeps two
// runs started together out of one folder, and the entries it keeps.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  JOURNAL_NAME,
  openJournal,
  readJournal,
  selectionProblem,
  type FolderRunIdentity,
  type FolderSelection,
} from '../../../src/extension/pipeline/folderJournal';
import { StoreInputError } from '../../../src/extension/store/errors';
import { stableStringify } from '../../../src/shared/resultFile';
import { doneRow, folderFile, folderSettings } from '../shared/folderBuilders';

/** A fresh output folder beside a folder of images. */
function folders(): { out: string; images: string; summary: string } {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-journal-'));
  const images = join(root, 'images');
  mkdirSync(images);
  const out = join(root, 'out');
  mkdirSync(out);
  return { out, images, summary: join(out, 'run.propsweep-folder.json') };
}

function identity(folder: string, selection: Partial<FolderSelection> = {}): FolderRunIdentity {
  return {
    settings: folderSettings(),
    selection: { folder, recursive: false, limit: null, shard: null, ...selection },
  };
}

const IMAGES = ['a.png', 'b.png', 'c.png'];

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof StoreInputError, String(error));
    return error.message;
  }
  assert.fail('the run was not refused');
}

void test('a new run claims its folder at once; a run of another shard into it is refused', async () => {
  const { out, images, summary } = folders();
  const first = identity(images, { shard: { index: 1, count: 3 } });
  const { earlier } = await openJournal(out, summary, first, IMAGES);
  assert.deepEqual(earlier, []);
  // Claimed before any image is done: a shard given the same --out finds it.
  const journal = await readJournal(out);
  assert.deepEqual(journal?.selection, { ...first.selection, folder: '../images' });
  assert.deepEqual(journal.images, []);
  assert.equal(
    await refusal(
      openJournal(out, summary, identity(images, { shard: { index: 2, count: 3 } }), IMAGES),
    ),
    `${out} holds shard 1/3 of this folder; give each shard its own --out.`,
  );
  assert.equal(
    await refusal(openJournal(out, summary, identity(images), IMAGES)),
    `${out} holds shard 1/3 of this folder; give each shard its own --out.`,
  );
  // The same shard again resumes.
  await openJournal(out, summary, first, IMAGES);
});

void test('of two runs of different shards started together into one folder, one is refused', async () => {
  const { out, images, summary } = folders();
  const results = await Promise.allSettled(
    [1, 2].map((index) =>
      openJournal(out, summary, identity(images, { shard: { index, count: 2 } }), IMAGES),
    ),
  );
  assert.deepEqual(
    results.map((r) => r.status),
    results[0]?.status === 'fulfilled' ? ['fulfilled', 'rejected'] : ['rejected', 'fulfilled'],
  );
  const rejected = results.find((r) => r.status === 'rejected');
  assert.match(String(rejected?.reason), /holds shard [12]\/2 of this folder; give each shard/);
});

void test('a run of the whole folder, another folder, --recursive or --limit is refused too', async () => {
  const { out, images, summary } = folders();
  await openJournal(out, summary, identity(images, { limit: 2 }), IMAGES);
  assert.equal(
    await refusal(
      openJournal(out, summary, identity(images, { shard: { index: 1, count: 2 } }), IMAGES),
    ),
    `${out} holds a run of the whole folder, not a shard; give each shard its own --out.`,
  );
  assert.match(
    await refusal(openJournal(out, summary, identity(images), IMAGES)),
    /holds a run of the first 2 \(--limit 2\) of this folder\. Give this run another --out, or run the earlier command again to resume it\./,
  );
  assert.match(
    await refusal(
      openJournal(out, summary, identity(images, { limit: 2, recursive: true }), IMAGES),
    ),
    /holds a run without --recursive\./,
  );
  assert.match(
    await refusal(openJournal(out, summary, identity(join(images, '..'), { limit: 2 }), IMAGES)),
    /holds a run of another folder \(.*images\)\./,
  );
  // Settings are compared first, as before.
  assert.match(
    await refusal(
      openJournal(
        out,
        summary,
        { ...identity(images, { limit: 2 }), settings: folderSettings({ steps: 5 }) },
        IMAGES,
      ),
    ),
    /holds a run made with other settings \(steps: 5 now, 3 before\)/,
  );
});

void test('a summary of another shard in the folder is refused, even without a journal', async () => {
  const { out, images, summary } = folders();
  const file = folderFile([doneRow('a.png', [{ p: 0.1 }, { p: 0.2 }])], {
    shard: { index: 2, count: 3 },
  });
  writeFileSync(summary, stableStringify({ ...file, folder: '../images' }));
  assert.equal(
    await refusal(openJournal(out, summary, identity(images), IMAGES)),
    `${out} holds shard 2/3 of this folder; give each shard its own --out.`,
  );
  // Nothing claimed by the refused run.
  assert.equal(await readJournal(out), null);
});

void test('the journal keeps only the images its run takes, so it stays within its summary', async () => {
  const { out, images, summary } = folders();
  const run = identity(images);
  const entry = (image: string) => ({
    image,
    sha256: 'd'.repeat(64),
    row: doneRow(image, [{ p: 0.1 }, { p: 0.2 }]),
  });
  const { journal } = await openJournal(out, summary, run, IMAGES);
  for (const image of ['a.png', 'gone.png', 'renamed.png']) await journal.add(entry(image));
  await journal.flush();
  assert.equal((await readJournal(out))?.images.length, 3);
  const { earlier } = await openJournal(out, summary, run, IMAGES);
  assert.deepEqual(
    earlier.map((e) => e.image),
    ['a.png'],
  );
  const written = JSON.parse(readFileSync(join(out, JOURNAL_NAME), 'utf8')) as {
    images: { image: string }[];
  };
  assert.deepEqual(
    written.images.map((e) => e.image),
    ['a.png'],
  );
});

void test('a journal whose folder is no path (too long, a NUL) is not used: its images are done again', async () => {
  for (const folder of ['x'.repeat(100_000), 'images\0/x']) {
    const { out, images, summary } = folders();
    await openJournal(out, summary, identity(images), IMAGES);
    const written = JSON.parse(readFileSync(join(out, JOURNAL_NAME), 'utf8')) as {
      selection: FolderSelection;
    };
    writeFileSync(
      join(out, JOURNAL_NAME),
      JSON.stringify({ ...written, selection: { ...written.selection, folder } }),
    );
    // Not compared (a refusal would quote the whole folder): the run starts afresh.
    assert.equal(await readJournal(out), null);
    const { earlier } = await openJournal(out, summary, identity(images), IMAGES);
    assert.deepEqual(earlier, []);
  }
});

void test('selectionProblem names what the folder holds and what to do', () => {
  const base: FolderSelection = { folder: '/d', recursive: false, limit: null, shard: null };
  assert.equal(selectionProblem('/o', base, base), null);
  assert.equal(
    selectionProblem('/o', { ...base, limit: 5 }, base),
    '/o holds a run of all images of this folder. Give this run another --out, or run the earlier command again to resume it.',
  );
  assert.equal(
    selectionProblem('/o', base, { ...base, recursive: true }),
    '/o holds a run with --recursive. Give this run another --out, or run the earlier command again to resume it.',
  );
});
