import type { ResultFile } from '../../shared/resultFile';
import { formatNumber } from '../../shared/format';

/**
 * A Markdown snippet for a pull-request comment: what was edited, the score table per model, and
 * the first and last frame when the result was saved where the reader can see them.
 */
export function markdownSnippet(
  result: ResultFile,
  frameLinks?: { first: string; last: string },
): string {
  const { editor } = result;
  const params = Object.entries(editor.params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
  const lines = [
    `**PropSweep**: ${cell(result.image.path)}, ${cell(editor.title)}${params === '' ? '' : ` (${cell(params)})`}, ${result.frames.length} steps, seed ${editor.seed}`,
    '',
    '| model | EPGM | p | flips | source class |',
    '| --- | ---: | ---: | ---: | --- |',
  ];
  for (const m of result.models) {
    const s = m.measure;
    const name = (c: number): string => m.labels[c] ?? `output ${c}`;
    const flips =
      s.flip_details === null
        ? 'n/a'
        : s.flip_details.length === 0
          ? '0'
          : `${s.flip_details.length} (${s.flip_details.map((f) => `${name(f.from)}→${name(f.to)} at ${formatNumber(f.strength)}`).join(', ')})`;
    const source =
      s.source_class === null
        ? '—'
        : `${name(s.source_class)}${s.source_class_lost === true ? ' (lost)' : ''}`;
    const p = `${formatNumber(s.p_value)}${s.significant ? ' *' : ''}`;
    lines.push(
      `| ${cell(m.name)} | ${formatNumber(s.epgm)} | ${p} | ${cell(flips)} | ${cell(source)} |`,
    );
  }
  const test = result.models[0]?.measure;
  if (test !== undefined) {
    lines.push(
      '',
      `EPGM: mean \\|dy/dt\\| over the normalised strength; p: shuffle test with ${test.exact ? `all ${test.n_permutations} orders` : `${test.n_permutations} permutations`}, * = significant at α = ${test.alpha}.`,
    );
  }
  if (!result.quality.clean && result.quality.message !== null)
    lines.push('', `⚠ ${cell(result.quality.message)}`);
  if (frameLinks !== undefined)
    lines.push(
      '',
      `| t = 0 | t = 1 |`,
      '| --- | --- |',
      `| ![first](${frameLinks.first}) | ![last](${frameLinks.last}) |`,
    );
  return `${lines.join('\n')}\n`;
}

/** Text safe inside a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}
