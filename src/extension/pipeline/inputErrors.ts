// Which failures of a run are the user's to fix. Each stage has its own error type for input it
// cannot use; the pipeline, the one place that knows every stage, says which they are, so the
// inference child classifies a failure without importing the stages itself, and the classifier
// thread's failures come back as the same classes.
import { EditorInputError, type ErrorHelp } from '../editors/types';
import { ImageInputError } from '../images/errors';
import { MeasureInputError } from '../measures';
import { ModelInputError } from '../models/types';
import { StoreInputError } from '../store/errors';
import { TokenizerInputError } from '../text/errors';

/** A stage's input error class, and how to make one again from what crossed a thread. */
export interface InputErrorClass {
  readonly type: abstract new (...args: never[]) => Error;
  readonly rebuild: (message: string, help: ErrorHelp | undefined) => Error;
}

/**
 * Every stage's input error class, by the `name` its errors carry (a string, not the class's own
 * name, which a minifier may change). One entry per class: isInputError and the classifier
 * thread's errors (workerClassifiers.ts fromWorker) both read it.
 */
export const INPUT_ERRORS: ReadonlyMap<string, InputErrorClass> = new Map<string, InputErrorClass>([
  ['MeasureInputError', { type: MeasureInputError, rebuild: (m) => new MeasureInputError(m) }],
  ['ImageInputError', { type: ImageInputError, rebuild: (m) => new ImageInputError(m) }],
  [
    'EditorInputError',
    {
      type: EditorInputError,
      rebuild: (m, help) => new EditorInputError(m, help === undefined ? undefined : { help }),
    },
  ],
  ['ModelInputError', { type: ModelInputError, rebuild: (m) => new ModelInputError(m) }],
  ['StoreInputError', { type: StoreInputError, rebuild: (m) => new StoreInputError(m) }],
  [
    'TokenizerInputError',
    { type: TokenizerInputError, rebuild: (m) => new TokenizerInputError(m) },
  ],
]);

/** Whether `error` is about what the user gave (its message says what to do), not a bug of ours. */
export function isInputError(error: unknown): error is Error {
  return [...INPUT_ERRORS.values()].some(({ type }) => error instanceof type);
}

/** The longer help for an input error, when its stage names one. */
export function helpFor(error: unknown): ErrorHelp | undefined {
  return error instanceof EditorInputError ? error.help : undefined;
}
