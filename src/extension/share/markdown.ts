// The Markdown summary of a result for a pull-request comment. Every text in it comes from a result
// file that anyone may have written (model names, labels, the title, editor parameters, messages),
// and the comment is rendered by GitHub for every reviewer: each such text goes through mdText, so
// it shows as the text it is, never as HTML, an image, a link, a mention or table structure.
import type { ResultFile } from '../../shared/resultFile';
import {
  jumpText,
  predictionJump,
  runSummary,
  runWhere,
  seedSpreadDetail,
  seedSpreadText,
} from '../../shared/editorFacts';
import { formatNumber, formatPercent } from '../../shared/format';

/**
 * A Markdown snippet for a pull-request comment: what was edited, the score table per model (with
 * the EPGM over seeds when the path was made with several), the jump from the source to the first
 * frame and the editor's run for a diffusion editor, and the first and last frame (and the source
 * beside them) when the result was saved where the reader can see them.
 */
export function markdownSnippet(
  result: ResultFile,
  frameLinks?: { first: string; last: string; source?: string },
): string {
  const { editor } = result;
  const params = Object.entries(editor.params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
  const lines = [
    `**PropSweep**: ${mdText(result.image.path)}, ${mdText(editor.title)}${params === '' ? '' : ` (${mdText(params)})`}, ${result.frames.length} steps, seed ${formatNumber(editor.seed)}`,
    '',
  ];
  const seeds = result.models.some((m) => m.seedSpread !== undefined);
  lines.push(
    `| model | EPGM |${seeds ? ' EPGM over seeds |' : ''} p | flips | source class |`,
    `| --- | ---: |${seeds ? ' ---: |' : ''} ---: | ---: | --- |`,
  );
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
    const p = `${formatNumber(s.p_value)}${s.significant ? ' \\*' : ''}`;
    const spread =
      m.seedSpread === undefined
        ? '—'
        : `${seedSpreadText(m.seedSpread)} (${seedSpreadDetail(m.seedSpread)})`;
    lines.push(
      `| ${mdText(m.name)} | ${formatNumber(s.epgm)} |${seeds ? ` ${mdText(spread)} |` : ''} ${p} | ${mdText(flips)} | ${mdText(source)} |`,
    );
  }
  const test = result.models[0]?.measure;
  if (test !== undefined) {
    lines.push(
      '',
      `EPGM: mean \\|dy/dt\\| over the normalised strength; p: shuffle test with ${test.exact ? `all ${formatNumber(test.n_permutations)} orders` : `${formatNumber(test.n_permutations)} permutations`}, \\* = significant at α = ${formatNumber(test.alpha)}.`,
    );
  }
  if (seeds)
    lines.push(
      '',
      `EPGM over seeds: mean ± sample standard deviation over paths made with other seeds of the editor (its own noise); the EPGM column is the path shown (seed ${formatNumber(editor.seed)}).`,
    );
  const { reconstruction } = result;
  if (reconstruction !== undefined) {
    const jumps = result.models.flatMap((m) => {
      const jump = predictionJump(m);
      return jump === null ? [] : [`${mdText(m.name)}: ${mdText(jumpText(jump))}`];
    });
    lines.push(
      '',
      `Source → first frame (the editor's reconstruction): pixel change ${formatPercent(reconstruction.change)}${jumps.length === 0 ? '' : `; ${jumps.join('; ')}`}.`,
    );
  }
  if (editor.run !== undefined) {
    const summary = runSummary(editor.run);
    lines.push(
      '',
      `Editor run: ${mdText(`${summary === '' ? '' : `${summary}, `}${runWhere(editor.run)}`)}.`,
    );
    for (const note of editor.run.notes) lines.push('', `⚠ ${mdText(note)}`);
  }
  if (!result.quality.clean && result.quality.message !== null)
    lines.push('', `⚠ ${mdText(result.quality.message)}`);
  if (frameLinks !== undefined) {
    const source = frameLinks.source;
    lines.push(
      '',
      `|${source === undefined ? '' : ' source |'} t = 0 | t = 1 |`,
      `|${source === undefined ? '' : ' --- |'} --- | --- |`,
      `|${source === undefined ? '' : ` ![source](${mdLink(source)}) |`} ![first](${mdLink(frameLinks.first)}) | ![last](${mdLink(frameLinks.last)}) |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Zero-width joiner: invisible, and it breaks what GitHub would otherwise turn into a link. */
const ZWJ = '\u200d';

/**
 * A word of 7 or more hexadecimal digits, which GitHub links as a commit when one has that
 * prefix; split into runs of 6 it is no commit's prefix.
 */
const HEX_RUN = /(?<![0-9a-z])[0-9a-f]{7,}(?![0-9a-z])/gi;

/**
 * Text that GitHub Markdown shows literally, also inside a table cell: on one line; `&`, `<`, `>`
 * as entities (no HTML, no `<https://…>` autolink); Markdown punctuation backslash-escaped (no
 * emphasis, code, links, images, tables, math); and a zero-width joiner after `@`, `#`, `://`,
 * `www.` and `GH-`, and every 6 digits of a hexadecimal word of 7 or more, which GitHub would
 * otherwise link as a mention, an issue, a bare URL or a commit.
 */
export function mdText(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- control characters are what is replaced
      .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/[\\`*_{}[\]()#!|~$]/g, '\\$&')
      .replace(/([@#])/g, `$1${ZWJ}`)
      .replace(/:\/\//g, `:${ZWJ}//`)
      .replace(/(w)(ww\.)/gi, `$1${ZWJ}$2`)
      .replace(/\b(gh-)(\d)/gi, `$1${ZWJ}$2`)
      .replace(HEX_RUN, (run) => run.replace(/[0-9a-f]{6}(?=[0-9a-f])/gi, `$&${ZWJ}`))
  );
}

/** A relative link target made safe: each path segment percent-encoded, parentheses too. */
function mdLink(path: string): string {
  return path
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[()'!*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/');
}
