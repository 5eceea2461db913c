// `propsweep explain-folder` and `merge` as a user runs them: a small folder of the demo's images
// with one mask missing, its JSON and table, three shards run as separate processes at once whose
// merge has the numbers of the unsharded run, the merges that must be refused, and a Ctrl-C that
// keeps the finished images for the next run.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  symlinkSync,
  cpSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';

import { parseFolderFile } from '../../../src/shared/folderFile';
import { summarize } from '../../../src/shared/folderSummary';
import { stableStringify } from '../../../src/shared/resultFile';
import { cli, distFile, ROOT } from '../../unit/helpers';
import { cliAsync, DEMO, errorLine, RECOLOR_EDIT, tmp } from './helpers';

interface FolderJson {
  images: {
    image: string;
    status: string;
    result_file: string | null;
    reason: string | null;
    resumed: boolean;
    models: Record<string, unknown>[];
  }[];
  summary: {
    images: number;
    done: number;
    skipped: number;
    failed: number;
    resumed: number;
    summary_file: string;
    models: { model: string; images: number; flipped: { count: number; total: number } }[];
  };
}

const MODELS = ['unbiased', 'dark-cats'].map((m) => join(DEMO, `${m}.onnx`));

/** The demo's four images; light-dog has no mask, so the recolor editor skips it. */
function demoFolder(): string {
  const folder = join(tmp('folder-images'), 'pets');
  mkdirSync(folder);
  for (const name of ['dark-cat', 'dark-dog', 'light-cat', 'light-dog']) {
    copyFileSync(join(DEMO, 'images', `${name}.png`), join(folder, `${name}.png`));
    if (name !== 'light-dog')
      copyFileSync(join(DEMO, 'images', `${name}.mask.png`), join(folder, `${name}.mask.png`));
  }
  return folder;
}

/** explain-folder's arguments for a cheap recolor run of `folder`, with `flags` after them. */
function folderArgs(folder: string, cache: string, ...flags: string[]): string[] {
  return [
    'explain-folder',
    '--folder',
    folder,
    ...MODELS.flatMap((m) => ['--model', m]),
    ...RECOLOR_EDIT,
    '--cache',
    cache,
    ...flags,
  ];
}

/** The numbers of a run: everything but where its files are. */
function numbers(json: FolderJson): unknown {
  const summary: Partial<FolderJson['summary']> = { ...json.summary };
  delete summary.summary_file;
  const images = json.images.map((row) => ({ ...row, result_file: undefined }));
  return { images, summary };
}

describe('propsweep explain-folder', () => {
  let folder: string;
  let root: string;
  let whole: FolderJson;

  before(() => {
    folder = demoFolder();
    root = tmp('folder-out');
    const r = cli(folderArgs(folder, join(root, 'cache'), '--out', join(root, 'whole'), '--json'));
    assert.equal(r.code, 0, r.stderr);
    whole = JSON.parse(r.stdout) as FolderJson;
  });

  test('--json: one row per image, skipped with the reason, and the summary', () => {
    assert.deepEqual(
      whole.images.map((i) => [i.image, i.status]),
      [
        ['dark-cat.png', 'done'],
        ['dark-dog.png', 'done'],
        ['light-cat.png', 'done'],
        ['light-dog.png', 'skipped'],
      ],
    );
    const [darkCat] = whole.images;
    assert.ok(darkCat !== undefined);
    assert.deepEqual(Object.keys(darkCat).sort(), [
      'image',
      'models',
      'reason',
      'result_file',
      'resumed',
      'status',
    ]);
    assert.deepEqual(Object.keys(darkCat.models[0] ?? {}).sort(), [
      'epgm',
      'flips',
      'model',
      'p_adjusted',
      'p_value',
      'significant',
    ]);
    assert.ok(darkCat.result_file !== null && existsSync(darkCat.result_file));
    assert.match(whole.images[3]?.reason ?? '', /no mask light-dog\.mask\.png/);
    assert.equal(whole.images[3]?.result_file, null);
    const { summary } = whole;
    assert.deepEqual(
      [summary.images, summary.done, summary.skipped, summary.failed, summary.resumed],
      [4, 3, 1, 0, 0],
    );
    assert.ok(existsSync(summary.summary_file));
    // The biased model flips the dark cat and the dark dog; the unbiased one flips nothing.
    assert.deepEqual(
      summary.models.map((m) => [m.model, m.images, m.flipped.count]),
      [
        ['unbiased', 3, 0],
        ['dark-cats', 3, 2],
      ],
    );
  });

  test('the table: a line per image and classifier, the summary per classifier, the file', () => {
    const r = cli(folderArgs(folder, join(root, 'cache'), '--out', join(root, 'whole')));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^propsweep explain-folder .*pets \(recolor, 7 steps, seed 0\)/);
    assert.match(
      r.stdout,
      /\n {2}dark-cat\.png +unbiased +\S+ +\S+ +\S+ +0\s+\(resumed\)\n {17}dark-cats/,
    );
    assert.match(r.stdout, /light-dog\.png +skipped: no mask/);
    assert.match(
      r.stdout,
      /dark-cats +3 +\S+ \[\S+, \S+\] +\d\/3 \(.*95% CI .*\) +2\/3 \(66\.7 %, 95% CI/,
    );
    assert.match(r.stdout, /4 images: 3 done \(3 resumed\), 1 skipped, 0 failed/);
    assert.match(r.stdout, /summary: .*pets-recolor\.propsweep-folder\.json/);
  });

  test('three shards run as separate processes merge to the numbers of the unsharded run', async () => {
    const shards = [1, 2, 3].map((i) => join(root, `shard-${i}`));
    const runs = await Promise.all(
      shards.map((out, i) =>
        cliAsync(
          folderArgs(
            folder,
            join(root, `cache-${i}`),
            '--shard',
            `${i + 1}/3`,
            '--out',
            out,
            '--json',
          ),
        ),
      ),
    );
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      runs.map((r) => (JSON.parse(r.stdout) as FolderJson).images.map((i) => i.image)),
      [['dark-cat.png', 'light-dog.png'], ['dark-dog.png'], ['light-cat.png']],
    );
    const out = join(root, 'merged');
    const merged = cli([
      'merge',
      shards[2] ?? '',
      shards[0] ?? '',
      shards[1] ?? '',
      '--out',
      out,
      '--json',
    ]);
    assert.equal(merged.code, 0, merged.stderr);
    const json = JSON.parse(merged.stdout) as FolderJson;
    assert.deepEqual(numbers(json), numbers(whole));
    // The merged folder stands on its own: every result file is in it.
    for (const row of json.images) {
      if (row.result_file !== null)
        assert.ok(row.result_file.startsWith(out) && existsSync(row.result_file));
    }
    const table = cli(['merge', ...shards, '--out', out]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(
      table.stdout,
      /^propsweep merge .*pets \(recolor, 7 steps, seed 0, 3 shards merged\)/,
    );

    // Refused, each with one line: a shard missing, a shard of other settings, an --out in use.
    const missing = cli(['merge', shards[0] ?? '', shards[2] ?? '', '--out', join(root, 'm2')]);
    assert.equal(missing.code, 2);
    assert.match(
      errorLine(missing.stderr),
      /shard 2\/3 is missing: give the output folder of every shard/,
    );
    const other = join(root, 'shard-2-steps-9');
    const rerun = cli([
      ...folderArgs(folder, join(root, 'cache-9'), '--shard', '2/3', '--out', other),
      '--steps',
      '9',
    ]);
    assert.equal(rerun.code, 0, rerun.stderr);
    const mixed = cli([
      'merge',
      shards[0] ?? '',
      other,
      shards[2] ?? '',
      '--out',
      join(root, 'm3'),
    ]);
    assert.equal(mixed.code, 2);
    assert.match(
      errorLine(mixed.stderr),
      /different settings \(steps: 7 in shard 1\/3, 9 in shard 2\/3\)/,
    );
    // A shard whose images/ is a link (here to another shard's) is refused: nothing is copied
    // from outside the shard's own folder.
    const linked = join(root, 'shard-1-linked');
    mkdirSync(linked);
    for (const name of readdirSync(shards[0] ?? ''))
      if (name.endsWith('.propsweep-folder.json'))
        copyFileSync(join(shards[0] ?? '', name), join(linked, name));
    symlinkSync(join(shards[0] ?? '', 'images'), join(linked, 'images'));
    // Merged in place of shard 1/3.
    const mergeWith = (first: string, out: string): ReturnType<typeof cli> =>
      cli(['merge', first, shards[1] ?? '', shards[2] ?? '', '--out', join(root, out)]);
    const viaLink = mergeWith(linked, 'm4');
    assert.equal(viaLink.code, 2);
    assert.match(errorLine(viaLink.stderr), /is missing or not a file inside .*shard-1-linked/);
    // So is a row whose result file is reached through a link in its image's folder: the copy
    // skips links, and the merged summary would name a file that is not there.
    const sublinked = join(root, 'shard-1-sublinked');
    cpSync(shards[0] ?? '', sublinked, { recursive: true });
    const summaryName = readdirSync(sublinked).find((n) => n.endsWith('.propsweep-folder.json'));
    const summaryFile = join(sublinked, summaryName ?? '');
    const edited = JSON.parse(readFileSync(summaryFile, 'utf8')) as {
      rows: { status: string; result_file: string | null }[];
    };
    const row = edited.rows.find((r) => r.status === 'done');
    const [, key = '', stem = ''] = row?.result_file?.split('/') ?? [];
    if (row !== undefined) row.result_file = `images/${key}/via/${stem}`;
    writeFileSync(summaryFile, JSON.stringify(edited));
    symlinkSync(join(shards[0] ?? '', 'images', key), join(sublinked, 'images', key, 'via'));
    const viaSub = mergeWith(sublinked, 'm5');
    assert.equal(viaSub.code, 2, viaSub.stderr);
    assert.match(
      errorLine(viaSub.stderr),
      new RegExp(
        `result file images/${key}/via/.* is missing or not a file inside .*shard-1-sublinked`,
      ),
    );
    const busy = join(root, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'notes.txt'), 'mine');
    const inUse = cli(['merge', ...shards, '--out', busy]);
    assert.equal(inUse.code, 2);
    assert.match(errorLine(inUse.stderr), /--out .*busy already holds other files/);
    assert.equal(readFileSync(join(busy, 'notes.txt'), 'utf8'), 'mine');
  });

  test('merge refuses a shard stopped before it finished, from its summary alone', () => {
    const out = tmp('folder-stopped-out');
    const shards = [1, 2].map((i) => join(out, `shard-${i}`));
    for (const [i, shard] of shards.entries()) {
      const r = cli(
        folderArgs(folder, join(out, 'cache'), '--shard', `${i + 1}/2`, '--out', shard),
      );
      assert.equal(r.code, 0, r.stderr);
    }
    // Shard 2/2 as a cancel leaves it: the summary of its first image of two. Its images' folder
    // is gone too (a merge on another machine): the summary says enough.
    const summaryPath = join(shards[1] ?? '', 'pets-recolor.propsweep-folder.json');
    const file = parseFolderFile(readFileSync(summaryPath, 'utf8'));
    const { rows, summary } = summarize(file.settings, file.rows.slice(0, 1));
    writeFileSync(summaryPath, stableStringify({ ...file, rows, summary }));
    const moved = `${folder}-elsewhere`;
    renameSync(folder, moved);
    try {
      const r = cli(['merge', ...shards, '--out', join(out, 'merged')]);
      assert.equal(r.code, 2);
      assert.equal(
        errorLine(r.stderr),
        'propsweep: shard 2/2 stopped after 1 of 2 images: run its command again to finish it (the finished images are not recomputed), then merge.',
      );
      assert.ok(!existsSync(join(out, 'merged')));
    } finally {
      renameSync(moved, folder);
    }
  });

  test('a shard with no images (more shards than images) is done, and merges with the rest', () => {
    const out = tmp('folder-many-shards');
    const shards = [1, 2, 3, 4, 5].map((i) => join(out, `shard-${i}`));
    const r = cli(
      folderArgs(folder, join(out, 'cache'), '--shard', '5/5', '--out', shards[4] ?? ''),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /\n {2}no images in shard 5\/5 \(the folder has fewer images than shards\)/,
    );
    const json = cli([
      ...folderArgs(folder, join(out, 'cache'), '--shard', '5/5', '--out', shards[4] ?? ''),
      '--json',
    ]);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual((JSON.parse(json.stdout) as FolderJson).images, []);
    assert.match(json.stderr, /no images in shard 5\/5/);
    for (const [i, shard] of shards.slice(0, 4).entries()) {
      const s = cli(
        folderArgs(folder, join(out, 'cache'), '--shard', `${i + 1}/5`, '--out', shard),
      );
      assert.equal(s.code, 0, s.stderr);
    }
    const merged = cli(['merge', ...shards, '--out', join(out, 'merged'), '--json']);
    assert.equal(merged.code, 0, merged.stderr);
    assert.deepEqual(numbers(JSON.parse(merged.stdout) as FolderJson), numbers(whole));
  });

  test('a shard given the --out of another is refused, and leaves it as it was', () => {
    const out = tmp('folder-shared-out');
    const args = (shard: string): string[] =>
      folderArgs(folder, join(out, 'cache'), '--shard', shard, '--out', join(out, 'run'));
    assert.equal(cli(args('1/3')).code, 0);
    const summaryPath = join(out, 'run', 'pets-recolor.propsweep-folder.json');
    const before = readFileSync(summaryPath, 'utf8');
    const r = cli(args('2/3'));
    assert.equal(r.code, 2);
    assert.equal(
      errorLine(r.stderr),
      `propsweep: ${join(out, 'run')} holds shard 1/3 of this folder; give each shard its own --out.`,
    );
    assert.equal(readFileSync(summaryPath, 'utf8'), before);
  });
});

// Ctrl-C in a terminal signals the CLI and its child together; the run stops between images, keeps
// those done (the journal lists them) and says how to go on; the same command again resumes.
test('Ctrl-C keeps the finished images, says how to resume, and the next run resumes them', async () => {
  const folder = join(tmp('folder-cancel'), 'pets');
  mkdirSync(folder);
  for (let i = 0; i < 4; i++)
    copyFileSync(join(DEMO, 'images', 'dark-cat.png'), join(folder, `cat-${i}.png`));
  const out = join(tmp('folder-cancel-out'), 'run');
  const args = [
    'explain-folder',
    '--folder',
    folder,
    '--model',
    MODELS[0] ?? '',
    '--editor',
    'noise',
    '--steps',
    '301',
    '--permutations',
    '100',
    '--out',
    out,
    '--cache',
    tmp('folder-cancel-cache'),
  ];
  const child = spawn(process.execPath, [distFile('cli.js'), ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  // Signal once the journal lists a finished image (polled: it is rewritten after each image).
  const journal = join(out, '.propsweep-folder-run.json');
  let signalled = false;
  while (!signalled) {
    const done = existsSync(journal)
      ? (JSON.parse(readFileSync(journal, 'utf8')) as { images: unknown[] }).images.length
      : 0;
    if (done > 0 && child.pid !== undefined) {
      process.kill(-child.pid, 'SIGINT');
      signalled = true;
    } else if (child.exitCode !== null) break;
    else await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const code = await exited;
  assert.ok(signalled, `the run ended before an image was journalled:\n${stderr}`);
  assert.equal(code, 130, stderr);
  assert.match(
    errorLine(stderr),
    /cancelled; the finished images are kept in .*run\. Run the same command again/,
  );
  const again = cli([...args, '--json']);
  assert.equal(again.code, 0, again.stderr);
  const { summary } = JSON.parse(again.stdout) as FolderJson;
  assert.equal(summary.done, 4);
  assert.ok(summary.resumed >= 1 && summary.resumed < 4, `resumed ${summary.resumed}`);
});
