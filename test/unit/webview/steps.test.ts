import assert from 'node:assert/strict';
import { test } from 'node:test';

import { clampStep, initialStep, nearestStep, stepForKey } from '../../../src/webview/model/steps';
import { measure, model, result } from './builders';

void test('clampStep keeps a step on the path', () => {
  assert.equal(clampStep(-3, 5), 0);
  assert.equal(clampStep(7, 5), 4);
  assert.equal(clampStep(2.6, 5), 3);
  assert.equal(clampStep(Number.NaN, 5), 0);
  assert.equal(clampStep(2, 0), 0);
});

void test('nearestStep picks the closest strength, the earlier one on a tie', () => {
  const s = [0, 0.1, 0.15, 0.4, 0.7, 1];
  assert.equal(nearestStep(s, 0.12), 1);
  assert.equal(nearestStep(s, 0.125), 1, 'halfway between 0.1 and 0.15');
  assert.equal(nearestStep(s, 0.9), 5);
  assert.equal(nearestStep(s, -5), 0);
  assert.equal(nearestStep([], 0.5), 0);
});

void test('keys move along the path and stop at its ends', () => {
  assert.equal(stepForKey('ArrowRight', 3, 21), 4);
  assert.equal(stepForKey('ArrowLeft', 0, 21), 0);
  assert.equal(stepForKey('ArrowRight', 20, 21), 20);
  assert.equal(stepForKey('Home', 9, 21), 0);
  assert.equal(stepForKey('End', 9, 21), 20);
  // A page is a tenth of the path (at least one step).
  assert.equal(stepForKey('PageDown', 0, 21), 2);
  assert.equal(stepForKey('PageUp', 1, 5), 0);
  assert.equal(stepForKey('a', 3, 21), null);
});

void test('the first step shown is the first flip of any model, else the last step', () => {
  assert.equal(initialStep(result()), 3);
  const two = result([
    model(),
    model({
      name: 'b',
      measure: measure({ flip_details: [{ index: 2, strength: 0.5, t: 0.5, from: 0, to: 1 }] }),
    }),
  ]);
  assert.equal(initialStep(two), 2);
  assert.equal(initialStep(result([model({ measure: measure({ flip_details: [] }) })])), 4);
});
