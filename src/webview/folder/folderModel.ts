// What the aggregate panel shows, computed from a folder file without the DOM: the table's order
// under a sort, its pages, the EPGM histogram of each classifier, the mean curves as chart series,
// and the texts of proportions. Pure: runs in Node tests.
import type { FolderFile, FolderImageRow } from '../../shared/folderFile';
import { PALETTE_SIZE, type Series } from '../model/series';

export { edgeLabel, histogramBins, type Histogram } from '../../shared/histogram';
export { countsText, intervalText, proportionText, settingsText } from '../../shared/folderFacts';

/** A column the table can be sorted by: the image name, or one classifier's number. */
export type SortColumn =
  { readonly kind: 'image' } | { readonly kind: 'epgm' | 'p' | 'flips'; readonly model: number };

/** The table's sort: a column and its direction. */
export interface TableSort {
  readonly column: SortColumn;
  readonly descending: boolean;
}

/** Rows per page of the table: a page of thumbnails loads at once, 100,000 rows would not. */
export const PAGE_SIZE = 100;

/** What a fresh panel shows first: the images that move the first classifier most on top. */
export const DEFAULT_SORT: TableSort = { column: { kind: 'epgm', model: 0 }, descending: true };

/** What the aggregate panel keeps in the webview state. */
export interface FolderUiState {
  readonly sort: TableSort;
  readonly page: number;
}

/** The state of a new panel. */
export const DEFAULT_FOLDER_UI: FolderUiState = { sort: DEFAULT_SORT, page: 0 };

/** The state kept by an earlier page (anything else: the defaults). */
export function parseFolderUi(stored: unknown): FolderUiState {
  const s = (typeof stored === 'object' && stored !== null ? stored : {}) as Record<
    string,
    unknown
  >;
  const sort = s.sort as
    { column?: { kind?: unknown; model?: unknown }; descending?: unknown } | undefined;
  const page =
    typeof s.page === 'number' && Number.isSafeInteger(s.page) && s.page >= 0 ? s.page : 0;
  const kind = sort?.column?.kind;
  const model = sort?.column?.model;
  const descending = sort?.descending === true;
  if (kind === 'image') return { sort: { column: { kind }, descending }, page };
  if (
    (kind === 'epgm' || kind === 'p' || kind === 'flips') &&
    typeof model === 'number' &&
    Number.isSafeInteger(model) &&
    model >= 0
  )
    return { sort: { column: { kind, model }, descending }, page };
  return { ...DEFAULT_FOLDER_UI, page };
}

/** The sort after a click on `column`'s header: the other direction, or a new column. */
export function nextSort(current: TableSort, column: SortColumn): TableSort {
  if (sameColumn(current.column, column)) return { column, descending: !current.descending };
  // Names read A to Z; numbers largest first (the images that matter most on top).
  return { column, descending: column.kind !== 'image' };
}

/** Whether two sort columns are the same column. */
export function sameColumn(a: SortColumn, b: SortColumn): boolean {
  return a.kind === b.kind && (a.kind === 'image' || a.model === (b as { model: number }).model);
}

/** The number a row shows in a classifier column; null for a row that was not measured. */
export function cellValue(row: FolderImageRow, column: SortColumn): number | null {
  if (column.kind === 'image' || row.status !== 'done') return null;
  const m = row.models[column.model];
  if (m === undefined) return null;
  return column.kind === 'epgm' ? m.epgm : column.kind === 'p' ? m.p_adjusted : m.flips;
}

/**
 * The rows' indices in table order. Under a number column, skipped and failed rows come last in
 * either direction (they have no number), in name order; ties keep name order, so the order never
 * depends on the sort algorithm.
 */
export function sortRows(rows: readonly FolderImageRow[], sort: TableSort): number[] {
  const byName = (a: number, b: number): number => {
    const x = rows[a]?.image ?? '';
    const y = rows[b]?.image ?? '';
    return x < y ? -1 : x > y ? 1 : a - b;
  };
  const sign = sort.descending ? -1 : 1;
  const column = sort.column;
  const indices = rows.map((_, i) => i);
  if (column.kind === 'image') return indices.sort((a, b) => sign * byName(a, b));
  const values = rows.map((r) => cellValue(r, column));
  return indices.sort((a, b) => {
    const x = values[a] ?? null;
    const y = values[b] ?? null;
    if (x === null || y === null) return x === y ? byName(a, b) : x === null ? 1 : -1;
    return x === y ? byName(a, b) : sign * (x - y);
  });
}

/** How many pages `n` rows take (at least one). */
export function pageCount(n: number): number {
  return Math.max(1, Math.ceil(n / PAGE_SIZE));
}

/** The indices on page `page` (clamped to the pages there are) of rows in `order`. */
export function pageOf(order: readonly number[], page: number): { page: number; rows: number[] } {
  const p = Math.min(Math.max(0, page), pageCount(order.length) - 1);
  return { page: p, rows: order.slice(p * PAGE_SIZE, (p + 1) * PAGE_SIZE) };
}

/** The measured EPGMs of classifier `model` (done rows only). */
export function epgmValues(file: FolderFile, model: number): number[] {
  return file.rows.flatMap((r) => {
    const m = r.status === 'done' ? r.models[model] : undefined;
    return m === undefined ? [] : [m.epgm];
  });
}

/** The palette slot of classifier `model` (one colour per classifier in every chart). */
export function modelColour(model: number): number {
  return model % PALETTE_SIZE;
}

/** One line per classifier: its mean curve over the images, with the 95% band around it. */
export function meanCurveSeries(file: FolderFile): Series[] {
  const xs = file.strengths;
  const points = (ys: readonly number[]): { x: number; y: number }[] =>
    ys.flatMap((y, k) => {
      const x = xs[k];
      return x === undefined || !Number.isFinite(y) ? [] : [{ x, y }];
    });
  return file.summary.models.flatMap((s, m) =>
    s.images === 0
      ? []
      : [
          {
            id: `mean:${String(m)}`,
            label: s.model,
            model: m,
            modelName: s.model,
            output: 'mean',
            colour: modelColour(m),
            dash: 0,
            emphasis: false,
            points: points(s.mean_curve),
            band: { lower: points(s.curve_low), upper: points(s.curve_high) },
          },
        ],
  );
}
