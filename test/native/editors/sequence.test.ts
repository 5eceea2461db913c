// Recorded sequences from a folder or a CSV: order, strengths, periods, and every refusal.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { loadSequence, sequenceEditor } from '../../../src/extension/editors/sequence';
import { EditorInputError, type EditorParams } from '../../../src/extension/editors/types';
import { ImageInputError } from '../../../src/extension/images/errors';
import { collect, pngBytes, solid } from '../../unit/images/builders';
import { tempDir } from '../images/fixtures';

const dir = tempDir('sequence');
after(() => {
  dir.dispose();
});

/** A folder of 2x2 grey PNGs, grey level = index * 10, one per name. */
function folder(name: string, files: readonly string[], size = { width: 2, height: 2 }): string {
  const path = join(dir.path, name);
  mkdirSync(path, { recursive: true });
  files.forEach((file, k) => {
    const grey = Array<number>(size.width * size.height).fill(k * 10);
    dir.file(
      join(name, file),
      file.endsWith('.png') ? pngBytes(size.width, size.height, 8, 0, grey) : 'not an image',
    );
  });
  return path;
}

async function refused(
  params: EditorParams,
  pattern: RegExp,
  type: typeof EditorInputError | typeof ImageInputError = EditorInputError,
): Promise<void> {
  await assert.rejects(loadSequence(params), (error: unknown) => {
    assert.ok(error instanceof type, String(error));
    assert.match(error.message, pattern);
    return true;
  });
}

void test('a folder: strengths from the one number per name, sorted, other files noted', async () => {
  const path = folder('turntable', [
    'turn_270.png',
    'turn_0.png',
    'turn_90.png',
    'turn_180.png',
    'README.txt',
    '.DS_Store',
  ]);
  const sequence = await loadSequence({ folder: path, period: 360 });
  assert.deepEqual(
    sequence.frames.map((f) => f.strength),
    [0, 90, 180, 270],
  );
  assert.deepEqual(
    sequence.frames.map((f) => f.path),
    ['turn_0.png', 'turn_90.png', 'turn_180.png', 'turn_270.png'].map((n) => join(path, n)),
  );
  assert.equal(sequence.strengthSource, 'file-names');
  assert.equal(sequence.period, 360);
  assert.deepEqual([sequence.width, sequence.height], [2, 2]);
  // The hidden file is skipped silently; the README is reported.
  assert.deepEqual(sequence.notes, [
    'ignored 1 file(s) that are not PNG, JPEG, WebP or BMP: README.txt',
    'strengths read from the number in each file name',
  ]);
  assert.deepEqual(await sequenceEditor.strengthsFor?.({ folder: path }, 4), [0, 90, 180, 270]);
  assert.equal(sequenceEditor.periodOf?.({ folder: path, period: '360' }), 360);
});

void test('edit yields the recorded frame at each requested strength, in the order asked', async () => {
  const path = folder('frames', ['f10.png', 'f2.png', 'f1.png']);
  // Written in that order, so f10 is grey 0, f2 grey 10, f1 grey 20.
  const input = { source: solid(2, 2, [0, 0, 0]), params: { folder: path }, seed: 0 };
  const frames = await collect(sequenceEditor.edit(input, [1, 2, 10]));
  assert.deepEqual(
    frames.map((f) => [f.strength, f.parameter, f.image.data[0]]),
    [
      [1, 1, 20],
      [2, 2, 10],
      [10, 10, 0],
    ],
  );
  const subset = await collect(sequenceEditor.edit(input, [10]));
  assert.equal(subset[0]?.image.data[0], 0);
  await assert.rejects(
    collect(sequenceEditor.edit(input, [0, 0.5])),
    /no frame at strength 0; its recorded strengths are 1, 2, 10\. Take the strengths from the editor's strengthsFor/,
  );
});

void test('names without exactly one number: natural order, strengths 0..N-1', async () => {
  const path = folder('mixed', ['b.png', 'a.png', 'v2_c10.png', 'v2_c9.png']);
  const sequence = await loadSequence({ folder: path });
  assert.deepEqual(
    sequence.frames.map((f) => [f.strength, f.path.slice(path.length + 1)]),
    [
      [0, 'a.png'],
      [1, 'b.png'],
      [2, 'v2_c9.png'],
      [3, 'v2_c10.png'],
    ],
  );
  assert.equal(sequence.strengthSource, 'index');
  assert.match(sequence.notes.join('\n'), /positions 0\.\.N-1 in natural name order/);
});

void test('a CSV: paths relative to it, rows sorted by strength, quoted names', async () => {
  const sub = folder('csv/shots', ['x.png', 'y.png', 'z, w.png']);
  const csv = dir.file(
    'csv/frames.csv',
    'path,strength\nshots/y.png,0.5\n"shots/z, w.png",1\nshots/x.png,-1\n',
  );
  const sequence = await loadSequence({ csv });
  assert.deepEqual(
    sequence.frames.map((f) => [f.strength, f.path]),
    [
      [-1, join(sub, 'x.png')],
      [0.5, join(sub, 'y.png')],
      [1, join(sub, 'z, w.png')],
    ],
  );
  assert.equal(sequence.strengthSource, 'csv');
});

void test('refuses empty, missing and wrong-kind folders and CSVs', async () => {
  await refused(
    { folder: folder('empty', []) },
    /has no PNG, JPEG, WebP or BMP images\. Put the frames in it/,
  );
  await refused(
    { folder: folder('texts', ['a.txt', 'b.txt']) },
    /has no PNG, JPEG, WebP or BMP images \(only 2 other file\(s\)\)/,
  );
  await refused({ folder: join(dir.path, 'absent') }, /sequence folder .*absent does not exist/);
  const csvFile = dir.file('list.csv', 'path,strength\n');
  await refused({ folder: csvFile }, /list\.csv is a file, not a folder.*csv=/);
  await refused({ csv: join(dir.path, 'absent.csv') }, /sequence CSV .*absent\.csv does not exist/);
  await refused(
    { csv: folder('a-folder', []) },
    /a-folder is a folder, not a CSV\. Give it as folder=/,
  );
  const missing = dir.file('missing.csv', 'path,strength\nnowhere.png,1\n');
  await refused(
    { csv: missing },
    /missing\.csv line 2: nowhere\.png is not a file \(looked for .*nowhere\.png\)\. Paths are relative to the CSV's folder/,
  );
  await refused(
    { folder: folder('two', ['a_1.png', 'a_2.png']) },
    /has 2 image\(s\); the property gradient needs at least 3/,
  );
});

void test("a CSV's frames stay in its folder: a path or a link out of it is refused", async () => {
  const outside = folder('elsewhere', ['secret.png']);
  folder('confined/shots', ['a.png', 'b.png']);
  symlinkSync(join(outside, 'secret.png'), join(dir.path, 'confined', 'shots', 'link.png'));
  const rows = (third: string): string =>
    `path,strength\nshots/a.png,0\nshots/b.png,1\n${third},2\n`;
  for (const third of ['../elsewhere/secret.png', join(outside, 'secret.png'), 'shots/link.png']) {
    const csv = dir.file('confined/frames.csv', rows(third));
    const named = third.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    await refused(
      { csv },
      new RegExp(
        `frames\\.csv line 4: ${named} leads outside the CSV's folder \\(to .*elsewhere.secret\\.png\\)\\. Keep the frames in the CSV's folder or below it`,
      ),
    );
  }
  // A '..' that stays inside is fine.
  folder('confined/more', ['c.png']);
  const inside = dir.file('confined/frames.csv', rows('shots/../more/c.png'));
  assert.equal((await loadSequence({ csv: inside })).frames.length, 3);
});

void test('refuses duplicate strengths, naming both files', async () => {
  const path = folder('dups', ['a_1.png', 'b_01.png', 'c_2.png']);
  await refused({ folder: path }, /two frames at strength 1: .*a_1\.png and .*b_01\.png/);
  const shots = folder('dupcsv', ['p.png', 'q.png', 'r.png']);
  const csv = dir.file(
    'dupcsv.csv',
    `path,strength\n${shots}/p.png,3\n${shots}/q.png,3\n${shots}/r.png,4\n`,
  );
  await refused({ csv }, /two frames at strength 3/);
});

void test('periodic strengths must stay within one period', async () => {
  const path = folder('full-turn', ['r_0.png', 'r_180.png', 'r_360.png']);
  await refused(
    { folder: path, period: 360 },
    /spans strengths 0 to 360, which is not less than one period \(360\).*Drop the frame at 360/,
  );
  // Without a period the same frames are an open path.
  assert.equal((await loadSequence({ folder: path })).frames.length, 3);
});

void test('refuses images of different sizes (naming both) and unreadable images', async () => {
  const path = folder('sizes', ['s_1.png', 's_2.png']);
  dir.file('sizes/s_3.png', pngBytes(3, 2, 8, 0, [0, 0, 0, 0, 0, 0]));
  await refused(
    { folder: path },
    /differ in size: .*s_1\.png is 2x2 but .*s_3\.png is 3x2\. All frames must be the same size/,
  );
  const broken = folder('broken', ['k_1.png', 'k_2.png', 'k_3.txt']);
  dir.file('broken/k_3.png', 'this is not a png');
  await refused({ folder: broken }, /k_3\.png is text, not an image/, ImageInputError);
});
