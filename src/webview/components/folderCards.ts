// One card per classifier of a folder run: how often it depends on the property (the share of
// images whose adjusted p is significant) and how often its answer changes (the share with a
// prediction flip), each with its 95% Wilson interval as a bar, the EPGM median and quartiles,
// and the histogram of EPGM over the images.
import type { FolderModelSummary, Proportion } from '../../shared/folderFile';
import { formatCount, formatNumber, formatPercent } from '../../shared/format';
import { intervalText } from '../folder/folderModel';
import { el, svgEl } from './dom';

/** A classifier's card; `histogram` is its histogram canvas, placed at the bottom. */
export function renderModelCard(
  summary: FolderModelSummary,
  colour: string,
  histogram: HTMLElement,
): HTMLElement {
  const swatch = colourSwatch(colour);
  return el(
    'section',
    { class: 'model-card', 'data-model': summary.model, 'aria-label': summary.model },
    el('div', { class: 'model-head' }, swatch, el('h3', {}, summary.model)),
    el(
      'div',
      { class: 'shares' },
      share('significant', summary.significant, colour, 'Images whose adjusted p is at most α'),
      share(
        'flipped',
        summary.flipped,
        colour,
        'Images with at least one change of predicted class',
      ),
    ),
    el(
      'p',
      { class: 'epgm-line' },
      el('span', { class: 'metric-label' }, 'EPGM median '),
      el('span', { class: 'num strong' }, formatNumber(summary.epgm_median)),
      el(
        'span',
        { class: 'muted num' },
        ` (quartiles ${formatNumber(summary.epgm_q1)}–${formatNumber(summary.epgm_q3)}; mean ${formatNumber(summary.epgm_mean)}; ${formatCount(summary.images)} ${summary.images === 1 ? 'image' : 'images'})`,
      ),
    ),
    histogram,
  );
}

/** A small square in a classifier's colour (an attribute: the CSP allows no inline style). */
export function colourSwatch(colour: string): SVGSVGElement {
  return svgEl(
    'svg',
    { class: 'swatch', width: '12', height: '12', viewBox: '0 0 12 12', 'aria-hidden': 'true' },
    svgEl('rect', { x: '1', y: '1', width: '10', height: '10', rx: '2', fill: colour }),
  );
}

/** A share with its interval: the rate large, the count and interval small, a bar below. */
function share(label: string, p: Proportion, colour: string, tip: string): HTMLElement {
  const pct = (x: number): string => (100 * Math.min(1, Math.max(0, x))).toFixed(2);
  const bar = svgEl(
    'svg',
    {
      class: 'interval',
      viewBox: '0 0 100 8',
      preserveAspectRatio: 'none',
      'aria-hidden': 'true',
    },
    svgEl('rect', { class: 'interval-track', x: '0', y: '3', width: '100', height: '2' }),
    svgEl('rect', {
      x: pct(p.low),
      y: '1',
      width: String(Math.max(0.5, Number(pct(p.high)) - Number(pct(p.low)))),
      height: '6',
      rx: '1',
      fill: colour,
      'fill-opacity': '0.45',
    }),
    svgEl('rect', {
      class: 'interval-point',
      x: String(Math.max(0, Number(pct(p.rate)) - 0.6)),
      y: '0',
      width: '1.2',
      height: '8',
    }),
  );
  return el(
    'div',
    { class: 'share', title: tip, 'data-share': label },
    el(
      'div',
      { class: 'share-top' },
      el('span', { class: 'metric-label' }, label),
      el('span', { class: 'metric-value' }, formatPercent(p.rate)),
    ),
    bar,
    el(
      'div',
      { class: 'muted share-detail num' },
      `${formatCount(p.count)} of ${formatCount(p.total)} · 95 % CI ${intervalText(p)}`,
    ),
  );
}
