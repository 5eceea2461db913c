// The source beside the first frame, for an editor whose first frame is not the source (a
// diffusion editor's reconstruction), and how far that jump alone moved each model's answer:
// compact, above the score cards, so the answer is read knowing the path starts elsewhere.
import type { ResultFile } from '../../shared/resultFile';
import { jumpView } from '../model/diffusionView';
import { el } from './dom';

/**
 * The jump section as a fresh element, or null when the result has no reconstruction. `sourceUri`
 * is the source at the frames' size (or the source image itself); `firstUri` the first frame.
 */
export function renderJump(
  result: ResultFile,
  sourceUri: string | null,
  firstUri: string | null,
): HTMLElement | null {
  const view = jumpView(result);
  if (view === null) return null;
  const figure = (uri: string | null, caption: string, detail: string): HTMLElement | null =>
    uri === null
      ? null
      : el(
          'figure',
          {},
          el('img', { src: uri, alt: caption, draggable: 'false' }),
          el(
            'figcaption',
            {},
            caption,
            detail === '' ? null : el('span', { class: 'jump-detail' }, detail),
          ),
        );
  return el(
    'section',
    { class: 'jump', 'aria-label': 'From the source to the first frame' },
    el('h2', {}, 'Before the path: source → first frame'),
    el(
      'div',
      { class: 'jump-row' },
      figure(sourceUri, 'Source', ''),
      figure(firstUri, 'Reconstruction', view.firstCaption),
      el(
        'div',
        { class: 'jump-facts' },
        el('p', { class: 'jump-pixels' }, view.pixelChange),
        ...view.models.map((m) =>
          el(
            'p',
            { class: 'jump-model', title: `${m.model}: ${m.change}, ${m.moved}` },
            el('strong', {}, m.model),
            ` ${m.change} `,
            el('span', { class: 'muted' }, `· ${m.moved}`),
          ),
        ),
      ),
    ),
  );
}
