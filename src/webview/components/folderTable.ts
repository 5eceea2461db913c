// The table of a folder run: one row per image (thumbnail, name, and per classifier its EPGM, p
// adjusted over the images and flips), sortable by any column, a page at a time. A skipped or
// failed image shows why across the classifier columns. A measured row opens that image's result
// panel on click or Enter. The thumbnail and name columns stay in place while the numbers scroll
// sideways in a narrow panel.
import type { FolderFile } from '../../shared/folderFile';
import { formatCount, formatNumber } from '../../shared/format';
import {
  cellValue,
  pageCount,
  pageOf,
  PAGE_SIZE,
  sameColumn,
  type SortColumn,
  type TableSort,
} from '../folder/folderModel';
import { el, type Child } from './dom';

/** What the table's controls do. */
export interface FolderTableHandlers {
  readonly onSort: (column: SortColumn) => void;
  readonly onPage: (page: number) => void;
  /** Open the result of row `row` (an index into file.rows). */
  readonly onOpen: (row: number) => void;
}

/** Everything the table shows. */
export interface FolderTableInput {
  readonly file: FolderFile;
  readonly thumbnails: readonly string[];
  /** Row indices in table order. */
  readonly order: readonly number[];
  readonly sort: TableSort;
  readonly page: number;
  /** The row whose result is being opened (shown as busy), or null. */
  readonly opening: number | null;
}

const NUMBER_COLUMNS = [
  { kind: 'epgm', title: 'EPGM', tip: 'Expected property gradient magnitude' },
  { kind: 'p', title: 'p adj.', tip: 'p-value adjusted over the images' },
  { kind: 'flips', title: 'flips', tip: 'Changes of predicted class along the path' },
] as const;

/** The table with its pager, as a fresh element. */
export function renderFolderTable(
  input: FolderTableInput,
  handlers: FolderTableHandlers,
): HTMLElement {
  const { file, sort } = input;
  const models = file.settings.models.map((m) => m.name);
  const header = (title: string, tip: string, column: SortColumn, cls: string): HTMLElement => {
    const active = sameColumn(sort.column, column);
    const arrow = active ? (sort.descending ? ' ▼' : ' ▲') : '';
    const b = el('button', { class: 'sort', type: 'button', title: `${tip}: sort` }, title + arrow);
    b.addEventListener('click', () => {
      handlers.onSort(column);
    });
    return el(
      'th',
      {
        class: cls,
        scope: 'col',
        'aria-sort': active ? (sort.descending ? 'descending' : 'ascending') : 'none',
      },
      b,
    );
  };
  const groups = el(
    'tr',
    { class: 'groups' },
    el('th', { class: 'sticky thumb-col', scope: 'col' }),
    el('th', { class: 'sticky name-col', scope: 'col' }),
    ...models.map((name) => el('th', { class: 'group', colspan: '3', scope: 'colgroup' }, name)),
  );
  const heads = el(
    'tr',
    {},
    el(
      'th',
      { class: 'sticky thumb-col', scope: 'col' },
      el('span', { class: 'sr-only' }, 'thumbnail'),
    ),
    header('image', 'Image', { kind: 'image' }, 'sticky name-col'),
    ...models.flatMap((_, model) =>
      NUMBER_COLUMNS.map((c, i) =>
        header(c.title, c.tip, { kind: c.kind, model }, `num${i === 0 ? ' group-start' : ''}`),
      ),
    ),
  );
  const { page, rows } = pageOf(input.order, input.page);
  const body = el('tbody', {}, ...rows.map((i) => tableRow(input, i, models.length, handlers)));
  const table = el('table', { class: 'folder-table' }, el('thead', {}, groups, heads), body);
  return el(
    'div',
    { class: 'table-box' },
    el('div', { class: 'table-scroll' }, table),
    pager(input.order.length, page, handlers),
  );
}

function tableRow(
  input: FolderTableInput,
  i: number,
  models: number,
  handlers: FolderTableHandlers,
): HTMLElement {
  const row = input.file.rows[i];
  if (row === undefined) return el('tr');
  const uri = input.thumbnails[i] ?? '';
  const thumb = el(
    'td',
    { class: 'sticky thumb-col' },
    uri === ''
      ? el('span', { class: 'no-thumb' })
      : el('img', { src: uri, alt: '', loading: 'lazy' }),
  );
  const name = el(
    'td',
    {
      class: 'sticky name-col',
      title: row.reason === null ? row.image : `${row.image}: ${row.reason}`,
    },
    el('span', { class: 'image-name' }, row.image),
    row.reason === null ? null : el('div', { class: 'row-reason' }, row.reason),
    row.resumed
      ? el(
          'span',
          { class: 'muted resumed', title: 'Done by an earlier run and not recomputed' },
          ' resumed',
        )
      : null,
  );
  if (row.status !== 'done') {
    return el(
      'tr',
      { class: `row-${row.status}`, 'data-row': String(i) },
      thumb,
      name,
      el(
        'td',
        { class: 'reason', colspan: String(3 * models) },
        el('span', { class: row.status === 'failed' ? 'error-word' : 'muted' }, row.status),
      ),
    );
  }
  const cells: Child[] = [];
  for (let m = 0; m < models; m++) {
    const r = row.models[m];
    const epgm = cellValue(row, { kind: 'epgm', model: m });
    const p = cellValue(row, { kind: 'p', model: m });
    const flips = cellValue(row, { kind: 'flips', model: m });
    cells.push(
      el('td', { class: 'num group-start' }, epgm === null ? '—' : formatNumber(epgm)),
      el(
        'td',
        {
          class: `num${r?.significant === true ? ' significant' : ''}`,
          ...(r?.significant === true ? { title: 'significant' } : {}),
        },
        p === null ? '—' : formatNumber(p),
      ),
      el(
        'td',
        { class: `num${flips !== null && flips > 0 ? ' flipped' : ''}` },
        flips === null ? '—' : formatCount(flips),
      ),
    );
  }
  const open = (): void => {
    handlers.onOpen(i);
  };
  const tr = el(
    'tr',
    {
      class: `row-done${input.opening === i ? ' opening' : ''}`,
      'data-row': String(i),
      tabindex: '0',
      title: `Open the result of ${row.image}`,
    },
    thumb,
    name,
    ...cells,
  );
  tr.addEventListener('click', open);
  tr.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      open();
    }
  });
  return tr;
}

function pager(n: number, page: number, handlers: FolderTableHandlers): HTMLElement | null {
  const pages = pageCount(n);
  if (pages <= 1) return null;
  const from = page * PAGE_SIZE + 1;
  const to = Math.min(n, (page + 1) * PAGE_SIZE);
  const go = (label: string, target: number, disabled: boolean): HTMLElement => {
    const b = el('button', { class: 'link-button', type: 'button' }, label);
    if (disabled) b.setAttribute('disabled', '');
    else
      b.addEventListener('click', () => {
        handlers.onPage(target);
      });
    return b;
  };
  return el(
    'div',
    { class: 'pager' },
    go('‹ Previous', page - 1, page === 0),
    el('span', { class: 'muted' }, `${formatCount(from)}–${formatCount(to)} of ${formatCount(n)}`),
    go('Next ›', page + 1, page >= pages - 1),
  );
}
