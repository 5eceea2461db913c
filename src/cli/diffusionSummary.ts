// The lines `propsweep explain` prints under its table for an editor that records more than its
// frames (the diffusion editor): the jump from the source to the reconstruction, what the editor
// did, and each model's EPGM over seeds. Pure: the words come from shared/editorFacts.ts, as in
// the panel and the reports; arrows are ASCII, for any terminal.
import {
  jumpText,
  predictionJump,
  runSummary,
  runWhere,
  seedSpreadDetail,
  seedSpreadText,
} from '../shared/editorFacts';
import { formatNumber, formatPercent } from '../shared/format';
import type { ResultFile } from '../shared/resultFile';
import { terminalText } from './terminal';

/**
 * The extra lines for `result`, unindented (none for an editor that records nothing more), the
 * result's names, labels and notes as terminalText writes them:
 * "source -> reconstruction: pixel change 4.1 %; unbiased: P(cat) 0.990 -> 0.970 (moved 2.1 %)",
 * "editor: 20 denoising steps, 91 UNet calls, ...", its notes, and a line per model with a seed
 * spread.
 */
export function diffusionSummary(result: ResultFile): string[] {
  const lines: string[] = [];
  const { reconstruction, editor } = result;
  if (reconstruction !== undefined) {
    const head = `source -> reconstruction: pixel change ${formatPercent(reconstruction.change)}`;
    const jumps = result.models.flatMap((m) => {
      const jump = predictionJump(m);
      return jump === null ? [] : [`${terminalText(m.name)}: ${ascii(jumpText(jump))}`];
    });
    if (jumps.length <= 1) lines.push([head, ...jumps].join('; '));
    else lines.push(head, ...jumps.map((j) => `  ${j}`));
  }
  if (editor.run !== undefined) {
    const summary = runSummary(editor.run);
    lines.push(`editor: ${summary === '' ? '' : `${summary}, `}${ascii(runWhere(editor.run))}`);
    for (const note of editor.run.notes) lines.push(`editor: ${terminalText(note)}`);
  }
  for (const m of result.models) {
    if (m.seedSpread === undefined) continue;
    lines.push(
      `${terminalText(m.name)}: EPGM ${seedSpreadText(m.seedSpread)} (${seedSpreadDetail(m.seedSpread)}); the path shown, seed ${formatNumber(editor.seed)}: ${formatNumber(m.measure.epgm)}`,
    );
  }
  return lines;
}

/** Arrows and multiplication signs as ASCII, which every terminal shows; labels as terminalText. */
function ascii(text: string): string {
  return terminalText(text).replace(/→/g, '->').replace(/ × /g, 'x');
}
