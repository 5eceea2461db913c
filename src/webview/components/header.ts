// The panel's header: title and what was explained, the run's state (progress with Cancel, the
// error, or "cancelled"), the actions (Save, Re-run, Export), and banners for a workspace where
// nothing may run and for models whose file changed since the result was made.
import type { PanelSnapshot } from '../../shared/protocol';
import { formatCount, formatNumber, staleBadge } from '../../shared/format';
import { runLine } from '../model/diffusionView';
import { badge, button, el } from './dom';

/** What the header's buttons do. */
export interface HeaderHandlers {
  readonly onSave: () => void;
  readonly onCancel: () => void;
  readonly onRerun: () => void;
  readonly onExportPng: () => void;
  readonly onExportHtml: () => void;
  readonly onExportMarkdown: () => void;
  /** Watch a checkpoint folder with this explanation. */
  readonly onWatch: () => void;
  readonly onStopWatch: () => void;
}

/** The header for a snapshot, as a fresh element. */
export function renderHeader(snapshot: PanelSnapshot, handlers: HeaderHandlers): HTMLElement {
  const { result } = snapshot;
  const running = snapshot.state === 'running';
  // A preview's frames have no files yet: nothing to save or export until they do.
  const unwritten = snapshot.preview !== null;
  const waiting = unwritten
    ? {
        disabled: true,
        title: running
          ? 'Writing frames…: available once they are written'
          : 'The frames of this run were not written: run it again',
      }
    : {};
  const actions = el('div', { class: 'actions' });
  if (result !== null && !snapshot.readOnly && snapshot.savedPath === null) {
    actions.append(
      button('Save result', handlers.onSave, {
        title: 'Save the result and its frames in the workspace',
        ...waiting,
      }),
    );
  }
  // Re-run needs something that ran: a result, or a run that failed or was cancelled.
  if (
    snapshot.canRun &&
    !snapshot.readOnly &&
    !running &&
    (result !== null || snapshot.state !== 'idle')
  ) {
    actions.append(
      button('Re-run', handlers.onRerun, {
        secondary: true,
        title: 'Run the explanation again with the current models',
      }),
    );
  }
  // Watching re-runs this explanation with each new checkpoint: it needs a finished one.
  if (
    snapshot.canRun &&
    !snapshot.readOnly &&
    !running &&
    result !== null &&
    snapshot.preview === null &&
    snapshot.watch === null
  ) {
    const watch = button('Watch a checkpoint folder', handlers.onWatch, {
      secondary: true,
      title:
        'Run this explanation again with each new checkpoint of a training run, on the same edited images',
    });
    // Only where the toolbar has room for it: in a side panel it would push the answer a row
    // down (the explorer's Watch Checkpoints on a folder does the same there).
    watch.classList.add('watch-action');
    actions.append(watch);
  }
  if (result !== null) {
    actions.append(
      el(
        'div',
        { class: 'export', role: 'group', 'aria-label': 'Export' },
        el('span', { class: 'export-label' }, 'Export'),
        button('PNG', handlers.onExportPng, {
          secondary: true,
          title: 'Save the panel as one PNG image',
          ...waiting,
        }),
        button('HTML', handlers.onExportHtml, {
          secondary: true,
          title: 'Save a self-contained HTML report',
          ...waiting,
        }),
        button('Markdown', handlers.onExportMarkdown, {
          secondary: true,
          title: 'Save a Markdown summary',
          ...waiting,
        }),
      ),
    );
  }
  const titles = el(
    'div',
    { class: 'titles' },
    el('h1', {}, snapshot.title),
    // One line in a side panel (see .meta in panel.css): the whole text is its tooltip.
    result === null
      ? null
      : el('p', { class: 'meta', title: describeResult(snapshot) }, describeResult(snapshot)),
    ...editorRun(snapshot),
    snapshot.savedPath === null
      ? null
      : el('p', { class: 'saved' }, 'Saved to ', el('code', {}, snapshot.savedPath)),
  );
  return el(
    'header',
    { class: 'header' },
    el('div', { class: 'title-row' }, titles, actions),
    watchStatus(snapshot, handlers),
    status(snapshot, handlers),
    snapshot.canRun
      ? null
      : el(
          'div',
          { class: 'banner', role: 'note' },
          el('strong', {}, 'Viewing only. '),
          snapshot.runBlockedReason ?? 'Running explanations is not possible in this workspace.',
        ),
    snapshot.stale.length === 0
      ? null
      : el(
          'div',
          { class: 'stale-list', role: 'note' },
          ...snapshot.stale.map((s) =>
            el(
              'div',
              { class: 'stale' },
              badge(staleBadge(s.kind), 'warn', s.reason),
              el('strong', {}, s.model),
              el('span', { class: 'muted' }, s.reason),
            ),
          ),
        ),
  );
}

/** The checkpoint watch's line: the folder, what it is doing, and Stop. */
function watchStatus(snapshot: PanelSnapshot, handlers: HeaderHandlers): HTMLElement | null {
  const watch = snapshot.watch;
  if (watch === null) return null;
  return el(
    'div',
    {
      class: `status watch${watch.running ? ' running' : ''}`,
      role: 'status',
      'aria-live': 'polite',
    },
    watch.running
      ? el('vscode-progress-bar', { 'aria-label': 'Classifying a checkpoint', indeterminate: '' })
      : null,
    el(
      'div',
      { class: 'status-row' },
      el(
        'span',
        { class: 'watch-text' },
        el('strong', {}, 'Watching '),
        el('code', {}, watch.folder),
        `: ${watch.message}`,
      ),
      button('Stop', handlers.onStopWatch, { secondary: true, title: 'Stop watching the folder' }),
    ),
  );
}

/** What a model-based editor did, in one line, and its notes as warnings. */
function editorRun(snapshot: PanelSnapshot): HTMLElement[] {
  const run = snapshot.result?.editor.run;
  if (run === undefined) return [];
  const line = runLine(run);
  return [
    el('p', { class: 'meta run', title: line.title }, line.text),
    ...run.notes.map((note) => el('p', { class: 'warning run-note', title: note }, note)),
  ];
}

function describeResult(snapshot: PanelSnapshot): string {
  const r = snapshot.result;
  if (r === null) return '';
  const params = Object.entries(r.editor.params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
  const first = r.frames[0]?.strength ?? Number.NaN;
  const last = r.frames.at(-1)?.strength ?? Number.NaN;
  return [
    `${r.editor.title}${params === '' ? '' : ` (${params})`}`,
    `${formatCount(r.frames.length)} steps from ${formatNumber(first)} to ${formatNumber(last)}`,
    `${r.models.length} ${r.models.length === 1 ? 'model' : 'models'}`,
    `seed ${r.editor.seed}`,
    // The stored path is relative to the result's folder; its file name is what people recognise.
    r.image.path.split('/').at(-1) ?? r.image.path,
  ].join(' · ');
}

function status(snapshot: PanelSnapshot, handlers: HeaderHandlers): HTMLElement | null {
  switch (snapshot.state) {
    case 'running': {
      const p = snapshot.progress;
      const bar = el('vscode-progress-bar', { 'aria-label': 'Run progress' });
      if (p?.done !== undefined && p.total !== undefined && p.total > 0) {
        bar.max = p.total;
        bar.value = Math.min(p.done, p.total);
      } else {
        bar.indeterminate = true;
      }
      const count =
        p?.done !== undefined && p.total !== undefined
          ? ` (${formatCount(p.done)} of ${formatCount(p.total)})`
          : '';
      return el(
        'div',
        { class: 'status running', role: 'status', 'aria-live': 'polite' },
        bar,
        el(
          'div',
          { class: 'status-row' },
          el('span', {}, `${p?.message ?? 'Running'}${count}`),
          button('Cancel', handlers.onCancel, { secondary: true, title: 'Stop the run' }),
        ),
      );
    }
    case 'error':
      return el(
        'div',
        { class: 'status error', role: 'alert' },
        el('strong', {}, 'The run failed. '),
        el('span', { class: 'error-message' }, snapshot.error ?? 'No message was given.'),
      );
    case 'cancelled':
      return el(
        'div',
        { class: 'status cancelled', role: 'status' },
        snapshot.result === null
          ? 'Run cancelled.'
          : snapshot.preview !== null
            ? 'Run cancelled while its frames were written; this result was not saved.'
            : 'Run cancelled; showing the previous result.',
      );
    case 'idle':
      return snapshot.result === null
        ? el('div', { class: 'status idle muted' }, 'No explanation yet.')
        : null;
    case 'done':
      return null;
  }
}
