import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  adjustmentName,
  describeTest,
  formatCount,
  formatNumber,
  formatPercent,
  formatProbability,
  formatShort,
  outputName,
  staleBadge,
  staleWord,
} from '../../../src/shared/format';
import { measure } from './builders';

void test('formatNumber: four significant digits in plain range, exponent outside', () => {
  assert.equal(formatNumber(0), '0');
  assert.equal(formatNumber(0.9526676717541702), '0.9527');
  assert.equal(formatNumber(0.0014259783348452835), '0.001426');
  assert.equal(formatNumber(1), '1');
  assert.equal(formatNumber(12345.678), '12350');
  // Below 1e-3: exponent notation with trailing zeros trimmed (the demo's p = 1/2001).
  assert.equal(formatNumber(0.0004997501249375312), '5e-4');
  assert.equal(formatNumber(2.23e-5), '2.23e-5');
  assert.equal(formatNumber(-4.5e-7), '-4.5e-7');
  assert.equal(formatNumber(250000), '2.5e5');
  assert.equal(formatNumber(Number.NaN), '—');
  assert.equal(formatNumber(Infinity), '∞');
});

void test('formatShort: three significant digits for the score tiles', () => {
  assert.equal(formatShort(0.0014992503748125937), '0.0015');
  assert.equal(formatShort(0.9526676717541702), '0.953');
  assert.equal(formatShort(0.0000402), '4.02e-5');
  assert.equal(formatShort(0), '0');
});

void test('formatPercent, formatProbability and formatCount', () => {
  assert.equal(formatPercent(0.03274259592053871), '3.27 %');
  assert.equal(formatPercent(9.757342758072221e-5), '0.00976 %');
  assert.equal(formatPercent(0), '0 %');
  assert.equal(formatPercent(Number.NaN), '—');
  assert.equal(formatProbability(0.9999940991401672), '1.000');
  assert.equal(formatProbability(0.5), '0.500');
  assert.equal(formatProbability(0.000287), '2.87e-4');
  assert.equal(formatProbability(0), '0.000');
  assert.equal(formatCount(10000), '10,000');
  assert.equal(formatCount(120), '120');
  assert.equal(formatCount(1234567), '1,234,567');
});

void test('describeTest names the exact enumeration or the permutations and seed', () => {
  assert.equal(
    describeTest(measure({ exact: true, n_permutations: 120 })),
    'exact: all 120 orders',
  );
  assert.equal(
    describeTest(measure({ exact: false, n_permutations: 10000, seed: 3 })),
    '10,000 permutations, seed 3',
  );
});

void test('adjustmentName and outputName', () => {
  assert.equal(adjustmentName('holm'), 'Holm');
  assert.equal(adjustmentName('bh'), 'Benjamini-Hochberg');
  assert.equal(adjustmentName('none'), 'none');
  assert.equal(outputName(['cat', 'dog'], 1), 'dog');
  assert.equal(outputName(['cat'], 3), 'output 3');
  assert.equal(outputName(['', 'dog'], 0), 'output 0');
});

void test('staleWord and staleBadge name a changed model and one that could not be checked', () => {
  assert.equal(staleWord('stale'), 'Stale');
  assert.equal(staleWord('unchecked'), 'Not checked');
  assert.equal(staleBadge('stale'), 'stale');
  assert.equal(staleBadge('unchecked'), 'unchecked');
});
