import { MEASURE_LIMITS, MeasureInputError } from '../measures';
import type { ExplainRun } from '../../shared/childProtocol';
import { stepsProblem } from '../../shared/limits';

/**
 * Refuses an explanation beyond the bounds of shared/limits.ts before any work, whoever sent it:
 * the CLI checks its flags and the extension its settings, but a hand-edited setting or another
 * client must not get further than this.
 */
export function checkExplainLimits(request: ExplainRun): void {
  const steps = stepsProblem(request.steps);
  if (steps !== null) throw new MeasureInputError(`${steps}.`);
  if (!(request.permutations <= MEASURE_LIMITS.permutations)) {
    throw new MeasureInputError(
      `permutations must be at most ${MEASURE_LIMITS.permutations.toLocaleString('en-US')}, got ${request.permutations}; the paper uses 10000.`,
    );
  }
}
