// The inference child process. Heavy work runs here, never in the extension host: onnxruntime's
// run() blocks its thread, and a worker thread terminated mid-run aborts the whole process, so the
// host forks this process, cancels cooperatively between steps, and SIGKILLs it as a hard cancel.
import { join } from 'node:path';

import {
  CHILD_PROTOCOL_VERSION,
  isHostToChild,
  type ChildError,
  type ChildToHost,
  type HostToChild,
} from '../../shared/childProtocol';
import { analyse, complete, MeasureInputError } from '../measures';
import { checkLabels } from '../pipeline/measureFile';
import { toMeasureJson } from '../pipeline/measureJson';
import { runPermutationTest } from '../pipeline/permutationPool';

const send = (message: ChildToHost): void => {
  process.send?.(message);
};

const running = new Map<number, AbortController>();

async function measureRun(request: Extract<HostToChild, { type: 'measure/run' }>): Promise<void> {
  const controller = new AbortController();
  running.set(request.id, controller);
  try {
    const analysis = analyse(
      { predictions: request.predictions, strengths: request.strengths },
      request.options,
    );
    checkLabels(request.labels, analysis.y.cols);
    send({
      type: 'run/progress',
      id: request.id,
      message: `Shuffle test (${analysis.testOptions.permutations} permutations)`,
    });
    const test = await runPermutationTest(analysis, {
      workerPath: join(__dirname, 'permutationWorker.js'),
      signal: controller.signal,
    });
    send({
      type: 'run/result',
      id: request.id,
      ok: true,
      value: { kind: 'measure', result: toMeasureJson(complete(analysis, test), request.labels) },
    });
  } catch (error) {
    send({
      type: 'run/result',
      id: request.id,
      ok: false,
      error: describe(error, controller.signal),
    });
  } finally {
    running.delete(request.id);
  }
}

function describe(error: unknown, signal: AbortSignal): ChildError {
  if (signal.aborted) return { kind: 'cancelled', message: 'Cancelled.' };
  if (error instanceof MeasureInputError) return { kind: 'input', message: error.message };
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
  switch (message.type) {
    case 'measure/run':
      void measureRun(message);
      break;
    case 'run/cancel':
      running.get(message.id)?.abort();
      break;
  }
});
// The parent went away (closed, crashed or killed): nothing is left to answer.
process.on('disconnect', () => process.exit(0));
send({ type: 'child/ready', version: CHILD_PROTOCOL_VERSION, pid: process.pid });
