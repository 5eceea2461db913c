// The aggregate panel of a folder run: renders each snapshot from the host and keeps the table's
// sort and page in the webview state. Top to bottom: the title with the counts and the exports,
// one card per classifier (shares with intervals, EPGM histogram), the mean curves with their
// bands, and the table of images. media/folder.css lays the cards in one column in a side panel
// and side by side when wide.
import type { FolderFile } from '../../shared/folderFile';
import type { FolderRequest, FolderSnapshot } from '../../shared/folderProtocol';
import { formatCount, formatNumber } from '../../shared/format';
import { PredictionChart } from '../components/chartView';
import { button, el } from '../components/dom';
import { colourSwatch, renderModelCard } from '../components/folderCards';
import { exportablePng, PNG_SCALE } from '../components/canvasPng';
import { HISTOGRAM_WIDTH, renderFolderPng } from '../components/folderPng';
import { renderFolderTable } from '../components/folderTable';
import { HistogramView } from '../components/histogram';
import type { ChartTheme } from '../model/theme';
import { readTheme, watchTheme } from '../components/pageTheme';
import {
  cellValue,
  countsText,
  epgmValues,
  histogramBins,
  meanCurveSeries,
  modelColour,
  nextSort,
  pageOf,
  parseFolderUi,
  proportionText,
  settingsText,
  sortRows,
  type FolderUiState,
  type SortColumn,
} from './folderModel';
import type { FolderApi } from './folderApi';
import { reasonOf } from '../../shared/protocol';

/** Rows of the table the PNG lists (the panel's order); the HTML report has them all. */
const PNG_ROWS = 40;

/** The whole aggregate panel, bound to one root element. */
export class FolderView {
  private snapshot: FolderSnapshot | null = null;
  private ui: FolderUiState;
  private restore: { readonly summaryPath: string } | null;
  private theme: ChartTheme;
  private fileKey = '';
  private order: number[] = [];
  private histograms: HistogramView[] = [];
  private opening: number | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (ok: boolean) => void>();
  private exporting = false;
  private readonly header = el('div', { class: 'header-slot' });
  private readonly cards = el('div', { class: 'model-cards' });
  private readonly legend = el('div', { class: 'legend-row mean-legend' });
  private readonly table = el('div', { class: 'table-slot' });
  private readonly body: HTMLElement;
  private readonly chart: PredictionChart;

  constructor(
    root: HTMLElement,
    private readonly api: FolderApi,
  ) {
    const stored = api.getState();
    this.ui = parseFolderUi(stored);
    const restore = (stored as { restore?: { summaryPath?: unknown } } | null | undefined)?.restore;
    this.restore =
      typeof restore?.summaryPath === 'string' ? { summaryPath: restore.summaryPath } : null;
    this.theme = readTheme();
    const canvas = el('canvas', {
      role: 'img',
      'aria-label': 'Mean prediction of each classifier along the path, with its 95% band',
    });
    this.chart = new PredictionChart(canvas, this.theme, (k) => {
      this.chart.select(k);
    });
    // No step is selected until the pointer is over the chart (there is no frame to show).
    this.chart.select(-1);
    this.body = el(
      'div',
      { class: 'folder-body hidden' },
      el(
        'section',
        { class: 'summary', 'aria-label': 'Per classifier' },
        el('h2', {}, 'Per classifier'),
        this.cards,
      ),
      el(
        'section',
        { class: 'curves', 'aria-label': 'Mean curve' },
        el('h2', {}, 'Mean curve over the images (95 % band)'),
        el('div', { class: 'chart-box mean-box' }, canvas),
        this.legend,
      ),
      el(
        'section',
        { class: 'images', 'aria-label': 'Images' },
        el('h2', {}, 'Images'),
        this.table,
      ),
    );
    root.replaceChildren(this.header, this.body);
    watchTheme(() => {
      const theme = readTheme();
      if (JSON.stringify(theme) === JSON.stringify(this.theme)) return;
      this.theme = theme;
      this.chart.setTheme(theme);
      this.fileKey = ''; // histograms and legend take the new colours
      if (this.snapshot !== null) this.render(this.snapshot);
    });
  }

  /** Shows a snapshot from the host. */
  render(snapshot: FolderSnapshot): void {
    this.snapshot = snapshot;
    if (snapshot.restore?.summaryPath !== this.restore?.summaryPath) {
      this.restore = snapshot.restore;
      this.save();
    }
    this.renderHeader(snapshot);
    const file = snapshot.file;
    this.body.classList.toggle('hidden', file === null);
    if (file === null) return;
    const key = JSON.stringify([
      file.created,
      file.rows.length,
      file.summary,
      snapshot.thumbnails.length,
    ]);
    if (key !== this.fileKey) {
      this.fileKey = key;
      this.renderSummary(file);
    }
    this.order = sortRows(file.rows, this.ui.sort);
    this.renderTable();
  }

  /** The host's answer to request `id`. */
  answered(id: number, ok: boolean): void {
    const done = this.pending.get(id);
    this.pending.delete(id);
    done?.(ok);
  }

  /** Draws the panel as PNG and sends it (`folder/exportPng`), request `id`. */
  async exportPng(id: number): Promise<void> {
    const file = this.snapshot?.file ?? null;
    if (this.exporting) return;
    if (file === null) {
      this.api.postMessage({
        type: 'folder/exportPngFailed',
        error: 'there is no folder run to export',
      });
      return;
    }
    this.exporting = true;
    try {
      const dataUrl = await exportablePng((scale) => renderFolderPng(this.pngInput(file), scale));
      this.api.postMessage({ type: 'folder/exportPng', id, dataUrl });
    } catch (e) {
      this.api.postMessage({
        type: 'folder/exportPngFailed',
        error: reasonOf(e),
      });
    } finally {
      this.exporting = false;
    }
  }

  private renderHeader(snapshot: FolderSnapshot): void {
    const file = snapshot.file;
    const actions = el('div', { class: 'actions' });
    if (file !== null) {
      actions.append(
        el('span', { class: 'export-label muted' }, 'Export'),
        button(
          'PNG',
          () => {
            void this.exportPng(this.nextId++);
          },
          { secondary: true, title: 'Save the panel as a PNG image' },
        ),
        button(
          'HTML',
          () => {
            this.send({ type: 'folder/exportHtml', id: 0 });
          },
          { secondary: true, title: 'Save a self-contained HTML report with the thumbnails' },
        ),
        button(
          'Markdown',
          () => {
            this.send({ type: 'folder/exportMarkdown', id: 0 });
          },
          { secondary: true, title: 'Copy a Markdown table for a pull request' },
        ),
      );
    }
    this.header.replaceChildren(
      el(
        'header',
        { class: 'header' },
        el(
          'div',
          { class: 'title-row' },
          el(
            'div',
            { class: 'titles' },
            el('h1', {}, snapshot.title),
            file === null ? null : el('p', { class: 'meta counts' }, countsText(file)),
            file === null ? null : el('p', { class: 'meta settings-line' }, settingsText(file)),
            snapshot.shownPath === '' ? null : el('p', { class: 'meta muted' }, snapshot.shownPath),
          ),
          actions,
        ),
        snapshot.note === null
          ? null
          : el('div', { class: 'banner note', role: 'status' }, snapshot.note),
        snapshot.error === null
          ? null
          : el(
              'div',
              { class: 'status error', role: 'alert' },
              el('p', { class: 'error-message' }, snapshot.error),
            ),
      ),
    );
  }

  private renderSummary(file: FolderFile): void {
    for (const h of this.histograms) h.destroy();
    this.histograms = file.summary.models.map(
      (s) => new HistogramView(this.theme, `EPGM of ${s.model}`),
    );
    this.cards.replaceChildren(
      ...file.summary.models.map((s, m) => {
        const colour = this.colour(m);
        const view = this.histograms[m];
        if (view === undefined) return el('div');
        // Summaries are in the settings' order (validateFolderFile); names need not be unique.
        view.update(histogramBins(epgmValues(file, m)), colour, this.theme);
        return renderModelCard(s, colour, view.element);
      }),
    );
    const series = meanCurveSeries(file);
    this.chart.update({
      series,
      strengths: file.strengths,
      threshold: null,
      flips: [],
      yTitle: 'score of the class at step 1',
      yMin: 0,
      yMax: 1,
      xTitle: `strength (${file.settings.editor})`,
      severalModels: series.length > 1,
    });
    this.legend.replaceChildren(
      ...series.map((s) =>
        el('span', { class: 'legend-key' }, colourSwatch(this.colour(s.model)), s.label),
      ),
    );
  }

  private renderTable(): void {
    const snapshot = this.snapshot;
    const file = snapshot?.file ?? null;
    if (snapshot === null || file === null) return;
    this.table.replaceChildren(
      renderFolderTable(
        {
          file,
          thumbnails: snapshot.thumbnails,
          order: this.order,
          sort: this.ui.sort,
          page: this.ui.page,
          opening: this.opening,
        },
        {
          onSort: (column: SortColumn) => {
            this.ui = { sort: nextSort(this.ui.sort, column), page: 0 };
            this.save();
            this.order = sortRows(file.rows, this.ui.sort);
            this.renderTable();
          },
          onPage: (page) => {
            this.ui = { ...this.ui, page: pageOf(this.order, page).page };
            this.save();
            this.renderTable();
            this.table.scrollIntoView({ block: 'start' });
          },
          onOpen: (row) => {
            if (this.opening !== null) return;
            this.opening = row;
            this.renderTable();
            this.send({ type: 'folder/openImage', id: 0, row }, () => {
              this.opening = null;
              this.renderTable();
            });
          },
        },
      ),
    );
  }

  /** Sends a request with a fresh id; `done` runs with the host's answer. */
  private send(message: FolderRequest, done?: (ok: boolean) => void): void {
    const id = this.nextId++;
    if (done !== undefined) this.pending.set(id, done);
    this.api.postMessage({ ...message, id });
  }

  private colour(m: number): string {
    return this.theme.palette[modelColour(m)] ?? this.theme.foreground;
  }

  private pngInput(file: FolderFile): Parameters<typeof renderFolderPng>[0] {
    const models = file.settings.models.map((m) => m.name);
    const groups = ['', ...models.flatMap((m) => [m, '', ''])];
    const header = ['image', ...models.flatMap(() => ['EPGM', 'p adj.', 'flips'])];
    const rows = pageOf(this.order, 0)
      .rows.slice(0, PNG_ROWS)
      .flatMap((i) => {
        const row = file.rows[i];
        if (row === undefined) return [];
        if (row.status !== 'done') return [[row.image, `${row.status}: ${row.reason ?? ''}`]];
        return [
          [
            row.image,
            ...models.flatMap((_, model) =>
              (['epgm', 'p', 'flips'] as const).map((kind) => {
                const v = cellValue(row, { kind, model });
                return v === null ? '—' : formatNumber(v);
              }),
            ),
          ],
        ];
      });
    return {
      title: this.snapshot?.title ?? 'PropSweep',
      meta: [countsText(file), settingsText(file)],
      models: file.summary.models.map((s, m) => ({
        name: s.model,
        colour: this.colour(m),
        lines: [
          `significant: ${proportionText(s.significant)}`,
          `flipped: ${proportionText(s.flipped)}`,
          `EPGM median ${formatNumber(s.epgm_median)} (quartiles ${formatNumber(s.epgm_q1)}–${formatNumber(s.epgm_q3)})`,
        ],
        histogram: this.histograms[m]?.toDataUrl(HISTOGRAM_WIDTH, PNG_SCALE) ?? '',
      })),
      chartImage: this.chart.toBase64Image(PNG_SCALE),
      chartPixelRatio: PNG_SCALE,
      legend: file.summary.models.map((s, m) => ({ label: s.model, colour: this.colour(m) })),
      table: [groups, header, ...rows],
      headerRows: 2,
      tableNote:
        file.rows.length > rows.length
          ? `The first ${formatCount(rows.length)} of ${formatCount(file.rows.length)} images in the panel's order; the HTML report lists them all.`
          : '',
      footer: `Made by propsweep from a folder run created ${file.created}. EPGM: mean |dy/dt| over the normalised strength; p: shuffle test, adjusted over the images; intervals: 95 % Wilson.`,
      theme: this.theme,
    };
  }

  private save(): void {
    this.api.setState({ ...this.ui, restore: this.restore });
  }
}
