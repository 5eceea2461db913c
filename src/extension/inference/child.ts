// The inference child process. Heavy work runs here, never in the extension host: onnxruntime's
// run() blocks its thread, and a worker thread terminated mid-run aborts the whole process, so the
// host forks this process, cancels cooperatively between steps, and SIGKILLs it as a hard cancel.
import { constants, setPriority } from 'node:os';
import { join } from 'node:path';

import {
  BACKGROUND_FLAG,
  boundedTexts,
  CHILD_PROTOCOL_VERSION,
  hostMessageProblem,
  messageId,
  type ChildError,
  type ChildToHost,
  type HostToChild,
  type RunValue,
} from '../../shared/childProtocol';
import { runExplain, WarmClassifiers } from '../pipeline/explainRun';
import { runFolder } from '../pipeline/folderRun';
import { helpFor, isInputError } from '../pipeline/inputErrors';
import { runMeasure } from '../pipeline/measureRun';
import { checkExplainLimits } from '../pipeline/requestLimits';
import { throttleProgress, type ProgressThrottle } from './progressThrottle';

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

/** Sends `message`, its texts cut to what the host accepts (they may quote a file or a command). */
const send = (message: ChildToHost): void => {
  process.send?.(boundedTexts(message));
};

const workerPath = join(__dirname, 'permutationWorker.js');
const running = new Map<number, AbortController>();
/** Classifiers kept loaded from one explanation to the next (image after image). */
const warm = new WarmClassifiers();

async function handle(request: Exclude<HostToChild, { type: 'run/cancel' }>): Promise<void> {
  const controller = new AbortController();
  running.set(request.id, controller);
  const { signal } = controller;
  const progress = throttleProgress((p) => {
    send({ type: 'run/progress', id: request.id, ...p });
  });
  try {
    const value = await answer(request, signal, progress);
    progress.flush();
    send({ type: 'run/result', id: request.id, ok: true, value });
  } catch (error) {
    progress.cancel();
    send({ type: 'run/result', id: request.id, ok: false, error: describe(error, signal) });
  } finally {
    running.delete(request.id);
  }
}

/** Runs a request: the limits of an explanation are checked before any work. */
async function answer(
  request: Exclude<HostToChild, { type: 'run/cancel' }>,
  signal: AbortSignal,
  progress: ProgressThrottle,
): Promise<RunValue> {
  const log = (message: string): void => {
    process.stderr.write(`${message}\n`);
  };
  switch (request.type) {
    case 'measure/run':
      return runMeasure(request, {
        workerPath,
        signal,
        progress: (p) => {
          send({ type: 'run/progress', id: request.id, ...p });
        },
      });
    case 'explain/run':
      checkExplainLimits(request);
      return runExplain(request, {
        workerPath,
        signal,
        progress: (p) => {
          progress.report(p);
        },
        // The preview follows every progress report of the run (none is held back behind it).
        preview:
          request.preview === true
            ? (p) => {
                progress.flush();
                send({ type: 'run/preview', id: request.id, ...p });
              }
            : undefined,
        log,
        warm,
      });
    case 'explainFolder/run':
      checkExplainLimits(request);
      return runFolder(request, {
        workerPath,
        classifierWorkerPath: join(__dirname, 'classifierWorker.js'),
        signal,
        progress: (p) => {
          progress.report(p);
        },
        log,
      });
  }
}

/** Errors in what the user gave are theirs to fix; anything else is ours, with its stack. */
function describe(error: unknown, signal: AbortSignal): ChildError {
  if (signal.aborted) return { kind: 'cancelled', message: 'Cancelled.' };
  if (isInputError(error)) {
    const help = helpFor(error);
    return { kind: 'input', message: error.message, ...(help === undefined ? {} : { help }) };
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
  const problem = hostMessageProblem(message);
  if (problem === null) {
    const request = message as HostToChild;
    if (request.type === 'run/cancel') running.get(request.id)?.abort();
    else void handle(request);
    return;
  }
  // Every request is answered: one that carries an id gets its error; one without has nobody
  // waiting for it, and is logged.
  const id = messageId(message);
  process.stderr.write(
    `propsweep inference: invalid request${id === undefined ? '' : ` ${id}`}: ${problem}.\n`,
  );
  if (id !== undefined) {
    send({
      type: 'run/result',
      id,
      ok: false,
      error: {
        kind: 'internal',
        message: `The inference process got an invalid request: ${problem}.`,
      },
    });
  }
});
// Ctrl-C in a terminal signals the whole process group, this child included: the CLI cancels the
// run through a run/cancel message (and kills the child on a second Ctrl-C), so the child keeps
// running until told, and answers the cancelled request instead of dying mid-write.
process.on('SIGINT', () => undefined);
// The parent went away (closed, crashed or killed): nothing is left to answer.
process.on('disconnect', () => process.exit(0));
send({ type: 'child/ready', version: CHILD_PROTOCOL_VERSION, pid: process.pid });
