// The run's side of the classifier thread (classifierWorker.ts): classifiers that load and predict
// there, behind the same Classifier interface as those loaded here. A failure there is the same
// kind of error here (a ModelInputError stays the user's to fix), and a cancel answers at once.
import { Worker } from 'node:worker_threads';

import type { RgbImage } from '../images/image';
import type { LoadModelOptions, NamedClassifier } from '../models/loadModel';
import type { Classifier } from '../models/types';
import type { ModelSpec } from '../../shared/childProtocol';
import type {
  FromClassifierWorker,
  ToClassifierWorker,
  WorkerError,
} from './classifierWorkerProtocol';
import { INPUT_ERRORS } from './inputErrors';

/** Classifiers on their own thread, loaded one by one; `dispose` releases them and the thread. */
export interface ClassifierThread {
  load(spec: ModelSpec, options: Omit<LoadModelOptions, 'log'>): Promise<NamedClassifier>;
  /** Waits for the predictions asked for, releases every classifier, and ends the thread. */
  dispose(): Promise<void>;
}

/** Starts the classifier thread of `workerPath` (dist/classifierWorker.js); `log` hears its lines. */
export function startClassifierThread(
  workerPath: string,
  log: (message: string) => void,
): ClassifierThread {
  const worker = new Worker(workerPath);
  const pending = new Map<
    number,
    { resolve: (m: FromClassifierWorker) => void; reject: (e: unknown) => void }
  >();
  let nextId = 1;
  let ended: Error | null = null;
  let disposed: Promise<void> | null = null;
  const endAll = (error: Error): void => {
    ended ??= error;
    for (const { reject } of pending.values()) reject(ended);
    pending.clear();
  };
  worker.on('message', (message: FromClassifierWorker) => {
    if (message.type === 'classifier/log') {
      log(message.message);
      return;
    }
    if (message.type === 'classifier/disposed') return;
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    if (message.type === 'classifier/failed') waiting?.reject(fromWorker(message.error));
    else waiting?.resolve(message);
  });
  worker.on('error', (error) => {
    endAll(error);
  });
  worker.on('exit', (code) => {
    endAll(new Error(`The classifier thread exited with code ${code}.`));
  });
  const post = (message: ToClassifierWorker): void => {
    worker.postMessage(message);
  };
  /** Sends a request and waits for its answer; an abort answers at once and drops it there. */
  const ask = (
    request: (id: number) => ToClassifierWorker,
    signal: AbortSignal | undefined,
  ): Promise<FromClassifierWorker> => {
    if (ended !== null) return Promise.reject(ended);
    signal?.throwIfAborted();
    const id = nextId++;
    return new Promise<FromClassifierWorker>((resolve, reject) => {
      const onAbort = (): void => {
        pending.delete(id);
        post({ type: 'classifier/cancel', id });
        reject(
          signal?.reason instanceof Error
            ? signal.reason
            : new DOMException('The prediction was cancelled.', 'AbortError'),
        );
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle =
        <T>(then: (value: T) => void) =>
        (value: T): void => {
          signal?.removeEventListener('abort', onAbort);
          then(value);
        };
      pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
      post(request(id));
    });
  };
  return {
    async load(spec, options) {
      const model = await ask(
        (id) => ({
          type: 'classifier/load',
          id,
          spec,
          provider: options.provider,
          deviceId: options.deviceId,
          workDir: options.workDir,
        }),
        options.signal,
      );
      if (model.type !== 'classifier/loaded') throw new Error(`unexpected ${model.type}`);
      const { index } = model;
      const classifier: Classifier = {
        info: model.info,
        async predict(images: readonly RgbImage[], signal?: AbortSignal): Promise<Float32Array[]> {
          const answer = await ask(
            (id) => ({ type: 'classifier/predict', id, model: index, images }),
            signal,
          );
          if (answer.type !== 'classifier/predicted') throw new Error(`unexpected ${answer.type}`);
          return answer.rows;
        },
        // Released with the thread (dispose below).
        dispose: () => Promise.resolve(),
      };
      return { name: model.name, classifier };
    },
    dispose() {
      disposed ??= (async () => {
        if (ended === null) {
          const done = new Promise<void>((resolve) => {
            const onMessage = (m: FromClassifierWorker): void => {
              if (m.type === 'classifier/disposed') resolve();
            };
            worker.on('message', onMessage);
            worker.once('exit', () => {
              resolve();
            });
          });
          post({ type: 'classifier/dispose' });
          await done;
        }
        await worker.terminate();
      })();
      return disposed;
    },
  };
}

/** The error a failure in the thread is here: the same class for the user's errors. */
export function fromWorker(error: WorkerError): Error {
  if (error.name === 'AbortError') return new DOMException(error.message, 'AbortError');
  return (
    INPUT_ERRORS.get(error.name)?.rebuild(error.message, error.help) ??
    new Error(`In the classifier thread: ${error.message}`)
  );
}
