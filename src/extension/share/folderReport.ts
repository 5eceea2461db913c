// The self-contained HTML report of a folder run: what the aggregate panel shows (per classifier
// the shares with their 95% intervals, the EPGM histogram and the mean curve with its band, then
// the table of images with their thumbnails), as one file with no external resources. Bounded: at
// most REPORT_ROWS rows, and thumbnails read only while the embedded images stay under the report's
// budget (the report says what it left out).
import type { FolderFile, FolderImageRow, FolderModelSummary } from '../../shared/folderFile';
import { countsText, proportionText, settingsText } from '../../shared/folderFacts';
import { formatCount, formatNumber } from '../../shared/format';
import { edgeLabel, histogramBins } from '../../shared/histogram';
import { reportOrder } from './folderMarkdown';
import { esc, REPORT_LIMITS, reportPage, seriesColour } from './reportHtml';

/** The most rows a report lists (100,000 rows of HTML would not open in a browser tab). */
export const REPORT_ROWS = 5000;

/** The row indices of `file` the report lists, in its order (see reportOrder), at most REPORT_ROWS. */
export function reportRowIndices(file: FolderFile): number[] {
  const index = new Map(file.rows.map((r, i) => [r, i]));
  return reportOrder(file.rows)
    .slice(0, REPORT_ROWS)
    .map((r) => index.get(r) ?? -1)
    .filter((i) => i >= 0);
}

/** Reads one thumbnail as a PNG data: URI (bounded and decoded first); throws when it cannot. */
export type ReadThumbnail = (path: string) => Promise<string>;

/** The thumbnails a report embeds. */
export interface ReportThumbnails {
  /** Per row of the file: its thumbnail as a PNG data: URI, or '' (or missing) for none. */
  readonly uris: readonly string[];
  /** Listed rows with a thumbnail that was not read: the embedded images reached the budget. */
  readonly leftOut: number;
}

/**
 * The thumbnails of the `listed` rows (reportRowIndices), `paths[i]` being row i's thumbnail or
 * null, read in the report's order only while the embedded images stay under `budget` characters:
 * the first that does not fit spends the budget, and the rest are not read but counted as left
 * out. One that cannot be read is a gap in the table (logged), not a failed report.
 */
export async function reportThumbnails(
  listed: readonly number[],
  paths: readonly (string | null)[],
  read: ReadThumbnail,
  log: (line: string) => void,
  budget: number = REPORT_LIMITS.embeddedChars,
): Promise<ReportThumbnails> {
  const uris: string[] = [];
  let left = budget;
  let leftOut = 0;
  for (const i of listed) {
    const path = paths[i] ?? null;
    if (path === null) continue;
    if (left <= 0) {
      leftOut++;
      continue;
    }
    let uri: string;
    try {
      uri = await read(path);
    } catch (error) {
      log(
        `Thumbnail ${path} left out of the report: ${error instanceof Error ? error.message : String(error)}`,
      );
      continue;
    }
    if (!isPngUri(uri)) continue;
    if (uri.length > left) {
      left = 0; // thumbnails are of a size: the next would not fit either
      leftOut++;
      continue;
    }
    uris[i] = uri;
    left -= uri.length;
  }
  return { uris, leftOut };
}

/** The report of `file` with the thumbnails of its folder, read through `read` (see reportThumbnails). */
export async function folderReportHtml(
  title: string,
  file: FolderFile,
  thumbnailPaths: readonly (string | null)[],
  read: ReadThumbnail,
  log: (line: string) => void,
): Promise<string> {
  const listed = reportRowIndices(file);
  return renderFolderReport(
    title,
    file,
    listed,
    await reportThumbnails(listed, thumbnailPaths, read, log),
  );
}

/**
 * The report of `file` listing the rows `listed` (reportRowIndices) in that order, with
 * `thumbnails` (reportThumbnails: already within the report's budget). Only PNG data: URIs are
 * embedded.
 */
export function renderFolderReport(
  title: string,
  file: FolderFile,
  listed: readonly number[],
  thumbnails: ReportThumbnails,
): string {
  const rows = listed
    .map((i) => {
      const row = file.rows[i];
      if (row === undefined) return '';
      const uri = thumbnails.uris[i] ?? '';
      return tableRow(row, file.settings.models.length, isPngUri(uri) ? uri : '');
    })
    .join('\n');
  const models = file.settings.models.map((m) => m.name);
  const notes = [
    ...(listed.length < file.rows.length
      ? [
          `The table lists ${formatCount(listed.length)} of the ${formatCount(file.rows.length)} images (those that move ${esc(models[0] ?? 'the first classifier')} most first).`,
        ]
      : []),
    ...(thumbnails.leftOut > 0
      ? [
          `Thumbnails of ${formatCount(thumbnails.leftOut)} images are left out: the report has reached its size limit.`,
        ]
      : []),
  ];
  return reportPage(
    title,
    STYLE,
    `<p>${esc(countsText(file))}</p>
<p class="muted">${esc(file.folder)} · ${esc(settingsText(file))}</p>
<section><h2>Per classifier</h2><div class="models">
${file.summary.models.map((s, m) => modelCard(s, m, file)).join('\n')}
</div></section>
<section><h2>Mean curve over the images (95 % band)</h2>
${meanCurves(file)}
</section>
<section><h2>Images</h2>
${notes.map((n) => `<p class="muted">${n}</p>`).join('')}
<div class="scroll"><table class="images"><thead><tr><th></th><th></th>${models.map((m) => `<th colspan="3" class="group">${esc(m)}</th>`).join('')}</tr>
<tr><th></th><th>image</th>${models.map(() => '<th class="num group">EPGM</th><th class="num">p adj.</th><th class="num">flips</th>').join('')}</tr></thead>
<tbody>
${rows}
</tbody></table></div>
</section>
<footer>Made by propsweep from a folder run created ${esc(file.created)}. EPGM: mean |dy/dt| over the normalised strength t in [0, 1]; p: shuffle test, p = (b + 1) / (K + 1), adjusted over the images; significant: p adjusted ≤ α; intervals: 95 % Wilson.</footer>`,
  );
}

/** Whether `uri` may be embedded: a PNG data: URI, nothing that could load or run anything. */
function isPngUri(uri: string): boolean {
  return uri.startsWith('data:image/png;base64,');
}

function tableRow(row: FolderImageRow, models: number, thumb: string): string {
  const img = thumb === '' ? '' : `<img src="${esc(thumb)}" alt="">`;
  const name = `<td>${esc(row.image)}${row.resumed ? ' <span class="muted">resumed</span>' : ''}</td>`;
  if (row.status !== 'done')
    return `<tr class="${row.status}"><td class="thumb">${img}</td>${name}<td colspan="${3 * models}" class="muted">${esc(row.status)}${row.reason === null ? '' : `: ${esc(row.reason)}`}</td></tr>`;
  const cells = Array.from({ length: models }, (_, m) => {
    const r = row.models[m];
    if (r === undefined) return '<td class="group">—</td><td>—</td><td>—</td>';
    return `<td class="num group">${formatNumber(r.epgm)}</td><td class="num${r.significant ? ' sig' : ''}">${formatNumber(r.p_adjusted)}</td><td class="num${r.flips > 0 ? ' flip' : ''}">${formatCount(r.flips)}</td>`;
  }).join('');
  return `<tr><td class="thumb">${img}</td>${name}${cells}</tr>`;
}

function modelCard(s: FolderModelSummary, m: number, file: FolderFile): string {
  const colour = seriesColour(m);
  // Summaries are in the settings' order (validateFolderFile); names need not be unique.
  const values = file.rows.flatMap((r) => {
    const v = r.status === 'done' ? r.models[m] : undefined;
    return v === undefined ? [] : [v.epgm];
  });
  return `<div class="card"><h3><span class="dot" style="background:${colour}"></span>${esc(s.model)}</h3>
<table><tr><th>significant</th><td>${esc(proportionText(s.significant))}</td></tr>
<tr><th>flipped</th><td>${esc(proportionText(s.flipped))}</td></tr>
<tr><th>EPGM median</th><td>${formatNumber(s.epgm_median)} <span class="muted">(quartiles ${formatNumber(s.epgm_q1)}–${formatNumber(s.epgm_q3)}; mean ${formatNumber(s.epgm_mean)}; ${formatCount(s.images)} images)</span></td></tr></table>
${histogramSvg(values, colour)}</div>`;
}

/** The EPGM histogram as SVG bars, with the first, middle and last edge under it. */
function histogramSvg(values: readonly number[], colour: string): string {
  const h = histogramBins(values);
  const w = 360;
  const height = 120;
  const bottom = 92;
  const most = Math.max(1, ...h.counts);
  const bw = w / Math.max(1, h.counts.length);
  const bars = h.counts
    .map((c, i) => {
      const bh = (84 * c) / most;
      return c === 0
        ? ''
        : `<rect x="${(i * bw + 1).toFixed(1)}" y="${(bottom - bh).toFixed(1)}" width="${Math.max(1, bw - 2).toFixed(1)}" height="${bh.toFixed(1)}" fill="${colour}"><title>${c} images</title></rect>`;
    })
    .join('');
  const first = h.edges[0] ?? 0;
  const last = h.edges.at(-1) ?? 1;
  const label = `EPGM${h.log ? ' (log axis)' : ''}${h.zeros > 0 ? `, ${h.zeros} at 0 not shown` : ''}; tallest bar ${most}`;
  return `<svg viewBox="0 0 ${w} ${height}" class="chart" role="img" aria-label="EPGM histogram">${bars}
<line x1="0" y1="${bottom}" x2="${w}" y2="${bottom}" class="axis"/>
<text x="0" y="${bottom + 12}" class="tick">${edgeLabel(h, first)}</text><text x="${w / 2}" y="${bottom + 12}" class="tick" text-anchor="middle">${edgeLabel(h, (first + last) / 2)}</text><text x="${w}" y="${bottom + 12}" class="tick" text-anchor="end">${edgeLabel(h, last)}</text>
<text x="0" y="${bottom + 25}" class="tick">${esc(label)}</text></svg>`;
}

/** Every classifier's mean curve with its band, in one SVG. */
function meanCurves(file: FolderFile): string {
  const w = 720;
  const h = 280;
  const pad = 34;
  const xs = file.strengths;
  const x0 = xs[0] ?? 0;
  const x1 = xs.at(-1) ?? 1;
  const sx = (x: number): string => (pad + ((x - x0) / (x1 - x0 || 1)) * (w - 2 * pad)).toFixed(1);
  const sy = (y: number): string =>
    (h - pad - Math.min(1, Math.max(0, y)) * (h - 2 * pad)).toFixed(1);
  const path = (ys: readonly number[]): string[] =>
    ys.flatMap((y, k) => {
      const x = xs[k];
      return x === undefined || !Number.isFinite(y) ? [] : [`${sx(x)},${sy(y)}`];
    });
  const shapes = file.summary.models
    .map((s, m) => {
      if (s.images === 0) return '';
      const colour = seriesColour(m);
      const band = [...path(s.curve_high), ...path(s.curve_low).reverse()].join(' ');
      return `<polygon class="band" fill="${colour}" points="${band}"/><polyline fill="none" stroke-width="2" stroke="${colour}" points="${path(s.mean_curve).join(' ')}"><title>${esc(s.model)}</title></polyline>`;
    })
    .join('');
  const legend = file.summary.models
    .map(
      (s, m) =>
        `<span class="key"><span class="dot" style="background:${seriesColour(m)}"></span>${esc(s.model)}</span>`,
    )
    .join('');
  return `<svg viewBox="0 0 ${w} ${h}" class="chart wide" role="img" aria-label="mean curves">
<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" class="axis"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${h - pad}" class="axis"/>
<text x="${pad}" y="${h - 16}" class="tick">${formatNumber(x0)}</text><text x="${w - pad}" y="${h - 16}" class="tick" text-anchor="end">${formatNumber(x1)}</text>
<text x="${w / 2}" y="${h - 4}" class="tick" text-anchor="middle">strength (${esc(file.settings.editor)})</text>
<text x="4" y="${sy(1)}" class="tick">1</text><text x="4" y="${sy(0)}" class="tick">0</text>
${shapes}</svg><p class="legend">${legend} <span class="muted">score of the class predicted at the first step, mean over the images</span></p>`;
}

const STYLE = `
:root { color-scheme: light dark; --fg: #1f2328; --bg: #ffffff; --muted: #656d76; --border: #d0d7de; --warn: #9a6700; --good: #1a7f37; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #8d96a0; --border: #30363d; --warn: #d29922; --good: #3fb950; } }
body { font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 24px; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; } h3 { margin: 0 0 6px; font-size: 1.05em; }
.muted, footer { color: var(--muted); } footer { margin-top: 3em; font-size: 0.9em; }
table { border-collapse: collapse; } th, td { text-align: left; padding: 2px 10px 2px 0; vertical-align: middle; }
.models { display: flex; flex-wrap: wrap; gap: 16px; }
.card { border: 1px solid var(--border); border-radius: 6px; padding: 10px 14px; width: 400px; }
.dot { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
.chart { width: 100%; } .chart.wide { max-width: 900px; } .chart .axis { stroke: var(--muted); }
.chart .tick { font-size: 10px; fill: var(--muted); } .chart .band { fill-opacity: 0.18; stroke: none; }
.legend .key { margin-right: 14px; }
.scroll { overflow-x: auto; }
.images td, .images th { border-bottom: 1px solid var(--border); padding: 3px 10px 3px 0; white-space: nowrap; }
.images .group { border-left: 1px solid var(--border); padding-left: 8px; }
.images .num { text-align: right; font-variant-numeric: tabular-nums; }
.images .sig { color: var(--good); font-weight: 600; } .images .flip { color: var(--warn); font-weight: 600; }
.images .thumb { width: 48px; } .images img { width: 44px; height: 44px; object-fit: contain; display: block; }
`;
