// Which failures of a run are the user's to fix. Each stage has its own error type for input it
// cannot use; the pipeline, the one place that knows every stage, says which they are, so the
// inference child classifies a failure without importing the stages itself.
import { EditorInputError, type ErrorHelp } from '../editors/types';
import { ImageInputError } from '../images/errors';
import { MeasureInputError } from '../measures';
import { ModelInputError } from '../models/types';
import { StoreInputError } from '../store/errors';
import { TokenizerInputError } from '../text/errors';

/** Whether `error` is about what the user gave (its message says what to do), not a bug of ours. */
export function isInputError(error: unknown): error is Error {
  return (
    error instanceof MeasureInputError ||
    error instanceof ImageInputError ||
    error instanceof EditorInputError ||
    error instanceof ModelInputError ||
    error instanceof StoreInputError ||
    error instanceof TokenizerInputError
  );
}

/** The longer help for an input error, when its stage names one. */
export function helpFor(error: unknown): ErrorHelp | undefined {
  return error instanceof EditorInputError ? error.help : undefined;
}
