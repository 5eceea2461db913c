import { checkTestOptions, MeasureInputError } from '../measures';
import type { ExplainFolderRun, ExplainRun } from '../../shared/childProtocol';
import { stepsProblem } from '../../shared/limits';

/**
 * Refuses an explanation beyond the bounds of shared/limits.ts and the shuffle test's options
 * before any work, whoever sent it:
 * the CLI checks its flags and the extension its settings, but a hand-edited setting or another
 * client must not get further than this.
 */
export function checkExplainLimits(request: ExplainRun | ExplainFolderRun): void {
  const steps = stepsProblem(request.steps);
  if (steps !== null) throw new MeasureInputError(`${steps}.`);
  // The measures' own checks, so that a bad alpha, seed or permutations fails before the editing
  // and inference rather than after them.
  checkTestOptions(request);
}
