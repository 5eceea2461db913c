import { analyse, complete } from '../measures';
import { checkLabels } from './measureFile';
import { toMeasureJson } from './measureJson';
import { runPermutationTest } from './permutationPool';
import type { MeasureRun, RunProgress, RunValue } from '../../shared/childProtocol';

/** What the child provides to a measure run. */
export interface MeasureContext {
  readonly workerPath: string;
  readonly signal: AbortSignal;
  readonly progress: (progress: RunProgress) => void;
}

/** Measures predictions computed elsewhere: checked first, then the shuffle test on workers. */
export async function runMeasure(request: MeasureRun, context: MeasureContext): Promise<RunValue> {
  const analysis = analyse(
    { predictions: request.predictions, strengths: request.strengths },
    request.options,
  );
  checkLabels(request.labels, analysis.y.cols);
  context.progress({
    message: `Shuffle test (${analysis.testOptions.permutations} permutations)`,
  });
  const test = await runPermutationTest(analysis, {
    workerPath: context.workerPath,
    signal: context.signal,
  });
  return { kind: 'measure', result: toMeasureJson(complete(analysis, test), request.labels) };
}
