import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  bool,
  index,
  num,
  numbers,
  numOrNull,
  obj,
  shown,
  str,
  strings,
  strOrNull,
  text,
  textOrNull,
  texts,
} from '../../../src/shared/coerce';

test('a value of the declared type comes through as it is', () => {
  const o = { a: 1 };
  assert.equal(obj(o), o);
  assert.equal(num(-2.5, 0), -2.5);
  assert.equal(numOrNull(0), 0);
  assert.equal(bool(false, true), false);
  assert.equal(str('x', 'y'), 'x');
  assert.equal(strOrNull(''), '');
  assert.equal(text('cat'), 'cat');
  assert.equal(index(0), 0);
});

test('a value of another type becomes the fallback', () => {
  for (const x of [null, undefined, [1], 'x', 3]) assert.deepEqual(obj(x), {});
  for (const x of [Number.NaN, Infinity, '1', null]) {
    assert.equal(num(x, 7), 7);
    assert.equal(numOrNull(x), null);
  }
  assert.equal(bool('true', false), false);
  assert.equal(str(1), '');
  assert.equal(str(null, 'PropSweep'), 'PropSweep');
  assert.equal(strOrNull(1), null);
  assert.equal(text({}, '?'), '?');
  assert.equal(textOrNull([]), null);
  for (const x of [-1, 1.5, '2', Infinity]) assert.equal(index(x), null);
});

test('text takes numbers and booleans as their text; strict strings do not', () => {
  assert.equal(text(2024), '2024');
  assert.equal(textOrNull(true), 'true');
  assert.equal(str(2024), '');
  assert.equal(strOrNull(true), null);
});

test('arrays: texts and numbers keep every index, strings keeps only strings', () => {
  const mixed = ['a', 7, null, { x: 1 }];
  assert.deepEqual(texts(mixed), ['a', '7', '', '']);
  assert.deepEqual(numbers([1, '2', Infinity]), [1, Number.NaN, Number.NaN]);
  assert.deepEqual(strings(mixed), ['a']);
  for (const f of [texts, numbers, strings]) assert.deepEqual(f('not an array'), []);
});

test('shown writes any received value, also those JSON cannot (structured clone carries them)', () => {
  assert.equal(shown('x'), '"x"');
  assert.equal(shown(undefined), 'undefined');
  assert.equal(shown('y'.repeat(100)), `"${'y'.repeat(56)}...`);
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  // Both threw: a message quoting one in its refusal took its receiver down instead.
  assert.equal(shown(12n), '12n');
  assert.equal(shown(cycle), 'an object JSON cannot write');
});
