import type { ModelRecord, ResultFile } from '../../shared/resultFile';
import {
  jumpChange,
  jumpMoved,
  predictionJump,
  runDetails,
  runSummary,
  runWhere,
} from '../../shared/editorFacts';
import { formatNumber, formatPercent } from '../../shared/format';
import { EMPTY_SNAPSHOT } from '../../shared/protocol';
import { adjustmentContext, scoreModel } from '../../shared/scores';

/** One explanation to put in a report, with its frames as data: URIs (the report is one file). */
export interface ReportEntry {
  readonly title: string;
  readonly result: ResultFile;
  /**
   * The frames as data: URIs (see share/dataUris.ts), in path order; only those at
   * reportFrameIndices are shown, and '' (or a missing entry) is a frame left out.
   */
  readonly frameUris: readonly string[];
  /**
   * The source at the frames' size as a data: URI (`reconstruction.file`), shown beside the first
   * frame; '' or absent when there is none.
   */
  readonly sourceUri?: string;
}

/**
 * Bounds that keep a report of any valid result renderable and readable: a filmstrip of at most
 * `stripFrames` evenly spaced steps (the first and last always among them), and at most
 * `embeddedChars` characters of embedded images in the whole report (frames past it are left out
 * and the report says so). With REPORT_FRAME's small copies a strip takes a few megabytes.
 */
export const REPORT_LIMITS = { stripFrames: 64, embeddedChars: 32 * 1024 * 1024 } as const;

/** The steps a report's filmstrip shows out of `n`: all of them, or evenly spaced ones. */
export function reportFrameIndices(n: number): number[] {
  const shown = Math.min(n, REPORT_LIMITS.stripFrames);
  if (shown <= 1) return shown === 1 ? [0] : [];
  const indices = Array.from({ length: shown }, (_, i) => Math.round((i * (n - 1)) / (shown - 1)));
  return [...new Set(indices)];
}

/** A row of the summary table at the top of a multi-explanation report. */
export interface SummaryRow {
  readonly model: string;
  readonly image: string;
  readonly property: string;
  readonly epgm: number;
  readonly p_value: number;
  readonly flips: number | null;
}

const COLOURS = ['#3b82f6', '#f97316', '#22c55e', '#a855f7', '#ef4444', '#eab308'];

/** The colour of series `i` in a report's charts (a class's curve, a classifier's histogram). */
export function seriesColour(i: number): string {
  return COLOURS[i % COLOURS.length] ?? '#888';
}

/**
 * A self-contained HTML page: no external resources (the CSP allows only inline styles and data:
 * images), titled `title`, with `body` under its heading.
 */
export function reportPage(title: string, style: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>${esc(title)}</title>
<style>${style}</style>
</head>
<body>
<h1>${esc(title)}</h1>
${body}
</body>
</html>
`;
}

/**
 * A self-contained HTML report: the same content a reviewer sees in the panel (filmstrip,
 * prediction-versus-strength curves, scores, warnings), with no external resources.
 */
export function renderReport(
  title: string,
  entries: readonly ReportEntry[],
  summary: readonly SummaryRow[] = [],
): string {
  const budget = { left: REPORT_LIMITS.embeddedChars };
  return reportPage(
    title,
    STYLE,
    `${summary.length > 0 ? summaryTable(summary) : ''}
${entries.map((e) => entry(e, budget)).join('\n')}
<footer>Made by propsweep. EPGM: mean |dy/dt| over the normalised strength t in [0, 1]; p: shuffle test, p = (b + 1) / (K + 1).</footer>`,
  );
}

function summaryTable(rows: readonly SummaryRow[]): string {
  const body = rows
    .map(
      (r) =>
        `<tr><td>${esc(r.model)}</td><td>${esc(r.image)}</td><td>${esc(r.property)}</td><td class="num">${formatNumber(r.epgm)}</td><td class="num">${formatNumber(r.p_value)}</td><td class="num">${r.flips ?? '—'}</td></tr>`,
    )
    .join('');
  return `<section><h2>Summary</h2><table class="summary"><thead><tr><th>model</th><th>image</th><th>property</th><th>EPGM</th><th>p</th><th>flips</th></tr></thead><tbody>${body}</tbody></table></section>`;
}

function entry(
  { title, result, frameUris, sourceUri = '' }: ReportEntry,
  budget: { left: number },
): string {
  const { editor, quality, frames } = result;
  const params = Object.entries(editor.params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
  const figures: string[] = [];
  for (const k of reportFrameIndices(frames.length)) {
    const uri = frameUris[k] ?? '';
    if (uri === '' || uri.length > budget.left) continue;
    budget.left -= uri.length;
    figures.push(
      `<figure><img src="${esc(uri)}" alt="step ${k}"><figcaption>${formatNumber(frames[k]?.strength ?? k)}</figcaption></figure>`,
    );
  }
  const strip = figures.join('');
  const omitted =
    figures.length < frames.length
      ? `<p class="muted">The filmstrip shows ${figures.length} of the ${frames.length} steps${figures.length < Math.min(frames.length, REPORT_LIMITS.stripFrames) ? ' (the report has reached its size limit)' : ''}; the frames are in the result's frames folder.</p>`
      : '';
  return `<section class="entry">
<h2>${esc(title)}</h2>
<p class="muted">${esc(editor.title)} (${esc(editor.id)}${params === '' ? '' : `: ${esc(params)}`}), ${frames.length} steps, seed ${editor.seed}; image sha256 ${esc(result.image.sha256.slice(0, 12))}</p>
${quality.clean ? '' : `<p class="warning">${esc(quality.message ?? 'The edit changed pixels outside the edited region.')}</p>`}
${editorRun(result)}${reconstruction(result, frameUris[0] ?? '', sourceUri, budget)}<div class="strip">${strip}</div>${omitted}
<div class="models">${result.models.map((m, i) => modelCard(m, i, result)).join('')}</div>
</section>`;
}

/** What a model-based editor did: one line, its notes as warnings. */
function editorRun(result: ResultFile): string {
  const run = result.editor.run;
  if (run === undefined) return '';
  const summary = runSummary(run);
  const notes = run.notes.map((n) => `<p class="warning">${esc(n)}</p>`).join('');
  return `<p class="muted" title="${esc(runDetails(run).join(', '))}">Editor run: ${esc(summary === '' ? '' : `${summary}, `)}${esc(runWhere(run))}</p>${notes}`;
}

/**
 * For an editor whose first frame is not the source: the source beside that frame, and how far
 * the editor alone moved each model's answer before the path starts.
 */
function reconstruction(
  result: ResultFile,
  firstUri: string,
  sourceUri: string,
  budget: { left: number },
): string {
  const record = result.reconstruction;
  if (record === undefined) return '';
  const figure = (uri: string, alt: string, caption: string): string => {
    if (uri === '' || uri.length > budget.left) return '';
    budget.left -= uri.length;
    return `<figure><img src="${esc(uri)}" alt="${esc(alt)}"><figcaption>${esc(caption)}</figcaption></figure>`;
  };
  const first = result.frames[0];
  const images =
    figure(sourceUri, 'Source', 'Source') +
    // The first frame is in the strip too; it is embedded again here only beside the source.
    (sourceUri === '' ? '' : figure(firstUri, 'Reconstruction', firstCaption(result)));
  const rows = result.models
    .map((m) => {
      const jump = predictionJump(m);
      return jump === null
        ? ''
        : `<tr><td>${esc(m.name)}</td><td>${esc(jumpChange(jump))}</td><td class="num">${esc(jumpMoved(jump))}</td></tr>`;
    })
    .join('');
  const table =
    rows === ''
      ? ''
      : `<table class="summary"><thead><tr><th>model</th><th>source → first frame</th><th>moved</th></tr></thead><tbody>${rows}</tbody></table>`;
  return `<div class="jump"><h3>Source → ${esc(firstCaption(result).toLowerCase())}</h3>
<p class="muted">The editor never reproduces the source exactly: its first frame${first === undefined ? '' : ` (strength ${formatNumber(first.strength)})`} differs by ${formatPercent(record.change)} in pixels, and each model's answer moves before the path starts.</p>
${images === '' ? '' : `<div class="strip">${images}</div>`}${table}</div>
`;
}

/** "Reconstruction (guidance 0)": the first frame, named by the editor's parameter there. */
function firstCaption(result: ResultFile): string {
  const first = result.frames[0];
  if (first === undefined) return 'Reconstruction';
  return `Reconstruction (${result.editor.parameterName} ${formatNumber(first.parameter)})`;
}

/**
 * The score card of one model: the panel's rows and verdict (src/shared/scores.ts) under the
 * defaults of a new panel, so a reviewer reading the report sees what the panel shows.
 */
function modelCard(model: ModelRecord, i: number, result: ResultFile): string {
  const ctx = adjustmentContext(
    result.models,
    EMPTY_SNAPSHOT.adjustment,
    model.measure.alpha,
    EMPTY_SNAPSHOT.effectThreshold,
  );
  const score = scoreModel(model, i, ctx);
  const badge = `<span class="badge${score.relevant ? ' sig' : ''}">${esc(score.verdict)}</span>`;
  const rows = score.rows
    .map(
      (r) =>
        `<tr><th>${esc(r.key)}</th><td>${esc(r.value)}${r.detail === '' ? '' : ` <span class="muted">(${esc(r.detail)})</span>`}</td></tr>`,
    )
    .join('');
  const warnings = score.warnings.map((w) => `<p class="warning">${esc(w)}</p>`).join('');
  return `<div class="card"><h3>${esc(model.name)}</h3>${badge}
<table>${rows}</table>
${chart(model, result)}${warnings}<p class="muted">sha256 ${esc(model.sha256.slice(0, 12))}</p></div>`;
}

/** The curve of the outputs that move most, against the editor's strength. */
function chart(model: ModelRecord, result: ResultFile): string {
  const w = 360;
  const h = 180;
  const pad = 28;
  const xs = result.frames.map((f) => f.strength);
  const x0 = xs[0] ?? 0;
  const x1 = xs.at(-1) ?? 1;
  // Loops, not Math.min(...values): spreading 150,000 predictions overflows the call stack.
  let lo = 0;
  let hi = 1;
  const spread = model.seedSpread;
  for (const row of [...model.predictions, ...(spread?.lower ?? []), ...(spread?.upper ?? [])]) {
    for (const v of row) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const sx = (x: number): number => pad + ((x - x0) / (x1 - x0 || 1)) * (w - 2 * pad);
  const sy = (y: number): number => h - pad - ((y - lo) / (hi - lo || 1)) * (h - 2 * pad);
  const top = model.measure.epgm_per_output
    .map((v, c) => ({ v, c }))
    .sort((a, b) => b.v - a.v)
    .slice(0, 4);
  // The band over seeds under each curve: from the lowest to the highest prediction of any seed.
  const bands =
    spread === undefined
      ? ''
      : top
          .map(({ c }) => {
            const upper = spread.upper.map(
              (row, k) => `${sx(xs[k] ?? k).toFixed(1)},${sy(row[c] ?? 0).toFixed(1)}`,
            );
            const lower = spread.lower.map(
              (row, k) => `${sx(xs[k] ?? k).toFixed(1)},${sy(row[c] ?? 0).toFixed(1)}`,
            );
            return `<polygon class="band" fill="${seriesColour(c)}" points="${[...upper, ...lower.reverse()].join(' ')}"/>`;
          })
          .join('');
  // Colours follow the output index, so a class has one colour in every card.
  const lines = top
    .map(({ c }) => {
      const points = model.predictions
        .map((row, k) => `${sx(xs[k] ?? k).toFixed(1)},${sy(row[c] ?? 0).toFixed(1)}`)
        .join(' ');
      return `<polyline fill="none" stroke-width="2" stroke="${seriesColour(c)}" points="${points}"><title>${esc(model.labels[c] ?? `output ${c}`)}</title></polyline>`;
    })
    .join('');
  const flips = (model.measure.flip_details ?? [])
    .map(
      (f) =>
        `<line x1="${sx(f.strength)}" x2="${sx(f.strength)}" y1="${pad}" y2="${h - pad}" class="flip"/>`,
    )
    .join('');
  const legend = top
    .map(
      ({ c }) =>
        `<tspan fill="${seriesColour(c)}">${esc(model.labels[c] ?? `output ${c}`)} </tspan>`,
    )
    .join('');
  return `<svg viewBox="0 0 ${w} ${h}" class="chart" role="img" aria-label="prediction versus strength">
<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" class="axis"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${h - pad}" class="axis"/>
<text x="${pad}" y="${h - 8}" class="tick">${formatNumber(x0)}</text><text x="${w - pad}" y="${h - 8}" class="tick" text-anchor="end">${formatNumber(x1)}</text>
<text x="4" y="${sy(hi) + 4}" class="tick">${formatNumber(hi)}</text><text x="4" y="${sy(lo)}" class="tick">${formatNumber(lo)}</text>
${flips}${bands}${lines}<text x="${pad + 4}" y="${pad - 10}" class="tick">${legend}</text></svg>`;
}

/** HTML-escapes text and attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
:root { color-scheme: light dark; --fg: #1f2328; --bg: #ffffff; --muted: #656d76; --border: #d0d7de; --warn: #9a6700; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #8d96a0; --border: #30363d; --warn: #d29922; } }
body { font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 24px; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; } h3 { margin: 0 0 4px; font-size: 1.05em; }
.muted, footer { color: var(--muted); } footer { margin-top: 3em; font-size: 0.9em; }
.warning { color: var(--warn); }
table { border-collapse: collapse; } th, td { text-align: left; padding: 2px 10px 2px 0; vertical-align: top; }
.summary td, .summary th { border-bottom: 1px solid var(--border); padding: 4px 12px 4px 0; } .num { font-variant-numeric: tabular-nums; text-align: right; }
.strip { display: flex; gap: 4px; overflow-x: auto; padding-bottom: 6px; }
.strip figure { margin: 0; text-align: center; } .strip img { width: 72px; height: 72px; object-fit: contain; image-rendering: pixelated; border: 1px solid var(--border); }
.strip figcaption { font-size: 11px; color: var(--muted); }
.models { display: flex; flex-wrap: wrap; gap: 16px; margin-top: 12px; }
.card { border: 1px solid var(--border); border-radius: 6px; padding: 10px 14px; width: 400px; }
.badge { display: inline-block; border-radius: 8px; padding: 0 8px; margin-bottom: 6px; background: var(--border); }
.badge.sig { background: #bf8700; color: #fff; }
.chart { width: 100%; } .chart .axis { stroke: var(--muted); } .chart .flip { stroke: var(--warn); stroke-dasharray: 4 3; }
.chart .tick { font-size: 10px; fill: var(--muted); } .chart .band { fill-opacity: 0.18; stroke: none; }
.jump { margin: 8px 0 12px; } .jump h3 { font-size: 1em; } .jump .strip img { width: 96px; height: 96px; }
`;
