// The panel drawn as one PNG, without any DOM-to-image library: the title, the filmstrip
// thumbnails with their strengths, the chart (chart.js's own image) with its legend, and every
// score card as text, on the theme's background. Drawn twice: once to measure the height, once
// for real.
import type { ChartTheme } from '../model/theme';
import type { ModelScore } from '../../shared/scores';
import {
  drawTitle,
  drawTwice,
  loadChartImage,
  PNG_PAD as PAD,
  PNG_SCALE,
  PNG_WIDTH as WIDTH,
  startPage,
} from './canvasPng';
import { loadReadableImage } from './images';

/** Everything the PNG shows. */
export interface PngInput {
  readonly title: string;
  readonly meta: string;
  readonly frameUris: readonly string[];
  readonly frameCaptions: readonly string[];
  readonly flipSteps: ReadonlySet<number>;
  readonly selected: number;
  readonly chartImage: string;
  /** Device pixels per CSS pixel of chartImage. */
  readonly chartPixelRatio: number;
  /** Under the large frame: which step it is. */
  readonly selectedCaption: string;
  readonly legend: readonly {
    readonly label: string;
    readonly colour: string;
    readonly dash: readonly number[];
  }[];
  readonly notes: readonly string[];
  readonly scoresTitle: string;
  readonly scores: readonly ModelScore[];
  readonly footer: string;
  readonly theme: ChartTheme;
}

const GAP = 8;

/** The panel as a PNG data: URL, drawn at `scale` device pixels per CSS pixel. */
export async function renderPanelPng(input: PngInput, scale: number = PNG_SCALE): Promise<string> {
  const [thumbs, chart] = await Promise.all([
    Promise.all(input.frameUris.map((uri) => loadReadableImage(uri).catch(() => null))),
    loadChartImage(input.chartImage),
  ]);
  return drawTwice(scale, (ctx, paint) => draw(ctx, input, thumbs, chart, paint));
}

/** Lays out (and, when `paint`, draws) the whole image; returns its height in CSS pixels. */
function draw(
  ctx: CanvasRenderingContext2D,
  input: PngInput,
  thumbs: readonly (HTMLImageElement | null)[],
  chart: HTMLImageElement,
  paint: boolean,
): number {
  const t = input.theme;
  const inner = WIDTH - 2 * PAD;
  const pen = startPage(ctx, paint, t);
  const { font, text, lines, paragraph } = pen;
  let y = drawTitle(pen, t, input.title, [input.meta]) + 12;

  // Filmstrip: every frame, in as many rows as needed.
  const n = input.frameUris.length;
  const size = Math.max(44, Math.min(96, Math.floor((inner - (n - 1) * 4) / Math.max(1, n))));
  const perRow = Math.max(1, Math.floor((inner + 4) / (size + 4)));
  font(10);
  input.frameUris.forEach((_, k) => {
    const x = PAD + (k % perRow) * (size + 4);
    const top = y + Math.floor(k / perRow) * (size + 20);
    const img = thumbs[k] ?? null;
    if (paint) {
      if (img !== null) {
        ctx.imageSmoothingEnabled = img.naturalWidth > size;
        ctx.drawImage(img, x, top, size, size);
      } else {
        ctx.fillStyle = t.grid;
        ctx.fillRect(x, top, size, size);
      }
      if (k === input.selected || input.flipSteps.has(k)) {
        ctx.strokeStyle = k === input.selected ? t.selection : t.flip;
        ctx.lineWidth = 2;
        ctx.strokeRect(x + 1, top + 1, size - 2, size - 2);
      }
    }
    const caption = input.frameCaptions[k] ?? '';
    const w = ctx.measureText(caption).width;
    text(
      caption,
      x + (size - w) / 2,
      top + size + 3,
      k === input.selected ? t.foreground : t.muted,
    );
  });
  y += Math.ceil(n / perRow) * (size + 20) + 8;

  // The selected step, large, beside the chart (as in the panel).
  const frameSize = 300;
  const chartLeft = PAD + frameSize + 24;
  const chartAvailable = WIDTH - PAD - chartLeft;
  const chartWidth = Math.min(chartAvailable, chart.naturalWidth / input.chartPixelRatio);
  const chartHeight = (chartWidth * chart.naturalHeight) / Math.max(1, chart.naturalWidth);
  const selected = thumbs[input.selected] ?? null;
  if (paint && selected !== null) {
    const scale = Math.min(frameSize / selected.naturalWidth, frameSize / selected.naturalHeight);
    const w = selected.naturalWidth * scale;
    const h = selected.naturalHeight * scale;
    ctx.imageSmoothingEnabled = scale < 1;
    ctx.drawImage(selected, PAD + (frameSize - w) / 2, y, w, h);
    ctx.imageSmoothingEnabled = true;
  }
  font(12);
  const below = paragraph(input.selectedCaption, PAD, y + frameSize + 6, frameSize, 16, t.muted);
  if (paint) ctx.drawImage(chart, chartLeft, y, chartWidth, chartHeight);
  let cy = y + chartHeight + 6;

  // Legend: swatches and labels, wrapped, under the chart.
  font(12);
  let x = chartLeft;
  for (const entry of input.legend) {
    const w = 30 + ctx.measureText(entry.label).width + 16;
    if (x + w > chartLeft + chartAvailable) {
      x = chartLeft;
      cy += 18;
    }
    if (paint) {
      ctx.strokeStyle = entry.colour;
      ctx.lineWidth = 2.5;
      ctx.setLineDash([...entry.dash]);
      ctx.beginPath();
      ctx.moveTo(x, cy + 7);
      ctx.lineTo(x + 24, cy + 7);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    text(entry.label, x + 30, cy, t.foreground);
    x += w;
  }
  y = Math.max(cy + 22, below + 8);
  for (const note of input.notes) y = paragraph(note, PAD, y, inner, 16, t.flip);
  y += 10;

  // Score cards, up to three per row.
  font(15, '600');
  text(input.scoresTitle, PAD, y, t.foreground);
  y += 24;
  const columns = Math.max(1, Math.min(3, input.scores.length));
  const cardWidth = (inner - (columns - 1) * GAP * 2) / columns;
  for (let first = 0; first < input.scores.length; first += columns) {
    const row = input.scores.slice(first, first + columns);
    const heights = row.map((score, i) => card(score, PAD + i * (cardWidth + GAP * 2), y, false));
    const rowHeight = Math.max(...heights);
    if (paint)
      row.forEach((score, i) => card(score, PAD + i * (cardWidth + GAP * 2), y, true, rowHeight));
    y += rowHeight + GAP * 2;
  }

  font(11);
  y = paragraph(input.footer, PAD, y, inner, 15, t.muted);
  return y + PAD - 8;

  function card(
    score: ModelScore,
    left: number,
    top: number,
    paintCard: boolean,
    height = 0,
  ): number {
    const p = 12;
    const width = cardWidth - 2 * p;
    const show = paint && paintCard;
    if (show) {
      ctx.strokeStyle = score.significant ? t.good : t.grid;
      ctx.lineWidth = 1;
      ctx.strokeRect(left + 0.5, top + 0.5, cardWidth - 1, height - 1);
    }
    let cy = top + p;
    const put = (s: string, colour: string): void => {
      if (show) {
        ctx.fillStyle = colour;
        ctx.fillText(s, left + p, cy);
      }
    };
    font(14, '600');
    for (const line of lines(score.name, width)) {
      put(line, t.foreground);
      cy += 19;
    }
    font(12, '600');
    put(score.verdict, score.significant ? t.good : t.muted);
    cy += 20;
    for (const row of score.rows) {
      font(12);
      const full = `${row.key}: ${row.value}${row.detail === '' ? '' : ` (${row.detail})`}`;
      for (const line of lines(full, width)) {
        put(line, t.foreground);
        cy += 16;
      }
    }
    for (const warning of score.warnings) {
      for (const line of lines(`⚠ ${warning}`, width)) {
        put(line, t.flip);
        cy += 16;
      }
    }
    return cy - top + p;
  }
}
