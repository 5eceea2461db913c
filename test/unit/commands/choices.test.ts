import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  conventionalMaskPath,
  demoClassifiers,
  parseClassifiers,
  propertyPresets,
} from '../../../src/extension/commands/choices';

test('a photo without a mask gets a global edit first; with a mask, the object colour', () => {
  const plain = propertyPresets(false);
  const [first] = plain;
  assert.ok(first !== undefined);
  assert.equal(first.editor, 'brightness');
  assert.equal(first.needsMask, false);
  const masked = propertyPresets(true);
  assert.equal(masked[0]?.editor, 'recolor');
  assert.deepEqual(new Set(plain.map((p) => p.id)), new Set(masked.map((p) => p.id)));
  assert.ok(
    masked.some((p) => p.editor === 'masked-brightness' && p.params.invert === true),
    'a background preset',
  );
});

test('classifier entries: paths and {path, name}, relative to the workspace; bad ones reported', () => {
  const { choices, problems } = parseClassifiers(
    ['models/a.onnx', { path: '/abs/b.onnx', name: 'Bee' }, { name: 'no path' }, 'notes.txt', 7],
    '/ws',
    'settings',
  );
  assert.deepEqual(choices, [
    { name: 'a', path: '/ws/models/a.onnx', origin: 'settings' },
    { name: 'Bee', path: '/abs/b.onnx', origin: 'settings' },
  ]);
  assert.equal(problems.length, 3);
  assert.match(problems.join(), /classifiers\[2\] has no "path"/);
  assert.match(problems.join(), /notes\.txt\) is not an \.onnx file/);
  assert.match(parseClassifiers({ a: 1 }, '/ws', 'workspace').problems.join(), /must be a list/);
  assert.deepEqual(parseClassifiers(undefined, '/ws', 'workspace'), { choices: [], problems: [] });
});

test('demo classifiers, mask convention and result names', () => {
  assert.deepEqual(
    demoClassifiers('/ext', ['unbiased.onnx', 'dark-cats.onnx', 'dark-cats.json', 'images']).map(
      (c) => c.name,
    ),
    ['demo: dark-cats', 'demo: unbiased'],
  );
  assert.equal(conventionalMaskPath('/a/b/cat.png'), '/a/b/cat.mask.png');
  assert.equal(conventionalMaskPath('/a.b/cat'), '/a.b/cat.mask.png');
});
