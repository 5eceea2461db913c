// Parameter checking: defaults, conversions from command-line strings, and messages that say
// what to write instead.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { editorById } from '../../../src/extension/editors/registry';
import { formatColour, parseColour } from '../../../src/extension/editors/params';
import { EditorInputError } from '../../../src/extension/editors/types';

function refused(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof EditorInputError, String(error));
    assert.match(error.message, pattern);
    return true;
  });
}

void test('defaults are filled in and strings become numbers and booleans', () => {
  assert.deepEqual(editorById('brightness').resolveParams({}), { factor: 1.8 });
  assert.deepEqual(editorById('brightness').resolveParams({ factor: ' 0.5 ' }), { factor: 0.5 });
  assert.deepEqual(editorById('masked-brightness').resolveParams({ invert: 'true' }), {
    factor: 1.8,
    invert: true,
  });
  assert.deepEqual(editorById('masked-brightness').resolveParams({ invert: 'no', factor: 2 }), {
    factor: 2,
    invert: false,
  });
  assert.deepEqual(editorById('rotation').resolveParams({ fill: 'BLACK' }), {
    degrees: 360,
    fill: 'black',
  });
  assert.deepEqual(editorById('blend').resolveParams({ overlay: 'p.png', x: '3' }), {
    overlay: 'p.png',
    x: 3,
    y: 0,
    alpha: 1,
  });
  // Resolving twice changes nothing (edit() resolves again what the pipeline resolved).
  const once = editorById('recolor').resolveParams({ target: '255, 0, 16' });
  assert.deepEqual(once, { target: '#ff0010' });
  assert.deepEqual(editorById('recolor').resolveParams(once), once);
});

void test('unknown names, bad values and missing required values say what to write', () => {
  refused(
    () => editorById('brightness').resolveParams({ factr: 2 }),
    /no parameter "factr"; its parameters are factor\. Write e\.g\. --param factor=1\.8\./,
  );
  refused(
    () => editorById('brightness').resolveParams({ factor: 'abc' }),
    /factor must be a number >= 0, got "abc"\. Write e\.g\. --param factor=1\.8\./,
  );
  refused(() => editorById('brightness').resolveParams({ factor: -1 }), /got -1/);
  refused(() => editorById('brightness').resolveParams({ factor: true }), /got true/);
  refused(
    () => editorById('noise').resolveParams({ std: 300 }),
    /std must be a number from 0 to 255/,
  );
  refused(
    () => editorById('blend').resolveParams({ overlay: 'p.png', x: 1.5 }),
    /x must be a whole number >= 0, got 1.5/,
  );
  refused(() => editorById('recolor').resolveParams({}), /needs target .*--param target=#f0f0f0/);
  refused(() => editorById('recolor').resolveParams({ target: 'red' }), /#rrggbb or r,g,b/);
  refused(
    () => editorById('masked-brightness').resolveParams({ invert: 'maybe' }),
    /true or false/,
  );
  refused(() => editorById('rotation').resolveParams({ fill: 'white' }), /one of border, black/);
  refused(() => editorById('blend').resolveParams({}), /needs overlay/);
  refused(() => editorById('sequence').resolveParams({}), /exactly one of folder and csv/);
  refused(() => editorById('sequence').resolveParams({ folder: 'a', csv: 'b.csv' }), /not both/);
  refused(
    () => editorById('sequence').resolveParams({ folder: 'a', period: 0 }),
    /period must be a number/,
  );
});

void test('colours: #rrggbb and r,g,b in 0..255, normalised to lower-case #rrggbb', () => {
  assert.deepEqual(parseColour('#FF8000'), [255, 128, 0]);
  assert.deepEqual(parseColour(' 1, 2 ,3 '), [1, 2, 3]);
  for (const bad of ['#ff80', '256,0,0', '1,2', '1,2,3,4', '-1,0,0', '1.5,0,0', 'fff']) {
    assert.equal(parseColour(bad), undefined, bad);
  }
  assert.equal(formatColour([255, 128, 0]), '#ff8000');
});
