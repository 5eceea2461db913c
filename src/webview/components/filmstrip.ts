// The edited path as a row of thumbnails with their strengths, and a scrubber (a plain range
// input) under it. Click, scrub or use the arrow keys to select a step; frames where a model's
// prediction flips are marked.
import { formatNumber } from '../../shared/format';
import { el } from './dom';

/** Thumbnails and scrubber of the path. */
export class Filmstrip {
  /** The component's root element. */
  readonly element: HTMLElement;
  private readonly strip: HTMLElement;
  private readonly slider: HTMLInputElement;
  private readonly position: HTMLElement;
  private thumbs: HTMLElement[] = [];
  private strengths: readonly number[] = [];
  private selected = -1;

  constructor(private readonly onSelect: (k: number) => void) {
    this.strip = el('div', {
      class: 'strip',
      role: 'listbox',
      'aria-label': 'Frames of the path',
      tabindex: '0',
    });
    this.slider = el('input', {
      type: 'range',
      class: 'scrubber',
      min: '0',
      max: '0',
      step: '1',
      value: '0',
      'aria-label': 'Step along the path',
    });
    this.slider.addEventListener('input', () => {
      this.onSelect(Number(this.slider.value));
    });
    this.position = el('span', { class: 'scrub-position' });
    this.element = el(
      'div',
      { class: 'filmstrip' },
      this.strip,
      el('div', { class: 'scrub-row' }, this.slider, this.position),
    );
  }

  /** Shows the frames at `uris` with their strengths; `flips` marks steps where a prediction changes. */
  setFrames(
    uris: readonly string[],
    strengths: readonly number[],
    flips: ReadonlySet<number>,
    unit: string,
  ): void {
    this.strengths = strengths;
    this.thumbs = uris.map((uri, k) => {
      const strength = formatNumber(strengths[k] ?? k);
      const thumb = el(
        'div',
        {
          class: `thumb${flips.has(k) ? ' flip' : ''}`,
          id: `frame-${k}`,
          role: 'option',
          'aria-selected': 'false',
          title: `Step ${k + 1}: ${unit} ${strength}${flips.has(k) ? ' (prediction flips here)' : ''}`,
        },
        el('img', {
          src: uri,
          alt: `step ${k + 1}`,
          loading: 'lazy',
          decoding: 'async',
          draggable: 'false',
        }),
        el('span', { class: 'caption' }, strength),
      );
      thumb.addEventListener('click', () => {
        this.onSelect(k);
      });
      return thumb;
    });
    this.strip.replaceChildren(...this.thumbs);
    this.slider.max = String(Math.max(0, uris.length - 1));
    this.selected = -1;
  }

  /** Highlights step k, moves the scrubber and scrolls the thumbnail into view. */
  select(k: number): void {
    if (k === this.selected) return;
    this.thumbs[this.selected]?.setAttribute('aria-selected', 'false');
    this.thumbs[this.selected]?.classList.remove('selected');
    const thumb = this.thumbs[k];
    thumb?.setAttribute('aria-selected', 'true');
    thumb?.classList.add('selected');
    this.strip.setAttribute('aria-activedescendant', `frame-${k}`);
    this.selected = k;
    this.slider.value = String(k);
    this.position.textContent = `Step ${k + 1} of ${this.thumbs.length} · strength ${formatNumber(this.strengths[k] ?? Number.NaN)}`;
    if (thumb !== undefined) {
      // Keep the selected thumbnail visible without scrolling the page.
      const left = thumb.offsetLeft - this.strip.offsetLeft;
      const right = left + thumb.offsetWidth;
      if (left < this.strip.scrollLeft) this.strip.scrollLeft = left - 8;
      else if (right > this.strip.scrollLeft + this.strip.clientWidth)
        this.strip.scrollLeft = right - this.strip.clientWidth + 8;
    }
  }
}
