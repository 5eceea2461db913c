// The aggregate panel's view model: the table's order under each sort, its pages, the UI state it
// keeps, the EPGM histogram's bins and the mean curves it draws.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { FolderImageRow } from '../../../src/shared/folderFile';
import {
  DEFAULT_FOLDER_UI,
  histogramBins,
  meanCurveSeries,
  nextSort,
  PAGE_SIZE,
  pageCount,
  pageOf,
  parseFolderUi,
  sortRows,
} from '../../../src/webview/folder/folderModel';
import { demoFolderFile } from '../shared/folderBuilders';

const names = (rows: readonly FolderImageRow[], order: readonly number[]): string[] =>
  order.map((i) => rows[i]?.image ?? '?');

test('sorted by a classifier, measured rows come by their number and unmeasured ones last', () => {
  const file = demoFolderFile();
  const column = { kind: 'epgm', model: 1 } as const;
  for (const descending of [true, false]) {
    const order = sortRows(file.rows, { column, descending });
    const shown = order.map((i) => file.rows[i]);
    const measured = shown.filter((r) => r?.status === 'done');
    const epgms = measured.map((r) => r?.models[1]?.epgm ?? NaN);
    const expected = [...epgms].sort((a, b) => (descending ? b - a : a - b));
    assert.deepEqual(epgms, expected);
    // Skipped and failed rows last in both directions, by name.
    assert.deepEqual(names(file.rows, order).slice(-3), [
      'broken.png',
      'fox-001.png',
      'fox-002.png',
    ]);
  }
});

test('equal numbers keep name order, so the order does not depend on the sort algorithm', () => {
  const file = demoFolderFile();
  // dark-cats has the same small EPGM on every image it does not depend on.
  const order = sortRows(file.rows, { column: { kind: 'epgm', model: 1 }, descending: true });
  const small = Math.min(...order.flatMap((i) => file.rows[i]?.models[1]?.epgm ?? []));
  const ties = order
    .map((i) => file.rows[i])
    .filter((r) => r?.status === 'done' && r.models[1]?.epgm === small)
    .map((r) => r?.image ?? '');
  assert.ok(ties.length >= 3, `ties: ${ties.join(', ')}`);
  assert.deepEqual(ties, [...ties].sort());
});

test('sorted by image name, A to Z or Z to A', () => {
  const file = demoFolderFile();
  const up = names(
    file.rows,
    sortRows(file.rows, { column: { kind: 'image' }, descending: false }),
  );
  assert.deepEqual(up, [...up].sort());
  const down = names(
    file.rows,
    sortRows(file.rows, { column: { kind: 'image' }, descending: true }),
  );
  assert.deepEqual(down, [...up].reverse());
});

test('a header click turns the direction, a new column starts largest first (names A to Z)', () => {
  const epgm = { kind: 'epgm', model: 0 } as const;
  const first = nextSort(DEFAULT_FOLDER_UI.sort, epgm);
  assert.deepEqual(first, { column: epgm, descending: false }, 'the default column turns');
  assert.deepEqual(nextSort(first, { kind: 'p', model: 2 }), {
    column: { kind: 'p', model: 2 },
    descending: true,
  });
  assert.deepEqual(nextSort(first, { kind: 'image' }), {
    column: { kind: 'image' },
    descending: false,
  });
});

test('the UI state from an earlier page is kept when valid, else the defaults', () => {
  const kept = { sort: { column: { kind: 'flips', model: 2 }, descending: false }, page: 3 };
  assert.deepEqual(parseFolderUi(kept), kept);
  assert.deepEqual(parseFolderUi(undefined), DEFAULT_FOLDER_UI);
  assert.deepEqual(parseFolderUi({ sort: { column: { kind: 'epgm', model: -1 } }, page: 2 }), {
    ...DEFAULT_FOLDER_UI,
    page: 2,
  });
  assert.deepEqual(parseFolderUi({ sort: 'x', page: 1.5 }), DEFAULT_FOLDER_UI);
});

test('pages hold PAGE_SIZE rows, and a page past the end shows the last one', () => {
  const order = Array.from({ length: 2 * PAGE_SIZE + 5 }, (_, i) => i);
  assert.equal(pageCount(order.length), 3);
  assert.equal(pageCount(0), 1);
  assert.deepEqual(pageOf(order, 1).rows.slice(0, 2), [PAGE_SIZE, PAGE_SIZE + 1]);
  const last = pageOf(order, 9);
  assert.equal(last.page, 2);
  assert.equal(last.rows.length, 5);
});

test("histogram bins follow Sturges' rule and count every value once", () => {
  // 9 values: ceil(log2 9) + 1 = 5 bins over [0.1, 0.9], each 0.16 wide.
  const values = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
  const h = histogramBins(values);
  assert.equal(h.log, false);
  assert.equal(h.counts.length, 5);
  assert.deepEqual(h.counts, [2, 2, 1, 2, 2]);
  assert.equal(h.edges.length, 6);
  assert.equal(h.edges[0], 0.1);
  assert.equal(h.edges.at(-1), 0.9, 'the largest value closes the last bin');
  assert.equal(h.total, 9);
});

test('EPGMs spanning three orders of magnitude are binned on a log axis, zeros counted apart', () => {
  const h = histogramBins([1e-4, 2e-4, 0.5, 0.9, 0, Number.NaN]);
  assert.equal(h.log, true);
  assert.equal(h.zeros, 1);
  assert.equal(h.total, 5, 'NaN is not a value');
  assert.equal(
    h.counts.reduce((a, b) => a + b, 0),
    4,
  );
  assert.ok(Math.abs((h.edges[0] ?? 0) - -4) < 1e-12, 'log10 of the smallest');
});

test('equal values make one bin around them; no values make an empty one', () => {
  const one = histogramBins([0.3, 0.3, 0.3]);
  assert.deepEqual(one.counts, [3]);
  assert.ok((one.edges[0] ?? 1) < 0.3 && (one.edges[1] ?? 0) > 0.3);
  const none = histogramBins([]);
  assert.deepEqual(none.counts, [0]);
  assert.equal(none.total, 0);
});

test('the mean curves: one line per classifier with its band, over the strengths', () => {
  const file = demoFolderFile();
  const series = meanCurveSeries(file);
  assert.deepEqual(
    series.map((s) => s.label),
    ['unbiased', 'dark-cats', 'dark-dogs'],
  );
  const s = series[1];
  assert.ok(s !== undefined && s.band !== null);
  assert.equal(s.points.length, file.strengths.length);
  assert.deepEqual(
    s.points.map((p) => p.y),
    file.summary.models[1]?.mean_curve,
  );
  assert.deepEqual(
    s.band.upper.map((p) => p.y),
    file.summary.models[1]?.curve_high,
  );
  assert.deepEqual(new Set(series.map((x) => x.colour)).size, 3, 'a colour per classifier');
});
