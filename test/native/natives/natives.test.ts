// The loaders require each native module once, on first use, and hand the same module back after.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { loadOrt, loadSharp } from '../../../src/extension/natives/natives';

test('loadOrt and loadSharp give the installed modules, the same one on every call', () => {
  const ort = loadOrt();
  assert.equal(typeof ort.InferenceSession.create, 'function');
  assert.equal(loadOrt(), ort);
  const sharp = loadSharp();
  assert.equal(typeof sharp, 'function');
  assert.equal(loadSharp(), sharp);
});
