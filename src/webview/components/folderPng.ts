// The aggregate panel drawn as one PNG (as pngExport.ts draws the single-image panel): the title
// and settings, per classifier its shares with intervals and its EPGM histogram, the mean curves
// (chart.js's own image), and the first rows of the table in the panel's order, as text. Drawn
// twice: once to measure the height, once for real.
import type { ChartTheme } from '../model/theme';
import {
  drawTitle,
  drawTwice,
  loadChartImage,
  PNG_PAD as PAD,
  PNG_WIDTH as WIDTH,
  startPage,
} from './canvasPng';

/** One classifier's block. */
export interface FolderPngModel {
  readonly name: string;
  readonly colour: string;
  readonly lines: readonly string[];
  /** Its histogram as a PNG data: URL drawn at HISTOGRAM_WIDTH CSS pixels. */
  readonly histogram: string;
}

/** Everything the PNG shows. */
export interface FolderPngInput {
  readonly title: string;
  readonly meta: readonly string[];
  readonly models: readonly FolderPngModel[];
  readonly chartImage: string;
  /** Device pixels per CSS pixel of chartImage. */
  readonly chartPixelRatio: number;
  readonly legend: readonly { readonly label: string; readonly colour: string }[];
  /** Table header and rows as cells; the first cell is the image. */
  readonly table: readonly (readonly string[])[];
  /** How many of the table's first rows are its header. */
  readonly headerRows: number;
  readonly tableNote: string;
  readonly footer: string;
  readonly theme: ChartTheme;
}

/** The width, in CSS pixels, histograms are drawn at for the PNG. */
export const HISTOGRAM_WIDTH = 360;

/** The panel as a PNG data: URL, drawn at `scale` device pixels per CSS pixel. */
export async function renderFolderPng(input: FolderPngInput, scale: number): Promise<string> {
  const [chart, histograms] = await Promise.all([
    loadChartImage(input.chartImage),
    Promise.all(input.models.map((m) => loadChartImage(m.histogram))),
  ]);
  return drawTwice(scale, (ctx, paint) => draw(ctx, input, chart, histograms, paint));
}

/** Lays out (and, when `paint`, draws) the whole image; returns its height in CSS pixels. */
function draw(
  ctx: CanvasRenderingContext2D,
  input: FolderPngInput,
  chart: HTMLImageElement,
  histograms: readonly HTMLImageElement[],
  paint: boolean,
): number {
  const t = input.theme;
  const inner = WIDTH - 2 * PAD;
  const pen = startPage(ctx, paint, t);
  const { font, text, lines, paragraph } = pen;
  let y = drawTitle(pen, t, input.title, input.meta) + 14;

  // Classifiers: up to three blocks per row, each its lines and its histogram.
  const columns = Math.max(1, Math.min(3, input.models.length));
  const gap = 16;
  const blockWidth = (inner - (columns - 1) * gap) / columns;
  for (let first = 0; first < input.models.length; first += columns) {
    let rowBottom = y;
    input.models.slice(first, first + columns).forEach((m, i) => {
      const left = PAD + i * (blockWidth + gap);
      let by = y;
      if (paint) {
        ctx.fillStyle = m.colour;
        ctx.fillRect(left, by + 3, 10, 10);
      }
      font(15, '600');
      text(m.name, left + 16, by, t.foreground);
      by += 22;
      font(12);
      for (const l of m.lines) by = paragraph(l, left, by, blockWidth, 16, t.foreground);
      const img = histograms[first + i];
      if (img !== undefined) {
        const w = Math.min(blockWidth, HISTOGRAM_WIDTH);
        const h = (w * img.naturalHeight) / Math.max(1, img.naturalWidth);
        if (paint) ctx.drawImage(img, left, by + 4, w, h);
        by += h + 8;
      }
      rowBottom = Math.max(rowBottom, by);
    });
    y = rowBottom + 12;
  }

  // The mean curves with their bands, and the legend under them.
  font(15, '600');
  text('Mean curve over the images (95 % band)', PAD, y, t.foreground);
  y += 22;
  const chartWidth = Math.min(inner, chart.naturalWidth / input.chartPixelRatio);
  const chartHeight = (chartWidth * chart.naturalHeight) / Math.max(1, chart.naturalWidth);
  if (paint) ctx.drawImage(chart, PAD, y, chartWidth, chartHeight);
  y += chartHeight + 6;
  font(12);
  let x = PAD;
  for (const entry of input.legend) {
    const w = 18 + ctx.measureText(entry.label).width + 16;
    if (paint) {
      ctx.fillStyle = entry.colour;
      ctx.fillRect(x, y + 3, 12, 8);
    }
    text(entry.label, x + 18, y, t.foreground);
    x += w;
  }
  y += 28;

  // The table's first rows, as text in columns.
  font(15, '600');
  text('Images', PAD, y, t.foreground);
  y += 22;
  font(12);
  const cells = Math.max(0, ...input.table.map((row) => row.length));
  const nameWidth = Math.min(320, inner * 0.3);
  const cellWidth = cells > 1 ? (inner - nameWidth) / (cells - 1) : 0;
  input.table.forEach((row, r) => {
    const head = r < input.headerRows;
    font(12, head ? '600' : 'normal');
    row.forEach((cell, c) => {
      const left = c === 0 ? PAD : PAD + nameWidth + (c - 1) * cellWidth;
      // A row of two cells (a skipped image and why) spans the number columns.
      const width = c === 0 ? nameWidth - 8 : row.length === 2 ? inner - nameWidth : cellWidth - 6;
      const shown = lines(cell, width)[0] ?? '';
      text(shown, left, y, head ? t.muted : t.foreground);
    });
    y += 17;
  });
  font(11);
  // The note 4 px under the table, the footer 8 px under the note.
  y = paragraph(input.tableNote, PAD, y + 4, inner, 15, t.muted);
  y = paragraph(input.footer, PAD, y + 8, inner, 15, t.muted);
  return y + PAD - 8;
}
