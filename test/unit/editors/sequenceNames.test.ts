// The pure parts of the sequence editor: natural order, numbers in file names, the CSV format.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  naturalCompare,
  numbersInName,
  parseSequenceCsv,
} from '../../../src/extension/editors/sequence';
import { EditorInputError } from '../../../src/extension/editors/types';

void test('natural order: digit runs compare as numbers, letters ignore case, order is total', () => {
  const names = ['frame10.png', 'frame2.png', 'Frame1.png', 'frame02.png', 'a.png', 'frame2.jpg'];
  assert.deepEqual([...names].sort(naturalCompare), [
    'a.png',
    'Frame1.png',
    // Numerically equal runs fall through to the rest of the name; only a full tie looks at zeros.
    'frame2.jpg',
    'frame02.png',
    'frame2.png',
    'frame10.png',
  ]);
  assert.ok(naturalCompare('x9', 'x10') < 0);
  assert.ok(naturalCompare('x10', 'x9') > 0);
  assert.ok(naturalCompare('img_99999999999999999999', 'img_100000000000000000000') < 0);
  assert.equal(naturalCompare('same', 'same'), 0);
  assert.ok(naturalCompare('A', 'a') !== 0);
});

void test('numbers in a name: decimals; a minus only at the start or after _ or =', () => {
  assert.deepEqual(numbersInName('frame_007'), [7]);
  assert.deepEqual(numbersInName('angle_-30'), [-30]);
  assert.deepEqual(numbersInName('-5'), [-5]);
  assert.deepEqual(numbersInName('alpha=-2.5'), [-2.5]);
  assert.deepEqual(numbersInName('frame-10'), [10]);
  assert.deepEqual(numbersInName('img_0.5'), [0.5]);
  assert.deepEqual(numbersInName('dog_v2_010'), [2, 10]);
  assert.deepEqual(numbersInName('plain'), []);
});

void test('CSV: header path,strength, quoted fields, CRLF, BOM and blank lines', () => {
  const text = '\uFEFFPath , Strength\r\n"a, b.png",1.5\r\n\r\nc.png, -2\n"say ""hi"".png",3e1\n';
  assert.deepEqual(parseSequenceCsv(text, 'x.csv'), [
    { path: 'a, b.png', strength: 1.5, line: 2 },
    { path: 'c.png', strength: -2, line: 4 },
    { path: 'say "hi".png', strength: 30, line: 5 },
  ]);
});

void test('CSV refusals name the file and line', () => {
  const refused = (text: string, pattern: RegExp): void => {
    assert.throws(
      () => parseSequenceCsv(text, 'frames.csv'),
      (error: unknown) => {
        assert.ok(error instanceof EditorInputError, String(error));
        assert.match(error.message, pattern);
        return true;
      },
    );
  };
  refused('', /frames\.csv is empty/);
  refused('path,strength\n', /header but no rows/);
  refused(
    'file,value\na.png,1\n',
    /line 1: the first line must be the header path,strength, found "file,value"/,
  );
  refused('a.png,1\n', /line 1: the first line must be the header/);
  refused('path,strength\na.png,1\nb.png,x\n', /line 3: the strength "x" is not a number/);
  refused('path,strength\na.png,\n', /line 2: the strength "" is not a number/);
  refused('path,strength\na.png,1,2\n', /line 2: expected 2 fields \(path,strength\), found 3/);
  refused('path,strength\n,1\n', /line 2: the path is empty/);
  refused('path,strength\n"a.png,1\n', /line 2: a quoted field is not closed/);
});
