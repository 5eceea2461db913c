// The inference child process. Heavy work runs here, never in the extension host: onnxruntime's
// run() blocks its thread, and a worker thread terminated mid-run aborts the whole process, so the
// host forks this process, cancels cooperatively between steps, and SIGKILLs it as a hard cancel.
import { constants, setPriority } from 'node:os';
import { join } from 'node:path';

import {
  BACKGROUND_FLAG,
  CHILD_PROTOCOL_VERSION,
  isHostToChild,
  type ChildError,
  type ChildToHost,
  type HostToChild,
  type MeasureRun,
  type RunValue,
} from '../../shared/childProtocol';
import { EditorInputError } from '../editors/types';
import { ImageInputError } from '../images/errors';
import { analyse, complete, MeasureInputError } from '../measures';
import { ModelInputError } from '../models/types';
import { checkLabels } from '../pipeline/measureFile';
import { toMeasureJson } from '../pipeline/measureJson';
import { runPermutationTest } from '../pipeline/permutationPool';
import { runExplain } from '../pipeline/explainRun';
import { throttleProgress } from './progressThrottle';

// Started by VS Code: yield to the editor under load. Threads started from here on (ONNX Runtime's,
// libuv's, sharp's, the permutation workers) inherit the priority; an idle machine still gives
// this process every core.
if (process.argv.includes(BACKGROUND_FLAG)) {
  try {
    setPriority(constants.priority.PRIORITY_BELOW_NORMAL);
  } catch {
    // Not permitted here: run at normal priority.
  }
}

const send = (message: ChildToHost): void => {
  process.send?.(message);
};

const workerPath = join(__dirname, 'permutationWorker.js');
const running = new Map<number, AbortController>();

async function handle(request: Exclude<HostToChild, { type: 'run/cancel' }>): Promise<void> {
  const controller = new AbortController();
  running.set(request.id, controller);
  const { signal } = controller;
  const progress = throttleProgress((p) => {
    send({ type: 'run/progress', id: request.id, ...p });
  });
  try {
    const value: RunValue =
      request.type === 'measure/run'
        ? await measureRun(request, signal, request.id)
        : await runExplain(request, {
            workerPath,
            signal,
            progress: (p) => {
              progress.report(p);
            },
            log: (message) => {
              process.stderr.write(`${message}\n`);
            },
          });
    progress.flush();
    send({ type: 'run/result', id: request.id, ok: true, value });
  } catch (error) {
    progress.cancel();
    send({ type: 'run/result', id: request.id, ok: false, error: describe(error, signal) });
  } finally {
    running.delete(request.id);
  }
}

async function measureRun(request: MeasureRun, signal: AbortSignal, id: number): Promise<RunValue> {
  const analysis = analyse(
    { predictions: request.predictions, strengths: request.strengths },
    request.options,
  );
  checkLabels(request.labels, analysis.y.cols);
  send({
    type: 'run/progress',
    id,
    message: `Shuffle test (${analysis.testOptions.permutations} permutations)`,
  });
  const test = await runPermutationTest(analysis, { workerPath, signal });
  return { kind: 'measure', result: toMeasureJson(complete(analysis, test), request.labels) };
}

/** Errors in what the user gave are theirs to fix; anything else is ours, with its stack. */
function describe(error: unknown, signal: AbortSignal): ChildError {
  if (signal.aborted) return { kind: 'cancelled', message: 'Cancelled.' };
  if (
    error instanceof MeasureInputError ||
    error instanceof ImageInputError ||
    error instanceof EditorInputError ||
    error instanceof ModelInputError
  ) {
    return { kind: 'input', message: error.message };
  }
  return {
    kind: 'internal',
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
  };
}

if (process.send === undefined) {
  process.stderr.write(
    'inferenceChild.js runs as a forked child of the propsweep extension or CLI.\n',
  );
  process.exit(2);
}

process.on('message', (message: unknown) => {
  if (!isHostToChild(message)) return;
  if (message.type === 'run/cancel') running.get(message.id)?.abort();
  else void handle(message);
});
// The parent went away (closed, crashed or killed): nothing is left to answer.
process.on('disconnect', () => process.exit(0));
send({ type: 'child/ready', version: CHILD_PROTOCOL_VERSION, pid: process.pid });
