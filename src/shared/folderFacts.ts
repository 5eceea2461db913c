// How a folder run reads in the aggregate panel, its PNG, the HTML report and the Markdown table:
// the counts, the settings and the shares with their intervals, worded once. Pure.
import type { FolderFile, Proportion } from './folderFile';
import { adjustmentName, formatCount, formatNumber, formatPercent } from './format';

/** "7 of 9 (78 %; 95 % CI 45–94 %)". */
export function proportionText(p: Proportion): string {
  return `${formatCount(p.count)} of ${formatCount(p.total)} (${formatPercent(p.rate)}; 95 % CI ${intervalText(p)})`;
}

/** "45–94 %": the interval of a proportion in percent. */
export function intervalText(p: Proportion): string {
  return `${formatNumber(Number((p.low * 100).toPrecision(3)))}–${formatPercent(p.high)}`;
}

/**
 * The counts line under the title: "12 images: 9 explained (2 resumed), 2 skipped, 1 failed"; for
 * a run stopped before the rest, "3 of 12 images: 3 explained".
 */
export function countsText(file: FolderFile): string {
  const s = file.summary;
  const parts = [
    `${formatCount(s.done)} explained${s.resumed > 0 ? ` (${formatCount(s.resumed)} resumed)` : ''}`,
    ...(s.skipped > 0 ? [`${formatCount(s.skipped)} skipped`] : []),
    ...(s.failed > 0 ? [`${formatCount(s.failed)} failed`] : []),
  ];
  const of = s.images < file.listed ? ` of ${formatCount(file.listed)}` : '';
  const noun = (of === '' ? s.images : file.listed) === 1 ? 'image' : 'images';
  return `${formatCount(s.images)}${of} ${noun}: ${parts.join(', ')}`;
}

/** What was run: editor and parameters, steps, seed, test, adjustment, shard. */
export function settingsText(file: FolderFile): string {
  const st = file.settings;
  const params = Object.entries(st.params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
  const adjust = adjustmentName(st.adjustment);
  const shard = file.shard === null ? '' : ` · shard ${file.shard.index}/${file.shard.count}`;
  const merged = file.merged.length > 0 ? ` · merged from ${file.merged.length} shards` : '';
  return `${st.editor}${params === '' ? '' : ` (${params})`} · ${formatCount(st.steps)} steps · seed ${st.seed} · ${formatCount(st.permutations)} permutations · α ${formatNumber(st.alpha)} · p adjusted (${adjust}) over the images${shard}${merged}`;
}
