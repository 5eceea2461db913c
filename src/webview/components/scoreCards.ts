// One compact score card per model, the answer at a glance: the verdict and the three numbers to
// read together (EPGM, p, flips). Below the selected step, the details of each model: the whole
// verdict, how each number was obtained, the source class at both ends, provider, warnings, and a
// per-output table on demand. With several models, the p-value adjustment (Holm or
// Benjamini-Hochberg) is chosen with the cards.
import type { PanelSnapshot } from '../../shared/protocol';
import type { ModelRecord, ResultFile } from '../../shared/resultFile';
import { isAdjustment, type Adjustment as AdjustmentMethod } from '../../shared/adjust';
import {
  formatNumber,
  formatProbability,
  formatShort,
  staleBadge,
  staleWord,
} from '../../shared/format';
import { adjustmentContext, perOutputRows, scoreModel, type ModelScore } from '../../shared/scores';
import { seedSpreadLine } from '../model/diffusionView';
import { badge, el } from './dom';

/** Rows of the per-output table before the rest are summarised. */
const TABLE_LIMIT = 50;

/** What the score section's controls do. */
export interface ScoreHandlers {
  readonly onAdjustment: (adjustment: AdjustmentMethod) => void;
  readonly onToggleTable: (model: string) => void;
}

/** The models of a result scored with the panel's settings (adjustment, alpha, threshold). */
export interface ScoredModels {
  /** The adjustment applied: 'none' when there is one model only. */
  readonly method: AdjustmentMethod;
  /** One score per model of the result, in its order. */
  readonly scores: readonly ModelScore[];
}

/** Scores every model of `result` once, for the cards, the details and the PNG export. */
export function scoreModels(result: ResultFile, snapshot: PanelSnapshot): ScoredModels {
  const ctx = adjustmentContext(
    result.models,
    snapshot.adjustment,
    snapshot.alpha,
    snapshot.effectThreshold,
  );
  return { method: ctx.method, scores: result.models.map((m, i) => scoreModel(m, i, ctx)) };
}

/** The score cards as a fresh element: one row per model with its verdict, EPGM, p and flips. */
export function renderScores(
  result: ResultFile,
  snapshot: PanelSnapshot,
  scored: ScoredModels,
  handlers: ScoreHandlers,
): HTMLElement {
  const stale = new Map(snapshot.stale.map((s) => [s.model, s]));
  const head = el('div', { class: 'section-head' }, el('h2', {}, 'Scores'));
  if (result.models.length > 1)
    head.append(adjustmentSelect(result.models.length, snapshot.adjustment, handlers));
  const cards = result.models.map((model, i) => {
    const score = scored.scores[i];
    if (score === undefined) return null;
    const check = stale.get(model.name);
    // Short: the card is one line in a side panel (the details say how p was adjusted).
    const pLabel = scored.method === 'none' ? 'p' : 'adj. p';
    // With paths of several seeds, the line under the card says the EPGM above is the shown seed's.
    const seeds = seedSpreadLine(model);
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
        el(
          'div',
          { class: 'badges' },
          badge(shortVerdict(score), score.relevant ? 'good' : 'neutral', score.verdict),
          check === undefined ? null : badge(staleBadge(check.kind), 'warn', check.reason),
        ),
      ),
      el(
        'div',
        { class: 'metrics' },
        metric('EPGM', formatShort(model.measure.epgm)),
        metric(pLabel, formatShort(score.pShown)),
        metric('flips', model.measure.flips === null ? '—' : String(model.measure.flips)),
      ),
      seeds === null ? null : el('p', { class: 'seed-spread', title: seeds.title }, seeds.text),
      check === undefined
        ? null
        : el('p', { class: 'warning' }, `${staleWord(check.kind)}: ${check.reason}`),
    );
  });
  return el(
    'section',
    { class: 'scores', 'aria-label': 'Scores' },
    head,
    el('div', { class: 'cards' }, ...cards),
  );
}

/** How each model's scores were obtained, as a fresh element (below the selected step). */
export function renderScoreDetails(
  result: ResultFile,
  scored: ScoredModels,
  openTables: ReadonlySet<string>,
  handlers: ScoreHandlers,
): HTMLElement {
  const details = result.models.map((model, i) => {
    const score = scored.scores[i];
    if (score === undefined) return null;
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
      { class: 'score-detail', 'aria-label': `How the scores of ${model.name} were obtained` },
      el('h3', { title: model.path }, model.name),
      el('p', { class: `verdict${score.relevant ? ' good' : ''}` }, score.verdict),
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
    { class: 'score-details', 'aria-label': 'How the scores were obtained' },
    el('h2', {}, 'How the scores were obtained'),
    el('div', { class: 'details-grid' }, ...details),
  );
}

/** The verdict in a word or two for the card; the whole sentence is its tooltip and in the details. */
function shortVerdict(score: ModelScore): string {
  if (score.relevant) return 'significant';
  return score.significant ? 'negligible' : 'not significant';
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
    if (isAdjustment(value)) handlers.onAdjustment(value);
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
