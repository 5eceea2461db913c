// One score card per model: the three numbers to read together (EPGM, p, flips), then how each was
// obtained, the source class at both ends, provider, warnings, and a per-output table on demand.
// With several models, the p-value adjustment (Holm or Benjamini-Hochberg) is chosen here.
import type { PanelSnapshot } from '../../shared/protocol';
import type { ModelRecord, ResultFile } from '../../shared/resultFile';
import type { Adjustment as AdjustmentMethod } from '../../shared/adjust';
import { formatNumber, formatProbability, formatShort } from '../../shared/format';
import { adjustmentContext, perOutputRows, scoreModel } from '../../shared/scores';
import { badge, el } from './dom';

/** Rows of the per-output table before the rest are summarised. */
const TABLE_LIMIT = 50;

/** What the score section's controls do. */
export interface ScoreHandlers {
  readonly onAdjustment: (adjustment: AdjustmentMethod) => void;
  readonly onToggleTable: (model: string) => void;
}

/** The score section as a fresh element. */
export function renderScores(
  result: ResultFile,
  snapshot: PanelSnapshot,
  openTables: ReadonlySet<string>,
  handlers: ScoreHandlers,
): HTMLElement {
  const ctx = adjustmentContext(
    result.models,
    snapshot.adjustment,
    snapshot.alpha,
    snapshot.effectThreshold,
  );
  const stale = new Map(snapshot.stale.map((s) => [s.model, s.reason]));
  const head = el('div', { class: 'section-head' }, el('h2', {}, 'Scores'));
  if (result.models.length > 1)
    head.append(adjustmentSelect(result.models.length, snapshot.adjustment, handlers));
  const cards = result.models.map((model, i) => {
    const score = scoreModel(model, i, ctx);
    const staleReason = stale.get(model.name);
    const pLabel = ctx.method === 'none' ? 'p' : `adjusted p`;
    const open = openTables.has(model.name);
    const toggle = el(
      'button',
      { type: 'button', class: 'link-button', 'aria-expanded': String(open) },
      open ? 'Hide per-output EPGM' : 'Per-output EPGM',
    );
    toggle.addEventListener('click', () => {
      handlers.onToggleTable(model.name);
    });
    return el(
      'article',
      {
        class: `card${score.significant ? ' significant' : ''}`,
        'aria-label': `Scores of ${model.name}`,
      },
      el(
        'div',
        { class: 'card-head' },
        el('h3', { title: model.path }, model.name),
        badge(score.verdict, score.relevant ? 'good' : 'neutral'),
        staleReason === undefined ? null : badge('stale', 'warn', staleReason),
      ),
      staleReason === undefined ? null : el('p', { class: 'warning' }, `Stale: ${staleReason}`),
      el(
        'div',
        { class: 'metrics' },
        metric('EPGM', formatShort(model.measure.epgm)),
        metric(pLabel, formatShort(score.pShown)),
        metric('flips', model.measure.flips === null ? '—' : String(model.measure.flips)),
      ),
      el(
        'dl',
        { class: 'score-rows' },
        ...score.rows.flatMap((row) => [
          el('dt', {}, row.key),
          el(
            'dd',
            {},
            row.value,
            row.detail === '' ? null : el('span', { class: 'detail' }, row.detail),
          ),
        ]),
      ),
      score.warnings.length === 0
        ? null
        : el(
            'ul',
            { class: 'warnings' },
            ...score.warnings.map((w) => el('li', { class: 'warning' }, w)),
          ),
      el(
        'div',
        { class: 'card-foot' },
        toggle,
        el(
          'span',
          { class: 'muted sha', title: model.sha256 },
          `sha256 ${model.sha256.slice(0, 12)}`,
        ),
      ),
      open ? outputTable(model) : null,
    );
  });
  return el(
    'section',
    { class: 'scores', 'aria-label': 'Scores' },
    head,
    el('div', { class: 'cards' }, ...cards),
  );
}

function metric(label: string, value: string): HTMLElement {
  return el(
    'div',
    { class: 'metric' },
    el('span', { class: 'metric-value' }, value),
    el('span', { class: 'metric-label' }, label),
  );
}

function adjustmentSelect(
  models: number,
  current: AdjustmentMethod,
  handlers: ScoreHandlers,
): HTMLElement {
  const options: [AdjustmentMethod, string][] = [
    ['none', 'None (raw p)'],
    ['holm', 'Holm (family-wise error)'],
    ['bh', 'Benjamini-Hochberg (FDR)'],
  ];
  const select = el(
    'vscode-single-select',
    { 'aria-label': 'Multiple-testing adjustment' },
    ...options.map(([value, label]) => {
      const option = el('vscode-option', { value }, label);
      option.selected = value === current;
      return option;
    }),
  );
  select.addEventListener('change', () => {
    const value = select.value;
    if (value === 'none' || value === 'holm' || value === 'bh') handlers.onAdjustment(value);
  });
  return el('label', { class: 'adjustment' }, `Adjust p over ${models} models`, select);
}

function outputTable(model: ModelRecord): HTMLElement {
  const rows = perOutputRows(model);
  const shown = rows.slice(0, TABLE_LIMIT);
  return el(
    'table',
    { class: 'outputs' },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        el('th', {}, 'Output'),
        el('th', { class: 'num' }, 'EPGM'),
        el('th', { class: 'num' }, 'Total variation'),
        el('th', { class: 'num' }, 'First → last'),
      ),
    ),
    el(
      'tbody',
      {},
      ...shown.map((r) =>
        el(
          'tr',
          {},
          el('td', {}, r.label),
          el('td', { class: 'num' }, formatNumber(r.epgm)),
          el('td', { class: 'num' }, formatNumber(r.totalVariation)),
          el(
            'td',
            { class: 'num' },
            `${formatProbability(r.first)} → ${formatProbability(r.last)}`,
          ),
        ),
      ),
      rows.length > shown.length
        ? el(
            'tr',
            {},
            el(
              'td',
              { class: 'muted', colspan: '4' },
              `and ${rows.length - shown.length} more outputs with smaller EPGM`,
            ),
          )
        : null,
    ),
  );
}
