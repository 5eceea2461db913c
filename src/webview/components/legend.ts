// The chart's legend, in HTML beside the canvas: one entry per output (colour; click to show or
// hide its lines), one per model when there are several (dash style; click to hide), a "show all"
// toggle and a way back to the top outputs. Outputs are listed by how much they move.
import { formatNumber } from '../../shared/format';
import { dashPattern, DEFAULT_SHOWN, type OutputInfo } from '../model/series';
import type { ChartTheme } from '../model/theme';
import { el, lineSwatch } from './dom';

/** Entries listed before the rest are summarised in one line. */
const LEGEND_LIMIT = 24;

/** What the legend shows. */
export interface LegendInput {
  readonly outputs: readonly OutputInfo[];
  readonly shown: ReadonlySet<string>;
  readonly picked: boolean;
  readonly showAll: boolean;
  readonly models: readonly string[];
  readonly hiddenModels: ReadonlySet<string>;
  readonly theme: ChartTheme;
}

/** What the legend's controls do. */
export interface LegendHandlers {
  readonly onToggleOutput: (key: string) => void;
  readonly onToggleModel: (name: string) => void;
  readonly onShowAll: (showAll: boolean) => void;
  readonly onReset: () => void;
}

/** The legend as a fresh element. */
export function renderLegend(input: LegendInput, handlers: LegendHandlers): HTMLElement {
  const { outputs, shown, theme } = input;
  const listed = outputs.filter((o, i) => i < LEGEND_LIMIT || shown.has(o.key));
  const outputItems = listed.map((o) => {
    const on = shown.has(o.key);
    const item = el(
      'button',
      {
        type: 'button',
        class: `legend-item${on ? '' : ' off'}`,
        'aria-pressed': String(on),
        title: `${on ? 'Hide' : 'Show'} ${o.key} (EPGM ${formatNumber(o.epgm)})`,
      },
      lineSwatch(theme.palette[o.colour] ?? theme.foreground, [], theme.lineWidth + 1),
      el('span', { class: 'legend-label' }, o.key),
      o.sourceOf.length === 0
        ? null
        : el(
            'span',
            {
              class: 'legend-tag',
              title: `Predicted on the unedited image by ${o.sourceOf.join(', ')}`,
            },
            'source',
          ),
      el('span', { class: 'legend-value' }, formatNumber(o.epgm)),
    );
    item.addEventListener('click', () => {
      handlers.onToggleOutput(o.key);
    });
    return item;
  });
  const more = outputs.length - listed.length;
  const showAll = el(
    'vscode-checkbox',
    { class: 'legend-all' },
    `Show all ${outputs.length} outputs`,
  );
  showAll.checked = input.showAll;
  showAll.addEventListener('change', () => {
    handlers.onShowAll(showAll.checked);
  });
  const reset = el(
    'button',
    {
      type: 'button',
      class: 'link-button',
      title: `Show the ${DEFAULT_SHOWN} outputs that move most`,
    },
    `Top ${DEFAULT_SHOWN}`,
  );
  reset.addEventListener('click', handlers.onReset);
  const outputsRow = el(
    'div',
    { class: 'legend-row', role: 'group', 'aria-label': 'Outputs' },
    el('span', { class: 'legend-heading' }, 'Outputs', el('span', { class: 'muted' }, ' · EPGM')),
    ...outputItems,
    more > 0 ? el('span', { class: 'muted legend-more' }, `and ${more} more`) : null,
  );
  const controls = el(
    'div',
    { class: 'legend-controls' },
    outputs.length > DEFAULT_SHOWN ? showAll : null,
    input.picked && !input.showAll && outputs.length > DEFAULT_SHOWN ? reset : null,
    el('span', { class: 'muted legend-hint' }, 'Click an entry to show or hide it.'),
  );
  const rows: HTMLElement[] = [outputsRow];
  if (input.models.length > 1) {
    rows.push(
      el(
        'div',
        { class: 'legend-row', role: 'group', 'aria-label': 'Models' },
        el('span', { class: 'legend-heading' }, 'Models'),
        ...input.models.map((name, m) => {
          const on = !input.hiddenModels.has(name);
          const item = el(
            'button',
            {
              type: 'button',
              class: `legend-item${on ? '' : ' off'}`,
              'aria-pressed': String(on),
              title: `${on ? 'Hide' : 'Show'} the lines of ${name}`,
            },
            lineSwatch(theme.foreground, dashPattern(m), 2),
            el('span', { class: 'legend-label' }, name),
          );
          item.addEventListener('click', () => {
            handlers.onToggleModel(name);
          });
          return item;
        }),
      ),
    );
  }
  return el('div', { class: 'legend' }, ...rows, controls);
}
