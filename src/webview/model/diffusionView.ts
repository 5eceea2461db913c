// What the panel says of the records of a model-based editor (the diffusion editor): the jump from
// the source to the first frame (its reconstruction) with the two images' captions, the pixel
// change and each model's change of answer; a model's EPGM over seeds; and what the editor's run
// did. Pure: runs in Node tests.
import {
  jumpChange,
  jumpMoved,
  predictionJump,
  runDetails,
  runSummary,
  runWhere,
  seedSpreadDetail,
} from '../../shared/editorFacts';
import { formatCount, formatNumber, formatPercent, formatShort } from '../../shared/format';
import type { EditorRunRecord, ModelRecord, ResultFile } from '../../shared/resultFile';

/** The jump as the panel shows it. */
export interface JumpView {
  /** "text guidance 0": the first frame, by the editor's parameter there (under "Reconstruction"). */
  readonly firstCaption: string;
  /** "Pixel change 4.1 %". */
  readonly pixelChange: string;
  /** One line per model with a source prediction. */
  readonly models: readonly {
    readonly model: string;
    readonly change: string;
    readonly moved: string;
  }[];
}

/** The jump of `result`, or null when its first frame is the source (no reconstruction). */
export function jumpView(result: ResultFile): JumpView | null {
  const record = result.reconstruction;
  if (record === undefined) return null;
  const first = result.frames[0];
  return {
    firstCaption:
      first === undefined ? '' : `${result.editor.parameterName} ${formatNumber(first.parameter)}`,
    pixelChange: `Pixel change ${formatPercent(record.change)}`,
    models: result.models.flatMap((m) => {
      const jump = predictionJump(m);
      return jump === null
        ? []
        : [{ model: m.name, change: jumpChange(jump), moved: `moved ${jumpMoved(jump)}` }];
    }),
  };
}

/**
 * The line under a score card for a path made with several seeds: which EPGM the card shows and
 * the spread over the seeds; null without a spread.
 */
export function seedSpreadLine(
  model: ModelRecord,
): { readonly text: string; readonly title: string } | null {
  const spread = model.seedSpread;
  if (spread === undefined) return null;
  const k = spread.seeds.length;
  return {
    text: `Over ${formatCount(k)} ${k === 1 ? 'seed' : 'seeds'}: EPGM ${formatShort(spread.epgmMean)} ± ${formatShort(spread.epgmStd)} (mean ± std); above: seed ${String(spread.seeds[0])}`,
    title: `The EPGM above is the path shown (seed ${String(spread.seeds[0])}); ${seedSpreadDetail(spread)}. The spread is the editor's own noise: a difference between seeds is not the classifier's.`,
  };
}

/** The editor's run in the header: one line, every number in its tooltip. */
export function runLine(run: EditorRunRecord): { readonly text: string; readonly title: string } {
  const summary = runSummary(run);
  return {
    text: `Editor run: ${summary === '' ? '' : `${summary} · `}${runWhere(run)}`,
    title: runDetails(run).join(', '),
  };
}
