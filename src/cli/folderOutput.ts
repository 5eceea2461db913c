// What `explain-folder` and `merge` print: the same JSON and the same table from a folder run's
// summary file, so that a merged cluster run reads exactly as a run on one machine.
import { dirname, join, resolve } from 'node:path';

import type {
  FolderFile,
  FolderImageRow,
  FolderModelSummary,
  Proportion,
} from '../shared/folderFile';
import { adjustmentName, formatNumber, formatPercent } from '../shared/format';
import { terminalText } from './terminal';

/** The --json contract of explain-folder and merge. */
export function folderJson(file: FolderFile, summaryPath: string): Record<string, unknown> {
  return {
    images: file.rows.map((row) => ({
      image: row.image,
      status: row.status,
      result_file: row.result_file === null ? null : besideSummary(summaryPath, row.result_file),
      reason: row.reason,
      resumed: row.resumed,
      models: row.models.map((m) => ({
        model: m.model,
        epgm: m.epgm,
        p_value: m.p_value,
        p_adjusted: m.p_adjusted,
        significant: m.significant,
        flips: m.flips,
      })),
    })),
    // listed: the images the run selected; more than summary.images when it was stopped early.
    summary: { ...file.summary, listed: file.listed, summary_file: summaryPath },
  };
}

/**
 * The table: one line per image and classifier, then per classifier the distribution of EPGM and
 * the shares of significant and flipped images with their 95% intervals, then the counts. The
 * file's texts (the folder, the editor, image and classifier names, reasons) may be anyone's (a
 * shard's summary, an image's file name): each is shown as terminalText writes it, on its line.
 */
export function folderTable(file: FolderFile, summaryPath: string, title: string): string {
  const { settings, summary } = file;
  const shard = file.shard === null ? '' : `, shard ${file.shard.index}/${file.shard.count}`;
  const merged = file.merged.length === 0 ? '' : `, ${file.merged.length} shards merged`;
  const lines = [
    `${title} ${terminalText(resolve(dirname(summaryPath), file.folder))} (${terminalText(settings.editor)}, ${file.strengths.length} steps, seed ${settings.seed}${shard}${merged})`,
    '',
  ];
  const width = Math.min(40, Math.max(5, ...file.rows.map((r) => terminalText(r.image).length)));
  const modelWidth = Math.max(5, ...settings.models.map((m) => terminalText(m.name).length));
  lines.push(
    `  ${'image'.padEnd(width)}  ${'model'.padEnd(modelWidth)} ${'EPGM'.padStart(10)} ${'p'.padStart(10)} ${'p adj'.padStart(10)} ${'flips'.padStart(6)}`,
  );
  for (const row of file.rows) lines.push(...imageLines(row, width, modelWidth));
  lines.push(
    '',
    `  p adjusted over the images per classifier (${adjustmentName(settings.adjustment)}); significant: p adj <= ${formatNumber(settings.alpha)}`,
    `  ${'model'.padEnd(modelWidth)} ${'images'.padStart(6)}  ${'EPGM median [q1, q3]'.padEnd(28)} ${'significant'.padEnd(34)} flipped`,
  );
  for (const m of summary.models) lines.push(`  ${modelSummaryLine(m, modelWidth)}`);
  lines.push('', `  ${countsLine(file)}`, `  summary: ${summaryPath}`);
  return lines.join('\n');
}

/**
 * "4 images: 3 done (1 resumed), 1 skipped, 0 failed"; "2 of 4 images (stopped before the rest;
 * the same command again finishes it): ..." for a run cut short; for a shard of a folder with
 * fewer images than shards, that it had none.
 */
export function countsLine(file: FolderFile): string {
  const { summary, shard } = file;
  if (file.listed === 0 && shard !== null) {
    return `no images in shard ${shard.index}/${shard.count} (the folder has fewer images than shards): nothing to do, and it merges with the others as it is`;
  }
  const images =
    summary.images < file.listed
      ? `${summary.images} of ${file.listed} images (stopped before the rest; the same command again finishes it)`
      : `${summary.images} images`;
  return `${images}: ${summary.done} done (${summary.resumed} resumed), ${summary.skipped} skipped, ${summary.failed} failed`;
}

/** A row's lines: one per classifier, or one with the reason it was skipped or failed. */
function imageLines(row: FolderImageRow, width: number, modelWidth: number): string[] {
  const image = shorten(terminalText(row.image), width).padEnd(width);
  if (row.status !== 'done')
    return [`  ${image}  ${row.status}: ${terminalText(row.reason ?? '')}`];
  const resumed = row.resumed ? '  (resumed)' : '';
  return row.models.map(
    (m, i) =>
      `  ${i === 0 ? image : ''.padEnd(width)}  ${terminalText(m.model).padEnd(modelWidth)} ${formatNumber(m.epgm).padStart(10)} ${formatNumber(m.p_value).padStart(10)} ${formatNumber(m.p_adjusted).padStart(10)} ${String(m.flips).padStart(6)}${i === 0 ? resumed : ''}`,
  );
}

/** One classifier's summary: images, EPGM median [q1, q3], significant and flipped shares. */
function modelSummaryLine(m: FolderModelSummary, modelWidth: number): string {
  const epgm =
    m.images === 0
      ? '-'
      : `${formatNumber(m.epgm_median)} [${formatNumber(m.epgm_q1)}, ${formatNumber(m.epgm_q3)}]`;
  return `${terminalText(m.model).padEnd(modelWidth)} ${String(m.images).padStart(6)}  ${epgm.padEnd(28)} ${proportion(m.significant).padEnd(34)} ${proportion(m.flipped)}`;
}

/** "3/40 (7.5 %, 95% CI 2.58-19.9 %)". */
export function proportion(p: Proportion): string {
  if (p.total === 0) return '0/0';
  return `${p.count}/${p.total} (${formatPercent(p.rate)}, 95% CI ${percentRange(p.low, p.high)})`;
}

function percentRange(low: number, high: number): string {
  const number = (x: number): string => formatPercent(x).replace(' %', '');
  return `${number(low)}-${number(high)} %`;
}

/** A long relative path kept to `width` characters, its end (the file name) shown. */
function shorten(text: string, width: number): string {
  return text.length <= width ? text : `...${text.slice(text.length - width + 3)}`;
}

/** A path from the summary file (always '/'-separated) as a path beside it on this machine. */
function besideSummary(summaryPath: string, relative: string): string {
  return join(dirname(summaryPath), ...relative.split('/'));
}
