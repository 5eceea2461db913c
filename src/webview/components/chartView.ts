// The prediction-versus-strength chart (chart.js, only the parts a line chart needs). Lines come
// from series.ts; this file maps them onto chart.js and draws the markers chart.js lacks: the
// decision threshold, the prediction flips and the selected step. Hovering or clicking the plot
// selects the nearest step.
import {
  Chart,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartDataset,
  type Plugin,
  type Point,
  type ScriptableContext,
} from 'chart.js';

import { formatNumber, formatProbability } from '../../shared/format';
import { dashPattern, type FlipMarker, type Series } from '../model/series';
import { nearestStep } from '../model/steps';
import type { ChartTheme } from '../model/theme';
import { chartFont, tooltipStyle } from './chartStyle';

Chart.register(LineController, LineElement, PointElement, LinearScale, Tooltip);

/** Everything the chart shows besides the selected step. */
export interface ChartInput {
  readonly series: readonly Series[];
  readonly strengths: readonly number[];
  readonly threshold: number | null;
  readonly flips: readonly FlipMarker[];
  readonly yTitle: string;
  readonly yMin: number | null;
  readonly yMax: number | null;
  readonly xTitle: string;
  /** Several models: flip labels name the model. */
  readonly severalModels: boolean;
}

/** Opacity of a band over seeds: the lines over it stay readable where bands overlap. */
const BAND_ALPHA = 0.16;

/** Tooltip lines beyond this many are left out (a thousand-class model would fill the screen). */
const MAX_TOOLTIP_LINES = 10;

/** A chart.js line chart of the predictions, with step selection. */
export class PredictionChart {
  private readonly chart: Chart<'line', Point[]>;
  private input: ChartInput;
  private theme: ChartTheme;
  private selected = 0;

  constructor(
    canvas: HTMLCanvasElement,
    theme: ChartTheme,
    private readonly onHoverStep: (k: number) => void,
  ) {
    this.theme = theme;
    this.input = {
      series: [],
      strengths: [],
      threshold: null,
      flips: [],
      yTitle: '',
      yMin: null,
      yMax: null,
      xTitle: '',
      severalModels: false,
    };
    this.chart = new Chart<'line', Point[]>(canvas, {
      type: 'line',
      data: { datasets: [] },
      options: this.options(),
      plugins: [this.markers()],
    });
  }

  /** Replaces the lines and markers. */
  update(input: ChartInput): void {
    this.input = input;
    this.chart.data.datasets = input.series.map((s) => this.dataset(s));
    this.chart.options = this.options();
    this.chart.update('none');
    // What is drawn, for assistive tools and end-to-end tests (a canvas has no DOM to read).
    const canvas = this.chart.canvas;
    canvas.dataset.series = String(input.series.length);
    canvas.dataset.points = String(this.chart.data.datasets.reduce((n, d) => n + d.data.length, 0));
    canvas.dataset.bands = String(input.series.filter((s) => s.band !== null).length);
  }

  /** Moves the selected-step marker and the highlighted points to step k. */
  select(k: number): void {
    if (k === this.selected) return;
    this.selected = k;
    this.chart.update('none');
  }

  /** Re-colours everything for a new theme. */
  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    this.update(this.input);
  }

  /** The chart as a PNG data: URL, drawn at `pixelRatio` device pixels per CSS pixel for the export. */
  toBase64Image(pixelRatio: number): string {
    const options = this.chart.options;
    const previous = options.devicePixelRatio;
    options.devicePixelRatio = pixelRatio;
    this.chart.resize();
    try {
      return this.chart.toBase64Image('image/png', 1);
    } finally {
      options.devicePixelRatio = previous;
      this.chart.resize();
    }
  }

  /** The size the chart is drawn at, in CSS pixels. */
  size(): { readonly width: number; readonly height: number } {
    return { width: this.chart.width, height: this.chart.height };
  }

  /** Releases the chart. */
  destroy(): void {
    this.chart.destroy();
  }

  private dataset(s: Series): ChartDataset<'line', Point[]> {
    const colour = this.theme.palette[s.colour] ?? this.theme.foreground;
    const width = this.theme.lineWidth + (s.emphasis ? 1 : 0);
    return {
      label: s.label,
      data: s.points.map((p) => ({ x: p.x, y: p.y })),
      borderColor: colour,
      backgroundColor: colour,
      borderWidth: width,
      borderDash: [...dashPattern(s.dash)].map((d) => d * (width / 2)),
      pointRadius: (ctx: ScriptableContext<'line'>) => (ctx.dataIndex === this.selected ? 3.5 : 0),
      pointHoverRadius: 4.5,
      pointBorderColor: this.theme.background,
      pointBorderWidth: 1,
      tension: 0,
      normalized: true,
      parsing: false,
    };
  }

  private options(): NonNullable<Chart<'line', Point[]>['options']> {
    const t = this.theme;
    const font = chartFont(t);
    const strengths = this.input.strengths;
    return {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      // Room above the plot for two rows of flip labels.
      layout: { padding: { top: this.input.flips.length > 0 ? 34 : 10, right: 8 } },
      interaction: { mode: 'index', intersect: false, axis: 'x' },
      color: t.foreground,
      font,
      scales: {
        x: {
          type: 'linear',
          ...(strengths.length > 0
            ? {
                min: strengths.reduce((a, b) => Math.min(a, b)),
                max: strengths.reduce((a, b) => Math.max(a, b)),
              }
            : {}),
          title: { display: true, text: this.input.xTitle, color: t.muted, font },
          grid: { color: t.grid, tickColor: t.grid, lineWidth: 0.6 },
          border: { color: t.grid },
          ticks: { color: t.muted, font, maxTicksLimit: 11 },
        },
        y: {
          type: 'linear',
          ...(this.input.yMin === null ? {} : { min: this.input.yMin }),
          ...(this.input.yMax === null ? {} : { max: this.input.yMax }),
          title: { display: true, text: this.input.yTitle, color: t.muted, font },
          grid: { color: t.grid, tickColor: t.grid, lineWidth: 0.6 },
          border: { color: t.grid },
          ticks: { color: t.muted, font, maxTicksLimit: 6 },
        },
      },
      plugins: {
        tooltip: {
          ...tooltipStyle(t),
          boxWidth: 10,
          boxHeight: 10,
          boxPadding: 3,
          itemSort: (a, b) => (b.parsed.y ?? 0) - (a.parsed.y ?? 0),
          filter: (item, i) => i < MAX_TOOLTIP_LINES && item.datasetIndex >= 0,
          callbacks: {
            title: (items) => {
              const k = items[0]?.dataIndex ?? 0;
              return `step ${k + 1} of ${strengths.length}, strength ${formatNumber(strengths[k] ?? Number.NaN)}`;
            },
            label: (item) =>
              ` ${item.dataset.label ?? ''}: ${formatProbability(item.parsed.y ?? Number.NaN)}`,
          },
        },
      },
      onHover: (event, _elements, chart) => {
        this.pick(event.x, event.y, chart);
      },
      onClick: (event, _elements, chart) => {
        this.pick(event.x, event.y, chart);
      },
    };
  }

  private pick(x: number | null, y: number | null, chart: Chart): void {
    const area = chart.chartArea;
    if (
      x === null ||
      y === null ||
      x < area.left ||
      x > area.right ||
      y < area.top ||
      y > area.bottom
    )
      return;
    const value = chart.scales.x?.getValueForPixel(x);
    if (value === undefined || this.input.strengths.length === 0) return;
    const k = nearestStep(this.input.strengths, value);
    if (k !== this.selected) this.onHoverStep(k);
  }

  /**
   * Each line's band over seeds, under the lines: a translucent fill in the line's colour from the
   * lowest to the highest value of any seed, clipped to the plot.
   */
  private drawBands(
    ctx: CanvasRenderingContext2D,
    area: { left: number; top: number; right: number; bottom: number },
    x: PixelScale,
    y: PixelScale,
  ): void {
    const banded = this.input.series.filter((s) => s.band !== null);
    if (banded.length === 0) return;
    ctx.save();
    ctx.beginPath();
    ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
    ctx.clip();
    ctx.globalAlpha = BAND_ALPHA;
    for (const s of banded) {
      const band = s.band;
      if (band === null || band.upper.length === 0) continue;
      ctx.fillStyle = this.theme.palette[s.colour] ?? this.theme.foreground;
      ctx.beginPath();
      band.upper.forEach((p, i) => {
        const px = x.getPixelForValue(p.x);
        const py = y.getPixelForValue(p.y);
        if (i === 0) ctx.moveTo(px, py);
        else ctx.lineTo(px, py);
      });
      for (let i = band.lower.length - 1; i >= 0; i--) {
        const p = band.lower[i];
        if (p !== undefined) ctx.lineTo(x.getPixelForValue(p.x), y.getPixelForValue(p.y));
      }
      ctx.closePath();
      ctx.fill();
    }
    ctx.restore();
  }

  /** Threshold and flips under the lines, the selected step over them. */
  private markers(): Plugin<'line'> {
    return {
      id: 'propsweepMarkers',
      beforeDatasetsDraw: (chart) => {
        const { ctx, chartArea: area } = chart;
        const x = chart.scales.x;
        const y = chart.scales.y;
        if (x === undefined || y === undefined) return;
        const t = this.theme;
        this.drawBands(ctx, area, x, y);
        ctx.save();
        ctx.font = `${Math.max(10, t.fontSize - 2)}px ${t.fontFamily}`;
        if (this.input.threshold !== null) {
          const py = y.getPixelForValue(this.input.threshold);
          ctx.strokeStyle = t.muted;
          ctx.lineWidth = 1;
          ctx.setLineDash([5, 4]);
          line(ctx, area.left, py, area.right, py);
          ctx.setLineDash([]);
          ctx.fillStyle = t.muted;
          ctx.textAlign = 'right';
          ctx.textBaseline = 'bottom';
          ctx.fillText(
            `decision threshold ${formatNumber(this.input.threshold)}`,
            area.right - 4,
            py - 3,
          );
        }
        // Flips: a dashed line per flip (the model's dash style), a triangle above the plot and a
        // label in one of two rows where it does not overlap another.
        const rowEnds = [-Infinity, -Infinity];
        for (const flip of [...this.input.flips].sort((a, b) => a.strength - b.strength)) {
          const px = x.getPixelForValue(flip.strength);
          if (px < area.left - 1 || px > area.right + 1) continue;
          const dash = dashPattern(flip.model);
          ctx.strokeStyle = t.muted;
          ctx.lineWidth = 1.25;
          ctx.setLineDash(dash.length > 0 ? [...dash] : [3, 3]);
          line(ctx, px, area.top, px, area.bottom);
          ctx.setLineDash([]);
          ctx.fillStyle = t.flip;
          ctx.beginPath();
          ctx.moveTo(px - 4.5, area.top - 7);
          ctx.lineTo(px + 4.5, area.top - 7);
          ctx.lineTo(px, area.top - 1);
          ctx.closePath();
          ctx.fill();
          const text = `${this.input.severalModels ? `${flip.modelName}: ` : 'flip: '}${flip.change === '' ? 'flip' : flip.change}`;
          const w = ctx.measureText(text).width;
          const left = Math.min(Math.max(px - w / 2, area.left), area.right - w);
          const row = rowEnds.findIndex((end) => left > end + 8);
          if (row >= 0) {
            ctx.textAlign = 'left';
            ctx.textBaseline = 'bottom';
            ctx.fillText(text, left, area.top - 9 - row * 14);
            rowEnds[row] = left + w;
          }
        }
        ctx.restore();
      },
      afterDatasetsDraw: (chart) => {
        const x = chart.scales.x;
        const s = this.input.strengths[this.selected];
        if (x === undefined || s === undefined) return;
        const { ctx, chartArea: area } = chart;
        const k = this.selected;
        const strengths = this.input.strengths;
        // A translucent band from halfway to the previous step to halfway to the next, and a thin
        // line at the step: in the foreground colour, so it never looks like one of the outputs.
        const before = strengths[k - 1] ?? s;
        const after = strengths[k + 1] ?? s;
        const left = Math.max(area.left, x.getPixelForValue((before + s) / 2));
        const right = Math.min(area.right, x.getPixelForValue((s + after) / 2));
        const px = x.getPixelForValue(s);
        ctx.save();
        ctx.fillStyle = this.theme.foreground;
        ctx.globalAlpha = 0.1;
        ctx.fillRect(
          Math.min(left, px - 3),
          area.top,
          Math.max(right - left, 6),
          area.bottom - area.top,
        );
        ctx.globalAlpha = 0.6;
        ctx.strokeStyle = this.theme.foreground;
        ctx.lineWidth = 1;
        line(ctx, px, area.top, px, area.bottom);
        ctx.restore();
      },
    };
  }
}

/** The scale methods the band drawing needs (chart.js's Scale has many more). */
interface PixelScale {
  getPixelForValue(value: number): number;
}

function line(ctx: CanvasRenderingContext2D, x1: number, y1: number, x2: number, y2: number): void {
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x2, y2);
  ctx.stroke();
}
