// A small histogram on a canvas (the EPGM distribution of one classifier over a folder's images):
// bars in the classifier's colour, the axis with its first, middle and last edges, the count of the
// tallest bar, and a note for zeros a log axis cannot show. Drawn with the 2D context directly:
// chart.js would need its bar controller and category scale for what is a dozen rectangles. It
// redraws when its width changes, and draws itself at any pixel ratio for the PNG export.
import { edgeLabel, type Histogram } from '../folder/folderModel';
import type { ChartTheme } from '../model/theme';

/** The drawn height in CSS pixels. */
const HEIGHT = 110;

/** A histogram canvas that follows its container's width. */
export class HistogramView {
  /** The canvas, to be placed in the page. */
  readonly element: HTMLCanvasElement;
  private histogram: Histogram | null = null;
  private colour = '';
  private theme: ChartTheme;
  private readonly observer: ResizeObserver;

  constructor(
    theme: ChartTheme,
    private readonly label: string,
  ) {
    this.theme = theme;
    this.element = document.createElement('canvas');
    this.element.className = 'histogram';
    this.element.setAttribute('role', 'img');
    this.observer = new ResizeObserver(() => {
      this.draw();
    });
    this.observer.observe(this.element);
  }

  /** Shows `histogram` in `colour`. */
  update(histogram: Histogram, colour: string, theme: ChartTheme): void {
    this.histogram = histogram;
    this.colour = colour;
    this.theme = theme;
    const e = this.element;
    // What is drawn, for assistive tools and end-to-end tests (a canvas has no DOM to read).
    e.dataset.bins = String(histogram.counts.length);
    e.dataset.count = String(histogram.total);
    e.setAttribute(
      'aria-label',
      `${this.label}: ${histogram.total} images in ${histogram.counts.length} bins${histogram.log ? ' (log axis)' : ''}`,
    );
    this.draw();
  }

  /** The histogram as a PNG data: URL at `width` CSS pixels and `scale` device pixels per pixel. */
  toDataUrl(width: number, scale: number): string {
    const canvas = document.createElement('canvas');
    paint(canvas, width, HEIGHT, scale, this.histogram, this.colour, this.theme);
    return canvas.toDataURL('image/png');
  }

  /** The height it is drawn at. */
  static get height(): number {
    return HEIGHT;
  }

  /** Stops following the size. */
  destroy(): void {
    this.observer.disconnect();
  }

  private draw(): void {
    const width = this.element.clientWidth;
    if (width <= 0) return;
    // The stylesheet sets the height (lower in a side panel); the PNG uses HEIGHT.
    paint(
      this.element,
      width,
      this.element.clientHeight || HEIGHT,
      window.devicePixelRatio || 1,
      this.histogram,
      this.colour,
      this.theme,
    );
  }
}

function paint(
  canvas: HTMLCanvasElement,
  width: number,
  height: number,
  scale: number,
  histogram: Histogram | null,
  colour: string,
  t: ChartTheme,
): void {
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const ctx = canvas.getContext('2d');
  if (ctx === null || histogram === null) return;
  ctx.scale(scale, scale);
  const font = Math.max(10, t.fontSize - 2);
  ctx.font = `${font}px ${t.fontFamily}`;
  const left = 6;
  const right = width - 6;
  const top = 16;
  const bottom = height - 2 * font - 8;
  const { counts, edges } = histogram;
  const most = Math.max(1, ...counts);
  const n = counts.length;
  const gap = n > 20 ? 1 : 2;
  const barWidth = (right - left) / Math.max(1, n);
  ctx.fillStyle = colour;
  counts.forEach((c, i) => {
    if (c === 0) return;
    const h = ((bottom - top) * c) / most;
    ctx.fillRect(left + i * barWidth + gap / 2, bottom - h, Math.max(1, barWidth - gap), h);
  });
  ctx.strokeStyle = t.grid;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(left, bottom + 0.5);
  ctx.lineTo(right, bottom + 0.5);
  ctx.stroke();
  ctx.fillStyle = t.muted;
  ctx.textBaseline = 'top';
  const first = edges[0] ?? 0;
  const last = edges.at(-1) ?? 1;
  const middle = (first + last) / 2;
  ctx.textAlign = 'left';
  ctx.fillText(edgeLabel(histogram, first), left, bottom + 4);
  ctx.textAlign = 'center';
  ctx.fillText(edgeLabel(histogram, middle), (left + right) / 2, bottom + 4);
  ctx.textAlign = 'right';
  ctx.fillText(edgeLabel(histogram, last), right, bottom + 4);
  ctx.textAlign = 'left';
  const axis = `EPGM${histogram.log ? ' (log axis)' : ''}${histogram.zeros > 0 ? ` · ${histogram.zeros} at 0 not shown` : ''}`;
  ctx.fillText(axis, left, bottom + 6 + font);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'top';
  ctx.fillText(`tallest bar: ${most} ${most === 1 ? 'image' : 'images'}`, right, 0);
}
