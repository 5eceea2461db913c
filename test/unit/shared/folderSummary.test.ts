// The numbers of a folder run. Expected values are worked by hand below; the Wilson bounds are also
// R's prop.test(x, n, correct = FALSE)$conf.int (the same interval), here from the roots of
// (1 + z^2/n) p^2 - (2 p^ + z^2/n) p + p^2 = 0 in Python, an independent form of the formula.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { FolderSettings } from '../../../src/shared/folderFile';
import {
  compareCodePoints,
  modelRow,
  quantile,
  settingsDifference,
  settingsKey,
  summarize,
  wilson,
} from '../../../src/shared/folderSummary';
import type { ModelRecord } from '../../../src/shared/resultFile';
import { sampleResult } from '../builders';
import { assertAllClose, assertClose } from '../measures/helpers';
import { doneRow, folderSettings, notDoneRow } from './folderBuilders';

void test('Wilson: 3 of 10 and 0 of 5 (prop.test without continuity correction)', () => {
  const p = wilson(3, 10);
  assert.equal(p.count, 3);
  assert.equal(p.total, 10);
  assert.equal(p.rate, 0.3);
  // Centre (0.3 + z^2/20) / (1 + z^2/10) = 0.355510, half 0.247716. R: 0.1077913 0.6032219.
  assertClose(p.low, 0.107791266556394, 1e-12, 'low 3/10');
  assertClose(p.high, 0.603221854654029, 1e-12, 'high 3/10');
  const none = wilson(0, 5);
  // 0 of n: [0, (z^2/n) / (1 + z^2/n)] = [0, 0.768292 / 1.768292]. R: 0.0000000 0.4344825.
  assert.equal(none.rate, 0);
  assert.equal(none.low, 0);
  assertClose(none.high, 0.434482468659393, 1e-12, 'high 0/5');
  // All of n: the mirror image, with 1 exactly.
  const all = wilson(5, 5);
  assertClose(all.low, 1 - 0.434482468659393, 1e-12, 'low 5/5');
  assert.equal(all.high, 1);
  // The guards at 0 and n: 4 of 4 would otherwise end at 0.9999999999999999, 0 of 3 start
  // at 5.6e-17.
  assert.equal(wilson(4, 4).high, 1);
  assert.equal(wilson(0, 3).low, 0);
  // A wider z widens the interval.
  assert.ok(wilson(3, 10, 2.575829).low < p.low);
});

void test('Wilson: no trials is rate 0 in [0, 1]; impossible counts are refused', () => {
  assert.deepEqual(wilson(0, 0), { count: 0, total: 0, rate: 0, low: 0, high: 1 });
  assert.throws(() => wilson(4, 3), { name: 'RangeError', message: /from 0 to 3, got 4/ });
  assert.throws(() => wilson(-1, 3), RangeError);
  assert.throws(() => wilson(1.5, 3), RangeError);
  assert.throws(() => wilson(0, Number.NaN), RangeError);
});

void test('quantiles by linear interpolation (numpy.percentile, R type 7)', () => {
  // [1, 2, 4, 7]: h = 3q. q1: h = 0.75 -> 1 + 0.75 * 1 = 1.75; median: 2 + 0.5 * 2 = 3;
  // q3: h = 2.25 -> 4 + 0.25 * 3 = 4.75. numpy.percentile([1,2,4,7], [25,50,75]) = 1.75 3 4.75.
  assert.equal(quantile([1, 2, 4, 7], 0.25), 1.75);
  assert.equal(quantile([1, 2, 4, 7], 0.5), 3);
  assert.equal(quantile([1, 2, 4, 7], 0.75), 4.75);
  // Odd count: the order statistics themselves.
  assert.equal(quantile([1, 2, 4, 7, 11], 0.25), 2);
  assert.equal(quantile([1, 2, 4, 7, 11], 0.5), 4);
  assert.equal(quantile([1, 2, 4, 7, 11], 0.75), 7);
  assert.equal(quantile([5], 0.25), 5);
  assert.equal(quantile([], 0.5), 0);
});

/** The sample result's model with other predictions and flips. */
function model(predictions: number[][], flips: number | null): ModelRecord {
  const base = sampleResult().models[0];
  assert.ok(base !== undefined);
  return { ...base, name: 'm', predictions, measure: { ...base.measure, flips } };
}

void test('modelRow follows the class predicted on the first step; one output is itself', () => {
  // Class 1 (0.7) wins on the first step; its score falls although class 0 takes over.
  const row = modelRow(
    model(
      [
        [0.2, 0.7, 0.1],
        [0.3, 0.5, 0.2],
        [0.6, 0.3, 0.1],
      ],
      1,
    ),
  );
  assert.deepEqual(row.curve, [0.7, 0.5, 0.3]);
  assert.equal(row.flips, 1);
  assert.equal(row.model, 'm');
  const base = sampleResult().models[0];
  assert.equal(row.epgm, base?.measure.epgm);
  assert.equal(row.p_value, base?.measure.p_value);
  // One output (a score): the curve is the output, and no flips (null) count as 0.
  const one = modelRow(model([[0.9], [0.4], [0.1]], null));
  assert.deepEqual(one.curve, [0.9, 0.4, 0.1]);
  assert.equal(one.flips, 0);
  assert.ok(!('p_adjusted' in one) && !('significant' in one));
});

const P = [0.01, 0.04, 0.03, 0.005, 0.2];
// Images in another order than their names sort: summarize sorts the rows before adjusting.
const NAMES = ['d.png', 'b.png', 'sub/a.png', 'a.png', 'c.png'];

function fiveImages(settings: FolderSettings) {
  return summarize(settings, [
    notDoneRow('zz.png', 'failed'),
    ...NAMES.map((image, i) => doneRow(image, [{ p: P[i] ?? 1 }, { p: 0.5 }], image === 'c.png')),
    notDoneRow('e.png', 'skipped'),
  ]);
}

void test('p adjusted over the images with Holm; rows sorted by image', () => {
  const { rows, summary } = fiveImages(folderSettings({ adjustment: 'holm' }));
  assert.deepEqual(
    rows.map((r) => r.image),
    ['a.png', 'b.png', 'c.png', 'd.png', 'e.png', 'sub/a.png', 'zz.png'],
  );
  const byImage = new Map(rows.map((r) => [r.image, r.models[0]]));
  // p.adjust(c(.01, .04, .03, .005, .2), "holm") = .04 .09 .09 .025 .2 (see adjust.test.ts).
  const expected = [0.04, 0.09, 0.09, 0.025, 0.2];
  NAMES.forEach((image, i) => {
    const m = byImage.get(image);
    assertClose(m?.p_adjusted ?? Number.NaN, expected[i] ?? Number.NaN, 1e-15, image);
    assert.equal(m?.p_value, P[i]);
  });
  // alpha 0.05: d.png (0.04) and a.png (0.025) are significant.
  assert.deepEqual(
    rows.map((r) => r.models[0]?.significant),
    [true, false, false, true, undefined, false, undefined],
  );
  // The second classifier is adjusted on its own: five times 0.5 is 1 for all (Holm).
  assert.ok(rows.every((r) => r.status !== 'done' || r.models[1]?.p_adjusted === 1));
  assert.deepEqual(rows[4]?.models, []);
  assert.deepEqual(
    { ...summary, models: undefined },
    { images: 7, done: 5, skipped: 1, failed: 1, resumed: 1, models: undefined },
  );
  const first = summary.models[0];
  assert.equal(first?.model, 'a');
  assert.equal(first.images, 5);
  assert.deepEqual(first.significant, wilson(2, 5));
  assert.equal(summary.models[1]?.significant.count, 0);
});

void test('p adjusted over the images with Benjamini-Hochberg; alpha is inclusive', () => {
  const { rows, summary } = fiveImages(folderSettings({ adjustment: 'bh' }));
  const byImage = new Map(rows.map((r) => [r.image, r.models[0]]));
  // p.adjust(..., "BH") = .025 .05 .05 .025 .2: 0.05 <= alpha 0.05 is significant.
  const expected = [0.025, 0.05, 0.05, 0.025, 0.2];
  NAMES.forEach((image, i) => {
    assertClose(byImage.get(image)?.p_adjusted ?? Number.NaN, expected[i] ?? 0, 1e-15, image);
  });
  assert.deepEqual(summary.models[0]?.significant, wilson(4, 5));
});

void test('EPGM distribution, flip rate and the mean curve with its 95% band', () => {
  const settings = folderSettings({ models: folderSettings().models.slice(0, 1) });
  const { summary } = summarize(settings, [
    doneRow('1.png', [{ p: 0.5, epgm: 7, flips: 0, curve: [0.2, 1, 0] }]),
    doneRow('2.png', [{ p: 0.5, epgm: 1, flips: 2, curve: [0.4, 1, 0] }]),
    doneRow('3.png', [{ p: 0.5, epgm: 4, flips: 0, curve: [0.9, 1, 0.3] }]),
    doneRow('4.png', [{ p: 0.5, epgm: 2, flips: 1, curve: [0.5, 1, 0.1] }]),
  ]);
  const m = summary.models[0];
  assert.ok(m !== undefined);
  // EPGM sorted 1 2 4 7: mean 14/4 = 3.5, quartiles 1.75 3 4.75 (see the quantile test).
  assert.equal(m.epgm_mean, 3.5);
  assert.deepEqual([m.epgm_q1, m.epgm_median, m.epgm_q3], [1.75, 3, 4.75]);
  assert.deepEqual(m.flipped, wilson(2, 4));
  // Step 0: 0.2 0.4 0.9 0.5, mean 0.5, squares .09 .01 .16 0 = .26, s^2 = .26/3,
  // half = 1.959964 * sqrt(.26/3/4) = 0.288499. Step 1: all 1, no spread. Step 2: mean 0.1,
  // squares .01 .01 .04 0 = .06, half = 1.959964 * sqrt(.06/3/4) = 0.138590.
  assertAllClose(m.mean_curve, [0.5, 1, 0.1], 1e-15, 'mean');
  assertAllClose(m.curve_low, [0.5 - 0.288499, 1, 0.1 - 0.13859], 1e-6, 'low');
  assertAllClose(m.curve_high, [0.5 + 0.288499, 1, 0.1 + 0.13859], 1e-6, 'high');
});

void test('three images: the band is mean +- 1.96 s / sqrt(3)', () => {
  const settings = folderSettings({ models: folderSettings().models.slice(0, 1) });
  const { summary } = summarize(
    settings,
    [0.2, 0.4, 0.9].map((v, i) => doneRow(`${i}.png`, [{ p: 0.5, curve: [v, v, v] }])),
  );
  // Mean 0.5, squares .09 .01 .16 = .26, s = sqrt(.13); 1.959964 * sqrt(.13 / 3) = 0.407999.
  assertClose(summary.models[0]?.curve_low[0] ?? 0, 0.5 - 0.4079990419, 1e-9, 'low');
  assertClose(summary.models[0]?.curve_high[2] ?? 0, 0.5 + 0.4079990419, 1e-9, 'high');
});

void test('one image: the band is the curve; none: zeros and empty curves', () => {
  const settings = folderSettings({ models: folderSettings().models.slice(0, 1) });
  const one = summarize(settings, [doneRow('x.png', [{ p: 0.01, curve: [0.3, 0.2, 0.1] }])]);
  const m = one.summary.models[0];
  assert.deepEqual(
    [m?.mean_curve, m?.curve_low, m?.curve_high],
    [
      [0.3, 0.2, 0.1],
      [0.3, 0.2, 0.1],
      [0.3, 0.2, 0.1],
    ],
  );
  assert.equal(m?.epgm_median, 1);
  const none = summarize(settings, [notDoneRow('x.png', 'skipped')]).summary.models[0];
  assert.deepEqual(none, {
    model: 'a',
    images: 0,
    epgm_mean: 0,
    epgm_median: 0,
    epgm_q1: 0,
    epgm_q3: 0,
    significant: wilson(0, 0),
    flipped: wilson(0, 0),
    mean_curve: [],
    curve_low: [],
    curve_high: [],
  });
});

void test('rows whose classifiers are not the settings are refused', () => {
  assert.throws(
    () => summarize(folderSettings(), [doneRow('x.png', [{ p: 0.1 }])]),
    /the row of x\.png has the classifiers a, not a, b/,
  );
  assert.throws(
    () =>
      summarize(folderSettings({ models: folderSettings().models.slice(0, 1) }), [
        doneRow('x.png', [{ p: 0.1, curve: [1, 2, 3] }]),
        doneRow('y.png', [{ p: 0.1, curve: [1, 2] }]),
      ]),
    /curves have different lengths \(3, 2\)/,
  );
});

void test('code point order, not UTF-16 order', () => {
  // U+FF21 (fullwidth A) is one unit above the surrogates in UTF-16 but below U+1F600 as a code point.
  const [fullwidth, emoji] = [String.fromCodePoint(0xff21), String.fromCodePoint(0x1f600)];
  assert.ok(fullwidth > emoji);
  assert.ok(compareCodePoints(fullwidth, emoji) < 0);
  assert.ok(compareCodePoints('a', 'ab') < 0);
  assert.equal(compareCodePoints('a/b', 'a/b'), 0);
  const { rows } = summarize(folderSettings(), [
    doneRow('\u{1F600}.png', [{ p: 0.1 }, { p: 0.1 }]),
    doneRow('\uFF21.png', [{ p: 0.1 }, { p: 0.1 }]),
  ]);
  assert.deepEqual(
    rows.map((r) => r.image),
    ['\uFF21.png', '\u{1F600}.png'],
  );
});

void test('settings key: equal for equal settings, whatever the key order or extra fields', () => {
  const a = folderSettings({ params: { factor: 1.8, mode: 'x' } });
  const b = { ...folderSettings({ params: { mode: 'x', factor: 1.8 } }), extra: 1 };
  assert.equal(settingsKey(a), settingsKey(b));
  assert.notEqual(settingsKey(a), settingsKey(folderSettings({ steps: 4 })));
  const [first, second] = a.models;
  assert.ok(first !== undefined && second !== undefined);
  const annotated = { ...a, models: [{ ...first, path: '/models/a.onnx' }, second] };
  assert.equal(settingsKey(annotated), settingsKey(a));
  // A summary written before the editor's content was recorded reads as naming no files.
  const { content, ...before } = a;
  assert.equal(content, null);
  assert.equal(settingsKey(before), settingsKey(a));
  assert.notEqual(settingsKey(a), settingsKey({ ...a, content: 'd'.repeat(64) }));
});

void test('settings difference names the first field that differs, with both values', () => {
  const s = folderSettings();
  assert.equal(settingsDifference(s, folderSettings()), null);
  assert.equal(
    settingsDifference(folderSettings({ steps: 21 }), folderSettings({ steps: 11 })),
    'steps: 21 here, 11 there',
  );
  assert.equal(
    settingsDifference(folderSettings({ editor: 'blur' }), s, ['in shard 1/2', 'in shard 2/2']),
    'editor: "blur" in shard 1/2, "brightness" in shard 2/2',
  );
  assert.equal(
    settingsDifference(s, folderSettings({ params: { factor: 1.8, radius: 3 } })),
    'editor parameter radius: not set here, 3 there',
  );
  assert.equal(
    settingsDifference(
      folderSettings({ content: 'd'.repeat(64) }),
      folderSettings({ content: 'e'.repeat(64) }),
      ['now', 'before'],
    ),
    `the content of the editor's files: dddddddddddd… now, eeeeeeeeeeee… before (a file its parameters name was changed)`,
  );
  assert.equal(
    settingsDifference(s, folderSettings({ content: 'd'.repeat(64) })),
    `the content of the editor's files: none here, dddddddddddd… there (a file its parameters name was changed)`,
  );
  assert.equal(
    settingsDifference(s, folderSettings({ alpha: 0.01, adjustment: 'bh' })),
    'alpha: 0.05 here, 0.01 there',
  );
  assert.equal(
    settingsDifference(s, folderSettings({ adjustment: 'bh' })),
    'adjustment: "holm" here, "bh" there',
  );
  const models = s.models;
  const [first, second] = models;
  assert.ok(first !== undefined && second !== undefined);
  assert.equal(
    settingsDifference(s, folderSettings({ models: [first] })),
    'classifiers: a, b here, a there',
  );
  assert.equal(
    settingsDifference(
      s,
      folderSettings({ models: [first, { ...second, sha256: 'f'.repeat(64) }] }),
    ),
    `classifier 2 (b)'s sha256: "bbbbbbbbbbbb…" here, "ffffffffffff…" there`,
  );
  assert.equal(
    settingsDifference(s, folderSettings({ models: [{ ...first, kind: 'command' }, second] })),
    `classifier 1 (a)'s kind: "onnx" here, "command" there`,
  );
  assert.equal(
    settingsDifference(s, folderSettings({ models: [{ ...first, name: 'z' }, second] })),
    `classifier 1's name: "a" here, "z" there`,
  );
  assert.equal(
    settingsDifference(s, folderSettings({ models: [first, { ...second, files: [] }] })),
    `classifier 2 (b)'s files (prompts): cccccccccccc… here, none there`,
  );
  assert.equal(settingsDifference(s, folderSettings({ seeds: 4 })), 'seeds: 1 here, 4 there');
  assert.equal(
    settingsDifference(s, folderSettings({ legacy: true })),
    'legacy: false here, true there',
  );
});
