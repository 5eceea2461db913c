import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  adjustmentContext,
  flipsText,
  perOutputRows,
  scoreModel,
} from '../../../src/shared/scores';
import { measure, model } from './builders';

void test('one model: no adjustment, the raw p decides', () => {
  const ctx = adjustmentContext([model()], 'holm', 0.01);
  assert.equal(ctx.method, 'none');
  const score = scoreModel(model(), 0, ctx);
  assert.equal(score.pShown, 0.01);
  assert.equal(score.significant, true, 'p <= alpha, as the host decides it');
  assert.equal(score.verdict, 'significant at α = 0.01');
  const rows = new Map(score.rows.map((r) => [r.key, r]));
  assert.equal(rows.has('adjusted p'), false);
  assert.equal(rows.get('EPGM')?.value, '0.5');
  assert.equal(
    rows.get('EPGM')?.detail,
    'whole prediction vector, per unit of normalised strength',
  );
  assert.equal(
    rows.get('p-value')?.detail,
    'shuffle test, exact: all 120 orders; smoother than its shuffles',
  );
  assert.equal(rows.get('flips')?.value, '1: cat → dog at 0.75');
  assert.equal(rows.get('source class')?.value, 'cat: 1.000 → 0.000');
  assert.equal(rows.get('source class')?.detail, 'lost along the path');
  assert.equal(rows.get('provider')?.detail, '12.5 ms');
});

void test('three models with Holm: adjusted p, its verdict and its row', () => {
  // Holm on (0.001, 0.004, 0.03): 3 x 0.001 = 0.003; 2 x 0.004 = 0.008; 1 x 0.03 = 0.03.
  const models = [0.004, 0.001, 0.03].map((p, i) =>
    model({ name: `m${i}`, measure: measure({ p_value: p }) }),
  );
  const ctx = adjustmentContext(models, 'holm', 0.01);
  assert.deepEqual(ctx.adjusted, [0.008, 0.003, 0.03]);
  const scores = models.map((m, i) => scoreModel(m, i, ctx));
  assert.deepEqual(
    scores.map((s) => s.significant),
    [true, true, false],
  );
  assert.equal(scores[2]?.verdict, 'not significant at α = 0.01 (Holm)');
  const row = scores[0]?.rows.find((r) => r.key === 'adjusted p');
  assert.deepEqual(row, { key: 'adjusted p', value: '0.008', detail: 'Holm over 3 models' });
  // 'none' shows the raw p-values.
  assert.deepEqual(adjustmentContext(models, 'none', 0.01).adjusted, [null, null, null]);
});

void test('legacy axis, one output, fallback provider and warnings are stated', () => {
  const m = model({
    fallbackReason: 'CUDA is not available',
    notes: ['no sidecar'],
    measure: measure({ axis: 'index', statistic: 'output', output: 1, warnings: ['few steps'] }),
  });
  const score = scoreModel(m, 0, adjustmentContext([m], 'none', 0.01));
  const rows = new Map(score.rows.map((r) => [r.key, r]));
  assert.equal(rows.get('EPGM')?.detail, 'output dog, legacy units (per step index)');
  assert.equal(rows.get('provider')?.detail, 'fell back: CUDA is not available; 12.5 ms');
  assert.deepEqual(score.warnings, ['few steps', 'no sidecar']);
});

void test('flips text: none, not counted, strengths without details', () => {
  assert.equal(flipsText(model({ measure: measure({ flips: 0, flip_details: [] }) })), 'none');
  assert.equal(flipsText(model({ measure: measure({ flips: null }) })), 'not counted');
  assert.equal(
    flipsText(
      model({ measure: measure({ flips: 2, flip_details: null, flip_strengths: [0.25, 0.5] }) }),
    ),
    '2: at 0.25; at 0.5',
  );
});

void test('per-output rows are sorted by EPGM, largest first', () => {
  const m = model({
    labels: ['a', 'b', 'c'],
    predictions: [
      [0.2, 0.3, 0.5],
      [0.1, 0.1, 0.8],
    ],
    measure: measure({
      epgm_per_output: [0.1, 0.7, 0.3],
      total_variation_per_output: [0.1, 0.2, 0.3],
    }),
  });
  assert.deepEqual(perOutputRows(m), [
    { label: 'b', epgm: 0.7, totalVariation: 0.2, first: 0.3, last: 0.1 },
    { label: 'c', epgm: 0.3, totalVariation: 0.3, first: 0.5, last: 0.8 },
    { label: 'a', epgm: 0.1, totalVariation: 0.1, first: 0.2, last: 0.1 },
  ]);
});

void test('significant but below the effect threshold reads as a negligible effect (METHOD.md)', () => {
  // The unbiased demo model under fur colour: p = 0.0008, EPGM 0.0014 (significant, tiny).
  const tiny = model({ measure: measure({ p_value: 0.0008, epgm: 0.0014 }) });
  const ctx = adjustmentContext([tiny], 'none', 0.01, 0.05);
  const score = scoreModel(tiny, 0, ctx);
  assert.equal(score.significant, true);
  assert.equal(score.relevant, false);
  assert.equal(score.verdict, 'significant at α = 0.01, negligible effect (EPGM < 0.05)');
  const large = model({ measure: measure({ p_value: 0.0008, epgm: 0.95 }) });
  const big = scoreModel(large, 0, adjustmentContext([large], 'none', 0.01, 0.05));
  assert.equal(big.relevant, true);
  assert.equal(big.verdict, 'significant at α = 0.01');
  // Not significant is never relevant, however large the EPGM.
  const noisy = model({ measure: measure({ p_value: 0.4, epgm: 0.95 }) });
  assert.equal(
    scoreModel(noisy, 0, adjustmentContext([noisy], 'none', 0.01, 0.05)).relevant,
    false,
  );
});
