// The Markdown of a folder run for a pull-request comment: what was run, one line per classifier
// (share significant and flip rate with their 95% intervals, EPGM median and quartiles), then the
// images that move the first classifier most, one row each. Every text from the file goes through
// mdText (a shared file is untrusted, and GitHub renders the comment for every reviewer), and the
// whole stays under GitHub's comment limit: rows that do not fit are counted, not cut.
import type { FolderFile, FolderImageRow } from '../../shared/folderFile';
import { countsText, proportionText, settingsText } from '../../shared/folderFacts';
import { formatCount, formatNumber } from '../../shared/format';
import { mdText } from './markdown';

/** GitHub refuses comments over 65,536 characters; this leaves room for the reviewer's words. */
export const MARKDOWN_LIMIT = 60_000;

/** The rows a table lists in its order: measured first, most moved first; then the others by name. */
export function reportOrder(rows: readonly FolderImageRow[]): FolderImageRow[] {
  const epgm = (r: FolderImageRow): number =>
    r.status === 'done' ? (r.models[0]?.epgm ?? -1) : -1;
  return [...rows].sort((a, b) => {
    const x = epgm(a);
    const y = epgm(b);
    if (x !== y) return y - x;
    return a.image < b.image ? -1 : a.image > b.image ? 1 : 0;
  });
}

/** The Markdown of `file`, at most `limit` characters. */
export function folderMarkdown(file: FolderFile, limit = MARKDOWN_LIMIT): string {
  const models = file.settings.models.map((m) => m.name);
  const lines = [
    `**PropSweep** across images: ${mdText(file.folder)}, ${mdText(settingsText(file))}`,
    '',
    mdText(countsText(file)),
    '',
    '| classifier | significant | flipped | EPGM median (quartiles) |',
    '| --- | --- | --- | ---: |',
    ...file.summary.models.map(
      (s) =>
        `| ${mdText(s.model)} | ${proportionText(s.significant)} | ${proportionText(s.flipped)} | ${formatNumber(s.epgm_median)} (${formatNumber(s.epgm_q1)}–${formatNumber(s.epgm_q3)}) |`,
    ),
    '',
    `Significant: p adjusted over the images at most α = ${formatNumber(file.settings.alpha)}; flipped: at least one change of predicted class; intervals: 95 % Wilson.`,
    '',
    `| image |${models.map((m) => ` ${mdText(m)} EPGM | p adj. | flips |`).join('')}`,
    `| --- |${models.map(() => ' ---: | ---: | ---: |').join('')}`,
  ];
  const order = reportOrder(file.rows);
  let length = lines.reduce((n, l) => n + l.length + 1, 0);
  let listed = 0;
  const tail = (left: number): string =>
    `\n${formatCount(left)} more ${left === 1 ? 'image' : 'images'} in the HTML report (Export HTML).\n`;
  for (const row of order) {
    const line = tableRow(row, models.length);
    // Room for this row and for the line that counts the rest.
    if (length + line.length + 1 + tail(order.length).length > limit) break;
    lines.push(line);
    length += line.length + 1;
    listed++;
  }
  const left = order.length - listed;
  return `${lines.join('\n')}\n${left > 0 ? tail(left) : ''}`;
}

function tableRow(row: FolderImageRow, models: number): string {
  const name = mdText(row.image);
  if (row.status !== 'done') {
    const why = `${row.status}${row.reason === null ? '' : `: ${row.reason}`}`;
    return `| ${name} | ${mdText(why)} |${' |'.repeat(Math.max(0, 3 * models - 1))}`;
  }
  const cells = Array.from({ length: models }, (_, m) => {
    const r = row.models[m];
    if (r === undefined) return ' — | — | — |';
    return ` ${formatNumber(r.epgm)} | ${formatNumber(r.p_adjusted)}${r.significant ? ' \\*' : ''} | ${formatCount(r.flips)} |`;
  });
  return `| ${name} |${cells.join('')}`;
}
