// CLIP's zero-shot arithmetic on vectors worked out by hand: unit vectors, a class as the
// renormalised mean of its prompts' unit embeddings, the logit scale fitted from an export's
// logits (and refused when they are not scale * cosine), and the scores per image.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  addToFit,
  classEmbeddings,
  fitScale,
  NO_FIT,
  unitVector,
  zeroShotScores,
} from '../../../src/extension/models/clipScores';
import { assertRowsNear } from './helpers';

const vec = (...v: number[]): Float64Array => Float64Array.from(v);

test('unit vectors; a zero or non-finite vector has none', () => {
  assert.deepEqual(Array.from(unitVector([3, 4]) ?? []), [0.6, 0.8]);
  assert.equal(unitVector([0, 0]), null);
  assert.equal(unitVector([NaN, 1]), null);
});

test('a class embedding is the renormalised mean of its unit prompt embeddings', () => {
  // (1, 0) and (0, 1) average to (0.5, 0.5), renormalised (1/sqrt 2, 1/sqrt 2); (-1, 0) alone
  // stays; two opposite prompts cancel out (null).
  const prompts = [vec(1, 0), vec(0, 1), vec(-1, 0)];
  const classes = classEmbeddings(prompts, [
    { label: 'a', prompts: [0, 1] },
    { label: 'b', prompts: [2] },
    { label: 'c', prompts: [0, 2] },
  ]);
  assertRowsNear(
    classes.slice(0, 2).map((c) => Array.from(c ?? [])),
    [
      [Math.SQRT1_2, Math.SQRT1_2],
      [-1, 0],
    ],
    1e-12,
    'class embeddings',
  );
  assert.equal(classes[2], null);
});

test('the logit scale: least squares over every run, refused when the logits are not s * cosine', () => {
  let fit = addToFit(NO_FIT, [5, -2.5], [0.5, -0.25]);
  fit = addToFit(fit, [1], [0.1]);
  assert.deepEqual(fitScale(fit), { scale: 10 });
  const off = fitScale(addToFit(NO_FIT, [5, 3], [0.5, 0.1]));
  assert.ok(
    'problem' in off &&
      /prompt 1 has logit 5\.00000, but 10\.7692 \(the scale fitted/.test(off.problem),
    JSON.stringify(off),
  );
  const zero = fitScale(addToFit(NO_FIT, [1, 2], [0, 0]));
  assert.ok('problem' in zero && /all 0/.test(zero.problem));
  const negative = fitScale(addToFit(NO_FIT, [-5], [0.5]));
  assert.ok('problem' in negative && /-10 times/.test(negative.problem));
});

test('scores: softmax of scale * cosine over classes, or the cosines themselves', () => {
  const image = vec(0.6, 0.8);
  const targets = [vec(1, 0), vec(0, 1)];
  // Cosines 0.6 and 0.8; scale 10: softmax(6, 8) = (1, e^2) / (1 + e^2).
  const e2 = Math.exp(2);
  assertRowsNear(
    [Array.from(zeroShotScores(image, targets, 10, 'softmax'))],
    [[1 / (1 + e2), e2 / (1 + e2)]],
    1e-7,
    'softmax',
  );
  assertRowsNear(
    [Array.from(zeroShotScores(image, targets, 10, 'similarity'))],
    [[0.6, 0.8]],
    1e-7,
    'cosines',
  );
});
