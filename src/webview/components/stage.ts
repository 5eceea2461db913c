// The selected step, large: as edited ("frame"), over the source ("onion", with an opacity
// slider) or as the per-pixel difference from the source ("difference", amplified). Beside it the
// step's numbers: strength, editor parameter, how much the edit changed inside and outside its
// region, and what each model predicts there (`details`, placed below the first screen: the frame
// takes the height the answer leaves, see media/panel.css).
import type { ResultFile } from '../../shared/resultFile';
import { DIFFERENCE_GAIN, absoluteDifference } from '../model/difference';
import { formatNumber, formatPercent, formatProbability } from '../../shared/format';
import { predictionsAtStep } from '../model/series';
import { VIEW_MODES, type ViewMode } from '../model/uiState';
import { el } from './dom';
import { loadReadableImage, pixelsOf } from './images';

const MODE_LABELS: Record<ViewMode, string> = {
  frame: 'Frame',
  onion: 'Onion skin',
  difference: 'Difference',
};

/** What the stage's controls do. */
export interface StageHandlers {
  readonly onMode: (mode: ViewMode) => void;
  readonly onOpacity: (opacity: number) => void;
}

/** The large view of the selected step with its view modes and numbers. */
export class Stage {
  /** The view: its mode toolbar, the frame (as high as its container lets it be) and its caption. */
  readonly element: HTMLElement;
  /** The edit-quality warning, the step's numbers and what each model predicts there. */
  readonly details: HTMLElement;
  private readonly radios: Map<ViewMode, HTMLElement & { checked: boolean }>;
  private readonly opacity: HTMLInputElement;
  private readonly opacityValue: HTMLElement;
  private readonly opacityLabel: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly base: HTMLImageElement;
  private readonly top: HTMLImageElement;
  private readonly diff: HTMLCanvasElement;
  private readonly note: HTMLElement;
  private readonly legend: HTMLElement;
  private readonly facts: HTMLElement;
  private readonly quality: HTMLElement;
  private result: ResultFile | null = null;
  private frameUris: readonly string[] = [];
  private sourceUri: string | null = null;
  private request = 0;

  constructor(handlers: StageHandlers) {
    this.radios = new Map(
      VIEW_MODES.map((mode) => {
        const radio = el('vscode-radio', { name: 'view-mode', value: mode }, MODE_LABELS[mode]);
        radio.addEventListener('change', () => {
          if (radio.checked) handlers.onMode(mode);
        });
        return [mode, radio];
      }),
    );
    this.opacity = el('input', {
      type: 'range',
      min: '0',
      max: '100',
      step: '1',
      'aria-label': 'Opacity of the frame over the source',
    });
    this.opacityValue = el('span', { class: 'opacity-value' });
    this.opacity.addEventListener('input', () => {
      handlers.onOpacity(Number(this.opacity.value) / 100);
    });
    this.opacityLabel = el(
      'label',
      { class: 'opacity' },
      'Opacity',
      this.opacity,
      this.opacityValue,
    );
    this.base = el('img', { class: 'layer base', alt: '', draggable: 'false' });
    this.top = el('img', { class: 'layer top', alt: '', draggable: 'false' });
    this.diff = el('canvas', { class: 'layer diff', 'aria-hidden': 'true' });
    this.note = el('div', { class: 'viewport-note', role: 'status' });
    this.viewport = el('div', { class: 'viewport' }, this.base, this.top, this.diff, this.note);
    this.legend = el('p', { class: 'stage-legend' });
    this.facts = el('div', { class: 'step-facts' });
    this.quality = el('div', { class: 'quality' });
    this.element = el(
      'div',
      { class: 'stage' },
      el(
        'div',
        { class: 'stage-toolbar' },
        el('vscode-radio-group', { 'aria-label': 'View' }, ...this.radios.values()),
        this.opacityLabel,
      ),
      el('div', { class: 'viewport-box' }, this.viewport),
      this.legend,
    );
    this.details = el('div', { class: 'stage-details' }, this.quality, this.facts);
  }

  /** Shows a (new) result: its frames, its source, and its edit-quality warning. */
  setResult(result: ResultFile, frameUris: readonly string[], sourceUri: string | null): void {
    this.result = result;
    this.frameUris = frameUris;
    this.sourceUri = sourceUri;
    const { width, height } = result.image;
    // Sized through the CSSOM, which the CSP allows (a style attribute would not be).
    const known = width > 0 && height > 0;
    this.viewport.style.aspectRatio = known ? `${width} / ${height}` : '1 / 1';
    // The frame fits the height it is given as well as the width (see .viewport in panel.css).
    this.viewport.style.setProperty('--aspect', known ? String(width / height) : '1');
    this.viewport.classList.toggle('pixelated', width > 0 && width <= 256);
    const q = result.quality;
    this.quality.replaceChildren();
    if (!q.clean) {
      this.quality.append(
        el(
          'p',
          { class: 'warning', role: 'status' },
          q.message ??
            `The edit changed pixels outside the edited region${q.leakage === null ? '' : ` (outside/inside change up to ${formatPercent(q.leakage)})`}: part of the effect may come from elsewhere in the image.`,
        ),
      );
    }
  }

  /** Shows step k in `mode`; `opacity` is the frame's opacity over the source in onion mode. */
  show(k: number, mode: ViewMode, opacity: number): void {
    const result = this.result;
    if (result === null) return;
    for (const [m, radio] of this.radios) radio.checked = m === mode;
    this.opacity.value = String(Math.round(opacity * 100));
    this.opacityValue.textContent = `${Math.round(opacity * 100)} %`;
    this.opacityLabel.classList.toggle('hidden', mode !== 'onion');
    const frame = this.frameUris[k] ?? '';
    const source = this.sourceUri ?? this.frameUris[0] ?? '';
    const strength = formatNumber(result.frames[k]?.strength ?? Number.NaN);
    const sourceName =
      this.sourceUri !== null
        ? 'the source image'
        : `step 1 (strength ${formatNumber(result.frames[0]?.strength ?? Number.NaN)})`;
    this.viewport.dataset.mode = mode;
    this.legend.dataset.mode = mode;
    this.note.textContent = '';
    setSrc(this.top, frame);
    this.top.alt = `step ${k + 1}, strength ${strength}`;
    if (mode === 'onion') {
      setSrc(this.base, source);
      this.top.style.opacity = String(opacity);
      this.legend.textContent = `Step ${k + 1} drawn at ${Math.round(opacity * 100)} % opacity over ${sourceName}.`;
    } else {
      this.top.style.opacity = '';
    }
    if (mode === 'frame')
      this.legend.textContent = `Step ${k + 1} as edited (strength ${strength}).`;
    if (mode === 'difference') {
      this.legend.textContent = `|step ${k + 1} − ${sourceName}| per pixel and channel, amplified ×${DIFFERENCE_GAIN}; black is unchanged.`;
      void this.drawDifference(frame, source);
    } else {
      this.request++;
    }
    this.renderFacts(result, k);
  }

  private async drawDifference(frameUri: string, sourceUri: string): Promise<void> {
    const request = ++this.request;
    try {
      const [frame, source] = await Promise.all([
        loadReadableImage(frameUri),
        loadReadableImage(sourceUri),
      ]);
      if (request !== this.request) return;
      const width = frame.naturalWidth;
      const height = frame.naturalHeight;
      const pixels = absoluteDifference(
        pixelsOf(frame, width, height),
        pixelsOf(source, width, height),
      );
      this.diff.width = width;
      this.diff.height = height;
      const ctx = this.diff.getContext('2d');
      if (ctx === null) throw new Error('no 2D canvas context');
      const image = ctx.createImageData(width, height);
      image.data.set(pixels);
      ctx.putImageData(image, 0, 0);
    } catch (e) {
      if (request !== this.request) return;
      const ctx = this.diff.getContext('2d');
      ctx?.clearRect(0, 0, this.diff.width, this.diff.height);
      this.note.textContent = `The difference cannot be computed here: ${e instanceof Error ? e.message : String(e)}.`;
    }
  }

  private renderFacts(result: ResultFile, k: number): void {
    const f = result.frames[k];
    const rows: [string, string][] = [];
    if (f !== undefined) {
      rows.push(['Step', `${k + 1} of ${result.frames.length}`]);
      rows.push(['Strength', formatNumber(f.strength)]);
      if (f.parameter !== f.strength)
        rows.push([result.editor.parameterName, formatNumber(f.parameter)]);
      const inside = result.quality.masked ? 'Change inside the mask' : 'Change (mean |Δ|)';
      rows.push([inside, formatPercent(f.changeInside)]);
      if (f.changeOutside !== null)
        rows.push(['Change outside the mask', formatPercent(f.changeOutside)]);
    }
    const facts = el(
      'dl',
      { class: 'facts' },
      ...rows.flatMap(([key, value]) => [el('dt', {}, key), el('dd', {}, value)]),
    );
    const predictions = predictionsAtStep(result, k);
    const table = el(
      'table',
      { class: 'step-predictions' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', {}, 'Model'),
          el('th', {}, 'Predicted'),
          el('th', {}, 'Source class'),
        ),
      ),
      el(
        'tbody',
        {},
        ...predictions.map((p) =>
          el(
            'tr',
            {},
            el('td', {}, p.model),
            el('td', {}, p.top === null ? '—' : `${p.top.label} ${formatProbability(p.top.value)}`),
            el(
              'td',
              {},
              p.source === null ? '—' : `${p.source.label} ${formatProbability(p.source.value)}`,
            ),
          ),
        ),
      ),
    );
    this.facts.replaceChildren(facts, table);
  }
}

/** Sets an image's source only when it changes (no reload flicker). */
function setSrc(img: HTMLImageElement, uri: string): void {
  if (img.getAttribute('src') !== uri) img.setAttribute('src', uri);
}
