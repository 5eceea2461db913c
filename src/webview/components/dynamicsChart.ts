// The training-dynamics chart (chart.js): per checkpoint, in training order, its EPGM (left axis,
// linear or log) and its p-value (right axis, log, with alpha marked), a filled point where p is
// significant and a hollow one where not, and the flips written above the points that have any.
// The checkpoints whose curves are overlaid below are ringed; clicking a point toggles its curve.
// The numbers come from model/dynamics.ts; this file only draws them.
import {
  Chart,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartDataset,
  type Plugin,
  type Point,
} from 'chart.js';

import { formatCount, formatNumber, formatProbability } from '../../shared/format';
import { nearestPoint, type DynamicsView } from '../model/dynamics';
import type { ChartTheme } from '../model/theme';
import { chartFont, tooltipStyle } from './chartStyle';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Tooltip);

/** What the chart shows. */
export interface DynamicsInput {
  readonly view: DynamicsView;
  /** Names of the checkpoints whose curves are overlaid (ringed). */
  readonly overlaid: ReadonlySet<string>;
  readonly logEpgm: boolean;
}

/** The smallest p drawn: p = (b + 1) / (K + 1) never reaches 0, but a file may say anything. */
const P_FLOOR = 1e-6;

/** A chart.js chart of EPGM and p per checkpoint. */
export class DynamicsChart {
  private readonly chart: Chart<'line', Point[]>;
  private input: DynamicsInput | null = null;
  private theme: ChartTheme;

  constructor(
    canvas: HTMLCanvasElement,
    theme: ChartTheme,
    /** A click on checkpoint `name`'s point. */
    private readonly onPick: (name: string) => void,
  ) {
    this.theme = theme;
    this.chart = new Chart<'line', Point[]>(canvas, {
      type: 'line',
      data: { datasets: [] },
      options: this.options(),
      plugins: [this.markers()],
    });
  }

  /** Replaces what is drawn. */
  update(input: DynamicsInput): void {
    this.input = input;
    this.chart.data.datasets = this.datasets(input);
    this.chart.options = this.options();
    this.chart.update('none');
    // What is drawn, for assistive tools and end-to-end tests (a canvas has no DOM to read).
    const canvas = this.chart.canvas;
    canvas.dataset.checkpoints = String(input.view.points.length);
    canvas.dataset.overlaid = String(input.overlaid.size);
  }

  /** Re-colours everything for a new theme. */
  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    if (this.input !== null) this.update(this.input);
  }

  private datasets(input: DynamicsInput): ChartDataset<'line', Point[]>[] {
    const t = this.theme;
    const epgmColour = t.palette[0] ?? t.foreground;
    const pColour = t.palette[1] ?? t.muted;
    const points = input.view.points;
    return [
      {
        label: 'EPGM',
        yAxisID: 'epgm',
        data: points.map((p) => ({ x: p.x, y: input.logEpgm ? Math.max(p.epgm, 1e-12) : p.epgm })),
        borderColor: epgmColour,
        backgroundColor: points.map((p) => (p.significant ? epgmColour : t.background)),
        pointBorderColor: epgmColour,
        borderWidth: t.lineWidth,
        pointRadius: 4,
        pointHoverRadius: 6,
        pointBorderWidth: 1.5,
        tension: 0,
        parsing: false,
      },
      {
        label: 'p',
        yAxisID: 'p',
        data: points.map((p) => ({ x: p.x, y: Math.max(p.p, P_FLOOR) })),
        borderColor: pColour,
        backgroundColor: pColour,
        borderWidth: Math.max(1, t.lineWidth - 0.5),
        borderDash: [5, 4],
        pointRadius: 2,
        pointHoverRadius: 4,
        tension: 0,
        parsing: false,
      },
    ];
  }

  private options(): NonNullable<Chart<'line', Point[]>['options']> {
    const t = this.theme;
    const font = chartFont(t);
    const input = this.input;
    const xs = input?.view.points.map((p) => p.x) ?? [];
    const grid = { color: t.grid, tickColor: t.grid, lineWidth: 0.6 };
    const minP = Math.max(
      P_FLOOR,
      Math.min(input?.view.alpha ?? 0.01, ...(input?.view.points.map((p) => p.p) ?? [1])) / 2,
    );
    return {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      // Room above the plot for the flip counts.
      layout: { padding: { top: 16, right: 4 } },
      interaction: { mode: 'index', intersect: false, axis: 'x' },
      color: t.foreground,
      font,
      scales: {
        x: {
          type: 'linear',
          ...(xs.length > 1
            ? { min: Math.min(...xs), max: Math.max(...xs) }
            : xs.length === 1
              ? { min: (xs[0] ?? 0) - 1, max: (xs[0] ?? 0) + 1 }
              : {}),
          title: { display: true, text: input?.view.xTitle ?? '', color: t.muted, font },
          grid,
          border: { color: t.grid },
          ticks: { color: t.muted, font, maxTicksLimit: 8, precision: 0 },
        },
        epgm: {
          type: input?.logEpgm === true ? 'logarithmic' : 'linear',
          position: 'left',
          ...(input?.logEpgm === true ? {} : { min: 0 }),
          title: { display: true, text: 'EPGM', color: t.palette[0] ?? t.muted, font },
          grid,
          border: { color: t.grid },
          ticks: {
            color: t.muted,
            font,
            maxTicksLimit: 5,
            callback: (v) => formatNumber(Number(v)),
          },
        },
        p: {
          type: 'logarithmic',
          position: 'right',
          min: minP,
          max: 1,
          title: { display: true, text: 'p-value', color: t.palette[1] ?? t.muted, font },
          grid: { drawOnChartArea: false },
          border: { color: t.grid },
          ticks: {
            color: t.muted,
            font,
            maxTicksLimit: 4,
            callback: (v) => {
              const n = Number(v);
              // Only the powers of ten: the log axis would label 2e-3, 3e-3... in a small chart.
              return Math.abs(Math.log10(n) - Math.round(Math.log10(n))) < 1e-9
                ? formatProbability(n)
                : '';
            },
          },
        },
      },
      plugins: {
        tooltip: {
          ...tooltipStyle(t),
          callbacks: {
            title: (items) => {
              const p = input?.view.points[items[0]?.dataIndex ?? 0];
              return p === undefined ? '' : `${p.file} (${input?.view.xTitle ?? ''} ${p.x})`;
            },
            label: (item) => {
              const p = input?.view.points[item.dataIndex];
              if (p === undefined) return '';
              return item.datasetIndex === 0
                ? ` EPGM ${formatNumber(p.epgm)} · ${formatCount(p.flips)} ${p.flips === 1 ? 'flip' : 'flips'}`
                : ` p ${formatProbability(p.p)}${p.significant ? ' (significant)' : ''}`;
            },
            footer: () => 'Click: overlay its curve below',
          },
        },
      },
      onClick: (event, _elements, chart) => {
        const area = chart.chartArea;
        if (event.x === null || event.y === null || this.input === null) return;
        if (event.x < area.left - 8 || event.x > area.right + 8) return;
        const x = chart.scales.x?.getValueForPixel(event.x);
        if (x === undefined) return;
        const point = nearestPoint(this.input.view, x);
        if (point !== null) this.onPick(point.name);
      },
    };
  }

  /** Alpha on the p axis, rings round the overlaid checkpoints, and the flip counts. */
  private markers(): Plugin<'line'> {
    return {
      id: 'propsweepDynamics',
      beforeDatasetsDraw: (chart) => {
        const input = this.input;
        const p = chart.scales.p;
        if (input === null || p === undefined) return;
        const { ctx, chartArea: area } = chart;
        const t = this.theme;
        const py = p.getPixelForValue(input.view.alpha);
        if (py < area.top || py > area.bottom) return;
        ctx.save();
        ctx.strokeStyle = t.muted;
        ctx.lineWidth = 1;
        ctx.setLineDash([2, 3]);
        ctx.beginPath();
        ctx.moveTo(area.left, py);
        ctx.lineTo(area.right, py);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = t.muted;
        ctx.font = `${Math.max(10, t.fontSize - 2)}px ${t.fontFamily}`;
        ctx.textAlign = 'right';
        ctx.textBaseline = 'bottom';
        ctx.fillText(`α ${formatNumber(input.view.alpha)}`, area.right - 2, py - 2);
        ctx.restore();
      },
      afterDatasetsDraw: (chart) => {
        const input = this.input;
        const x = chart.scales.x;
        const y = chart.scales.epgm;
        if (input === null || x === undefined || y === undefined) return;
        const { ctx, chartArea: area } = chart;
        const t = this.theme;
        ctx.save();
        ctx.font = `${Math.max(10, t.fontSize - 2)}px ${t.fontFamily}`;
        ctx.textAlign = 'center';
        ctx.textBaseline = 'bottom';
        for (const point of input.view.points) {
          const px = x.getPixelForValue(point.x);
          const py = y.getPixelForValue(input.logEpgm ? Math.max(point.epgm, 1e-12) : point.epgm);
          if (input.overlaid.has(point.name)) {
            ctx.strokeStyle = t.foreground;
            ctx.lineWidth = 1.5;
            ctx.beginPath();
            ctx.arc(px, py, 7.5, 0, 2 * Math.PI);
            ctx.stroke();
          }
          if (point.flips > 0) {
            ctx.fillStyle = t.flip;
            const top = Math.max(area.top - 2, py - 9);
            ctx.fillText(`${formatCount(point.flips)}▾`, px, top);
          }
        }
        ctx.restore();
      },
    };
  }
}
