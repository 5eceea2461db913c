// The panel: renders each snapshot from the host and keeps what the user selected (step, view
// mode, opacity, shown outputs) in the webview state. The layout is built once; a snapshot for the
// same result only refreshes the header and the scores, so progress messages do not redraw the
// chart or reload the frames. The first screen (`.glance`) holds the answer (score cards and the
// prediction chart) and the path with the selected frame, which takes the height that is left;
// the details follow below. media/panel.css lays it out in one column or, when wide, two.
import type { Adjustment } from '../../shared/adjust';
import { reasonOf, type PanelSnapshot } from '../../shared/protocol';
import type { PreviewFrame } from '../../shared/previewFrames';
import type { ResultFile } from '../../shared/resultFile';
import { PredictionChart } from '../components/chartView';
import { DynamicsChart } from '../components/dynamicsChart';
import { el } from '../components/dom';
import { Filmstrip } from '../components/filmstrip';
import { renderHeader } from '../components/header';
import { renderJump } from '../components/jump';
import { renderLegend } from '../components/legend';
import { exportablePng, PNG_SCALE } from '../components/canvasPng';
import { renderPanelPng } from '../components/pngExport';
import { renderScoreDetails, renderScores, scoreModels } from '../components/scoreCards';
import { Stage } from '../components/stage';
import { adjustmentName, formatCount, formatNumber, staleWord } from '../../shared/format';
import {
  buildSeries,
  collectOutputs,
  dashPattern,
  decisionThreshold,
  flipMarkers,
  shownOutputKeys,
  toggleOutput,
  valueAxis,
  type OutputInfo,
} from '../model/series';
import { jumpView, runLine } from '../model/diffusionView';
import {
  dynamicsView,
  hiddenCheckpoints,
  toggleOverlay,
  type DynamicsView,
} from '../model/dynamics';
import { PreviewFrameUrls, withFrameUrls } from '../model/previewFrames';
import { normaliseSnapshot, restoreOf } from '../model/snapshot';
import { clampStep, initialStep, stepForKey } from '../model/steps';
import type { ChartTheme } from '../model/theme';
import { readTheme, watchTheme } from '../components/pageTheme';
import { parseUiState, reconcileUiState, type UiState, type ViewMode } from '../model/uiState';
import type { VsCodeApi } from './vscodeApi';

/** The whole panel, bound to one root element. */
export class PanelView {
  private snapshot: PanelSnapshot | null = null;
  /** The last snapshot as received, shown again when the preview frames it names arrive. */
  private received: PanelSnapshot | null = null;
  /** A running explanation's frames before their files exist (see model/previewFrames.ts). */
  private readonly previews = new PreviewFrameUrls({
    create: (bmp) => URL.createObjectURL(new Blob([bmp], { type: 'image/bmp' })),
    revoke: (url) => {
      URL.revokeObjectURL(url);
    },
  });
  private ui: UiState;
  private resultKey = '';
  private outputs: OutputInfo[] = [];
  private theme: ChartTheme;
  private exporting = false;
  /** The host's reopen information, kept in the webview state for its panel serializer. */
  private restore: { readonly resultPath: string } | null;
  private readonly header = el('div', { class: 'header-slot' });
  private readonly glance: HTMLElement;
  /** What shows a result: the answer, the path with the frame, and the details below. */
  private readonly parts: readonly HTMLElement[];
  private readonly scores = el('div', { class: 'scores-slot' });
  /** The jump from the source to the first frame, for editors whose first frame is not it. */
  private readonly jump = el('div', { class: 'jump-slot' });
  private readonly scoreDetails = el('div', { class: 'score-details-slot' });
  private readonly legend = el('div', { class: 'legend-slot' });
  private readonly filmstrip: Filmstrip;
  private readonly stage: Stage;
  private readonly chart: PredictionChart;
  /** The training-dynamics section of a track result (hidden otherwise). */
  private readonly dynamics = el('section', {
    class: 'dynamics hidden',
    'aria-label': 'Training dynamics',
  });
  private readonly dynamicsChart: DynamicsChart;
  private readonly dynamicsTools = el('div', { class: 'dynamics-tools' });
  private dynamicsView: DynamicsView | null = null;

  constructor(
    root: HTMLElement,
    private readonly api: VsCodeApi,
  ) {
    const stored = api.getState();
    this.ui = parseUiState(stored);
    this.restore = restoreOf((stored as { restore?: unknown } | null | undefined)?.restore);
    this.theme = readTheme();
    this.filmstrip = new Filmstrip((k) => {
      this.selectStep(k);
    });
    this.stage = new Stage({
      onMode: (mode) => {
        this.setView(mode, this.ui.opacity);
      },
      onOpacity: (opacity) => {
        this.setView(this.ui.mode, opacity);
      },
    });
    const canvas = el('canvas', {
      role: 'img',
      'aria-label': 'Predictions against the edit strength',
    });
    this.chart = new PredictionChart(canvas, this.theme, (k) => {
      this.selectStep(k);
    });
    const dynamicsCanvas = el('canvas', {
      role: 'img',
      'aria-label': 'EPGM, p-value and flips per checkpoint',
    });
    this.dynamicsChart = new DynamicsChart(dynamicsCanvas, this.theme, (name) => {
      this.toggleCheckpoint(name);
    });
    this.dynamics.append(
      el('h2', {}, 'Training dynamics'),
      el('div', { class: 'chart-box dynamics-box' }, dynamicsCanvas),
      this.dynamicsTools,
    );
    const answer = el(
      'div',
      { class: 'answer hidden' },
      this.dynamics,
      this.jump,
      this.scores,
      el(
        'section',
        { class: 'curves', 'aria-label': 'Predictions along the path' },
        el('h2', {}, 'Prediction along the path'),
        el('div', { class: 'chart-box' }, canvas),
        this.legend,
      ),
    );
    const look = el(
      'div',
      { class: 'look hidden' },
      el(
        'section',
        { class: 'path', 'aria-label': 'Edited path' },
        el('h2', {}, 'Edited path'),
        this.filmstrip.element,
      ),
      el(
        'section',
        { class: 'view', 'aria-label': 'Selected step' },
        el('h2', {}, 'Selected step'),
        this.stage.element,
      ),
    );
    const more = el(
      'div',
      { class: 'more hidden' },
      el(
        'section',
        { class: 'step-details', 'aria-label': 'At the selected step' },
        el('h2', {}, 'At the selected step'),
        this.stage.details,
      ),
      this.scoreDetails,
    );
    this.parts = [answer, look, more];
    this.glance = el('div', { class: 'glance' }, this.header, answer, look);
    root.replaceChildren(this.glance, more);
    document.addEventListener('keydown', (event) => {
      this.onKey(event);
    });
    watchTheme(() => {
      this.onThemeChange();
    });
  }

  /** Keeps a preview's frames; the snapshot that names them shows them (at once if it came first). */
  setPreviewFrames(id: number, frames: readonly PreviewFrame[]): void {
    this.previews.set(id, frames);
    if (this.received !== null && this.received.preview?.id === id) this.render(this.received);
  }

  /** Shows a snapshot from the host. */
  render(raw: PanelSnapshot): void {
    this.received = raw;
    const snapshot = withFrameUrls(normaliseSnapshot(raw), this.previews);
    const previous = this.snapshot;
    this.snapshot = snapshot;
    // A run reports progress many times a second: update the running status in place, so the
    // Cancel button stays the same element (a replaced button can swallow the user's click).
    if (
      previous !== null &&
      onlyProgressChanged(previous, snapshot) &&
      updateProgress(this.header, snapshot)
    )
      return;
    if (snapshot.restore?.resultPath !== this.restore?.resultPath) {
      this.restore = snapshot.restore;
      this.save();
    }
    this.header.replaceChildren(
      renderHeader(snapshot, {
        onSave: () => {
          this.api.postMessage({ type: 'panel/save' });
        },
        onCancel: () => {
          this.api.postMessage({ type: 'panel/cancel' });
        },
        onRerun: () => {
          this.api.postMessage({ type: 'panel/rerun' });
        },
        onExportPng: () => {
          void this.exportPng();
        },
        onExportHtml: () => {
          this.api.postMessage({ type: 'panel/exportHtml' });
        },
        onExportMarkdown: () => {
          this.api.postMessage({ type: 'panel/exportMarkdown' });
        },
        onWatch: () => {
          this.api.postMessage({ type: 'panel/watch' });
        },
        onStopWatch: () => {
          this.api.postMessage({ type: 'panel/stopWatch' });
        },
      }),
    );
    const result = snapshot.result;
    this.glance.classList.toggle('has-result', result !== null);
    for (const part of this.parts) {
      part.classList.toggle('hidden', result === null);
      // A preview is the run's answer: only its frame files are still being written.
      part.classList.toggle('dimmed', snapshot.state === 'running' && snapshot.preview === null);
    }
    if (result === null) return;
    const key = resultKeyOf(snapshot, result);
    if (key !== this.resultKey) {
      this.resultKey = key;
      this.ui = reconcileUiState(this.ui, result);
      this.dynamicsView = dynamicsView(result, snapshot.alpha);
      this.dynamics.classList.toggle('hidden', this.dynamicsView === null);
      this.outputs = collectOutputs(result.models);
      const flips = flipSteps(result);
      this.filmstrip.setFrames(
        snapshot.frameUris.slice(0, result.frames.length),
        result.frames.map((f) => f.strength),
        flips,
        'strength',
      );
      this.stage.setResult(result, snapshot.frameUris, snapshot.sourceUri);
      const jump = renderJump(
        result,
        snapshot.reconstructionUri ?? snapshot.sourceUri,
        snapshot.frameUris[0] ?? null,
      );
      this.jump.replaceChildren(...(jump === null ? [] : [jump]));
      this.refreshChart();
    }
    this.renderScores();
    this.showStep();
  }

  /** Draws the panel as a PNG and sends it to the host (`panel/exportPng`). */
  async exportPng(): Promise<void> {
    const snapshot = this.snapshot;
    const result = snapshot?.result ?? null;
    if (this.exporting) return;
    if (snapshot === null || result === null) {
      this.api.postMessage({
        type: 'panel/exportPngFailed',
        error: 'there is no result to export yet',
      });
      return;
    }
    this.exporting = true;
    try {
      const shown = this.shownKeys();
      const models = result.models.map((m) => m.name);
      const scored = scoreModels(result, snapshot);
      const several = models.length > 1;
      const legend = [
        ...this.outputs
          .filter((o) => shown.has(o.key))
          .map((o) => ({
            label: o.key,
            colour: this.theme.palette[o.colour] ?? this.theme.foreground,
            dash: [],
          })),
        ...(several
          ? models.map((name, m) => ({
              label: name,
              colour: this.theme.muted,
              dash: dashPattern(m),
            }))
          : []),
      ];
      const quality = result.quality;
      const jump = jumpView(result);
      const run = result.editor.run;
      const notes = [
        // What the editor alone changed before the path starts, and what its run did.
        ...(jump === null
          ? []
          : [
              `Source → first frame (${jump.firstCaption}): ${jump.pixelChange.toLowerCase()}${jump.models.map((m) => `; ${m.model}: ${m.change} (${m.moved})`).join('')}`,
            ]),
        ...(run === undefined ? [] : [runLine(run).text, ...run.notes]),
        ...(quality.clean
          ? []
          : [quality.message ?? 'The edit changed pixels outside the edited region.']),
        ...snapshot.stale.map((s) => `${staleWord(s.kind)}: ${s.model}: ${s.reason}`),
      ];
      const k = this.currentStep(result);
      const input = {
        title: snapshot.title,
        meta: `${result.editor.title} · ${formatCount(result.frames.length)} steps · seed ${result.editor.seed} · ${result.image.path}`,
        frameUris: snapshot.frameUris.slice(0, result.frames.length),
        frameCaptions: result.frames.map((f) => formatNumber(f.strength)),
        flipSteps: flipSteps(result),
        selected: k,
        chartImage: this.chart.toBase64Image(PNG_SCALE),
        chartPixelRatio: PNG_SCALE,
        selectedCaption: `Selected: step ${k + 1} of ${result.frames.length}, strength ${formatNumber(result.frames[k]?.strength ?? Number.NaN)}`,
        legend,
        notes,
        scoresTitle:
          scored.method === 'none'
            ? 'Scores'
            : `Scores (p adjusted: ${adjustmentName(scored.method)} over ${models.length} models)`,
        scores: scored.scores,
        footer: `Made by propsweep${result.created === '' ? '' : ` from a result created ${result.created}`}. EPGM: mean |dy/dt| over the normalised strength t in [0, 1]; p: shuffle test, p = (b + 1) / (K + 1).`,
        theme: this.theme,
      };
      const dataUrl = await exportablePng((scale) => renderPanelPng(input, scale));
      this.api.postMessage({ type: 'panel/exportPng', dataUrl });
    } catch (e) {
      this.api.postMessage({
        type: 'panel/exportPngFailed',
        error: reasonOf(e),
      });
    } finally {
      this.exporting = false;
    }
  }

  private currentStep(result: ResultFile): number {
    return this.ui.step === null
      ? initialStep(result)
      : clampStep(this.ui.step, result.frames.length);
  }

  private selectStep(k: number): void {
    const result = this.snapshot?.result ?? null;
    if (result === null) return;
    const step = clampStep(k, result.frames.length);
    if (step === this.ui.step) return;
    this.ui = { ...this.ui, step };
    this.save();
    this.showStep();
  }

  private setView(mode: ViewMode, opacity: number): void {
    if (mode === this.ui.mode && opacity === this.ui.opacity) return;
    this.ui = { ...this.ui, mode, opacity };
    this.save();
    this.showStep();
  }

  private showStep(): void {
    const result = this.snapshot?.result ?? null;
    if (result === null) return;
    const k = this.currentStep(result);
    this.filmstrip.select(k);
    this.stage.show(k, this.ui.mode, this.ui.opacity);
    this.chart.select(k);
  }

  private shownKeys(): Set<string> {
    return shownOutputKeys(this.outputs, this.ui.shownOutputs, this.ui.showAllOutputs);
  }

  private refreshChart(): void {
    const result = this.snapshot?.result ?? null;
    if (result === null) return;
    const shown = this.shownKeys();
    const hidden = this.hiddenModels();
    this.refreshDynamics();
    const axis = valueAxis(result.models);
    this.chart.update({
      series: buildSeries(result, this.outputs, shown, hidden),
      strengths: result.frames.map((f) => f.strength),
      threshold: decisionThreshold(result.models.filter((m) => !hidden.has(m.name))),
      flips: flipMarkers(result.models, hidden),
      yTitle: axis.title,
      yMin: axis.min,
      yMax: axis.max,
      xTitle: `strength (${result.editor.id})`,
      severalModels: result.models.length > 1,
    });
    this.legend.replaceChildren(
      renderLegend(
        {
          outputs: this.outputs,
          shown,
          picked: this.ui.shownOutputs !== null,
          showAll: this.ui.showAllOutputs,
          models: result.models.map((m) => m.name),
          hiddenModels: hidden,
          theme: this.theme,
        },
        {
          onToggleOutput: (key) => {
            this.ui = {
              ...this.ui,
              shownOutputs: toggleOutput(this.shownKeys(), key),
              showAllOutputs: false,
            };
            this.save();
            this.refreshChart();
          },
          onToggleModel: (name) => {
            // A track's checkpoints are overlaid from the dynamics chart's points, or here.
            if (this.dynamicsView !== null) {
              this.toggleCheckpoint(name);
              return;
            }
            const next = new Set(this.ui.hiddenModels);
            if (next.has(name)) next.delete(name);
            else next.add(name);
            // Hiding the last visible model would leave an empty chart: ignore.
            if (next.size >= result.models.length) return;
            this.ui = { ...this.ui, hiddenModels: [...next] };
            this.save();
            this.refreshChart();
          },
          onShowAll: (showAll) => {
            this.ui = { ...this.ui, showAllOutputs: showAll };
            this.save();
            this.refreshChart();
          },
          onReset: () => {
            this.ui = { ...this.ui, shownOutputs: null, showAllOutputs: false };
            this.save();
            this.refreshChart();
          },
        },
      ),
    );
  }

  /** The models whose curves are not drawn: the user's pick, or a track's checkpoints not overlaid. */
  private hiddenModels(): Set<string> {
    return new Set(
      this.dynamicsView === null
        ? this.ui.hiddenModels
        : hiddenCheckpoints(this.dynamicsView, this.ui.overlaid),
    );
  }

  /** Overlays checkpoint `name`'s curve on the curve chart, or takes it away. */
  private toggleCheckpoint(name: string): void {
    if (this.dynamicsView === null) return;
    this.ui = { ...this.ui, overlaid: toggleOverlay(this.dynamicsView, this.ui.overlaid, name) };
    this.save();
    this.refreshChart();
    this.renderScores();
  }

  private refreshDynamics(): void {
    const view = this.dynamicsView;
    if (view === null) return;
    const hidden = this.hiddenModels();
    const overlaid = new Set(view.points.map((p) => p.name).filter((n) => !hidden.has(n)));
    const logEpgm = this.ui.logEpgm && view.logUseful;
    this.dynamicsChart.update({ view, overlaid, logEpgm });
    const log = el('vscode-checkbox', { class: 'dynamics-log' }, 'log EPGM');
    log.checked = logEpgm;
    log.addEventListener('change', () => {
      this.ui = { ...this.ui, logEpgm: log.checked };
      this.save();
      this.refreshDynamics();
    });
    const count = view.points.length;
    this.dynamicsTools.replaceChildren(
      el(
        'span',
        { class: 'muted dynamics-key' },
        `${formatCount(count)} ${count === 1 ? 'checkpoint' : 'checkpoints'} · ● p ≤ α, ○ not · n▾ flips · ringed: curve below (click a point)`,
      ),
      ...(view.logUseful ? [log] : []),
    );
  }

  private renderScores(): void {
    const snapshot = this.snapshot;
    const result = snapshot?.result ?? null;
    if (snapshot === null || result === null) return;
    const handlers = {
      onAdjustment: (adjustment: Adjustment) => {
        this.api.postMessage({ type: 'panel/setAdjustment', adjustment });
      },
      onToggleTable: (model: string) => {
        const open = new Set(this.ui.openTables);
        if (open.has(model)) open.delete(model);
        else open.add(model);
        this.ui = { ...this.ui, openTables: [...open] };
        this.save();
        this.renderScores();
      },
    };
    // A track's cards are those of the overlaid checkpoints (fifty cards would bury the chart).
    const hidden = this.dynamicsView === null ? new Set<string>() : this.hiddenModels();
    const shownResult =
      hidden.size === 0
        ? result
        : { ...result, models: result.models.filter((m) => !hidden.has(m.name)) };
    // Scored once for both: the cards and the details show the same numbers.
    const scored = scoreModels(shownResult, snapshot);
    this.scores.replaceChildren(renderScores(shownResult, snapshot, scored, handlers));
    this.scoreDetails.replaceChildren(
      renderScoreDetails(shownResult, scored, new Set(this.ui.openTables), handlers),
    );
  }

  private onKey(event: KeyboardEvent): void {
    const result = this.snapshot?.result ?? null;
    if (result === null || event.altKey || event.ctrlKey || event.metaKey) return;
    // Controls that use the arrow keys themselves keep them (the scrubber moves the step anyway).
    const target = event.target instanceof Element ? event.target : null;
    if (
      target?.closest(
        'input, textarea, select, vscode-single-select, vscode-radio-group, vscode-radio, vscode-checkbox',
      ) != null
    )
      return;
    const next = stepForKey(event.key, this.currentStep(result), result.frames.length);
    if (next === null) return;
    event.preventDefault();
    this.selectStep(next);
  }

  private onThemeChange(): void {
    const theme = readTheme();
    if (JSON.stringify(theme) === JSON.stringify(this.theme)) return;
    this.theme = theme;
    this.chart.setTheme(theme);
    this.dynamicsChart.setTheme(theme);
    this.refreshChart();
  }

  private save(): void {
    this.api.setState({ ...this.ui, restore: this.restore });
  }
}

/** Identifies what the filmstrip and the chart show, so unrelated snapshots do not rebuild them. */
function resultKeyOf(snapshot: PanelSnapshot, result: ResultFile): string {
  return JSON.stringify([
    result.created,
    result.image.sha256,
    result.frames.length,
    result.models.map((m) => [m.name, m.sha256, m.measure.epgm, m.measure.p_value]),
    snapshot.frameUris,
    snapshot.sourceUri,
    snapshot.reconstructionUri,
    snapshot.alpha, // the dynamics chart marks significance with it
  ]);
}

/** The steps at which some model's predicted class changes. */
function flipSteps(result: ResultFile): Set<number> {
  return new Set(result.models.flatMap((m) => (m.measure.flip_details ?? []).map((f) => f.index)));
}

/**
 * Whether two snapshots of a running panel differ in their progress only. Every message is a new
 * object, so the result, the frames and the stale list compare by cheap keys, not by reference.
 */
function onlyProgressChanged(a: PanelSnapshot, b: PanelSnapshot): boolean {
  if (a.state !== 'running' || b.state !== 'running') return false;
  const key = (s: PanelSnapshot, k: keyof PanelSnapshot): unknown => {
    switch (k) {
      case 'result':
        return s.result === null
          ? null
          : `${s.result.created} ${s.result.image.sha256} ${s.result.models.length}`;
      case 'frameUris':
        return s.frameUris.join('\n');
      case 'stale':
        return JSON.stringify(s.stale);
      case 'restore':
        return s.restore?.resultPath ?? null;
      case 'preview':
        return s.preview?.id ?? null;
      default:
        return s[k];
    }
  };
  const keys = Object.keys(b) as (keyof PanelSnapshot)[];
  return keys.every((k) => k === 'progress' || key(a, k) === key(b, k));
}

/** Writes the progress of `snapshot` into the running status already shown; false if none is. */
function updateProgress(header: HTMLElement, snapshot: PanelSnapshot): boolean {
  const bar = header.querySelector<
    HTMLElement & { value: number; max: number; indeterminate: boolean }
  >('.status.running vscode-progress-bar');
  const text = header.querySelector<HTMLElement>('.status.running .status-row > span');
  if (bar === null || text === null) return false;
  const p = snapshot.progress;
  const counted = p?.done !== undefined && p.total !== undefined && p.total > 0;
  if (counted) {
    bar.indeterminate = false;
    bar.max = p.total ?? 1;
    bar.value = Math.min(p.done ?? 0, p.total ?? 1);
  } else {
    bar.indeterminate = true;
  }
  text.textContent = `${p?.message ?? 'Running'}${counted ? ` (${formatCount(p.done ?? 0)} of ${formatCount(p.total ?? 0)})` : ''}`;
  return true;
}
