// The classifier thread of a folder run: loads the run's classifiers and answers predictions in
// the order they come. onnxruntime runs a batch synchronously on the thread that asks for it; here
// that is this thread, and the run's own thread edits, measures and writes other images meanwhile.
// Predictions queued for the same classifier are run as one call, so that batches span images,
// and two calls are under way at once, so that the next one's images are resized on sharp's
// threads while this thread runs a batch.
import { parentPort } from 'node:worker_threads';

import type { RgbImage } from '../images/image';
import { loadModel, type NamedClassifier } from '../models/loadModel';
import type {
  FromClassifierWorker,
  ToClassifierWorker,
  WorkerError,
} from './classifierWorkerProtocol';

/**
 * At most this many images go into one merged call: enough to fill the batches of any model
 * between two images, few enough that the first image's answer is not held back for long.
 */
export const MERGED_IMAGES = 64;

/**
 * Calls under way at once. Two: the next call prepares its batch (resizing, on sharp's threads)
 * while this thread runs the current one. A folder run of 100 images (npm run bench -- folder)
 * took 6 to 8% less time than with one, when the run had three images in the work.
 */
export const CALLS_AT_ONCE = 2;

const port = parentPort;
if (port === null) throw new Error('classifierWorker.js must run as a worker thread.');

type Prediction = Extract<ToClassifierWorker, { type: 'classifier/predict' }>;

const models: NamedClassifier[] = [];
const queue: Prediction[] = [];
const loads = new Map<number, AbortController>();
let pumping: Promise<void> | null = null;
/** Settles the wait of a pump whose queue ran dry while a call was under way. */
let arrived: (() => void) | null = null;

/** Copies, not transfers: rows may be views of one batch's buffer, answered in several messages. */
function send(message: FromClassifierWorker): void {
  port?.postMessage(message);
}

function workerError(error: unknown): WorkerError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const help = (error as { help?: unknown }).help;
  return {
    name: error.name,
    message: error.message,
    ...(typeof help === 'string' ? { help: help as WorkerError['help'] } : {}),
  };
}

port.on('message', (message: ToClassifierWorker) => {
  switch (message.type) {
    case 'classifier/load':
      void load(message);
      break;
    case 'classifier/predict':
      queue.push(message);
      arrived?.();
      arrived = null;
      pumping ??= pump().finally(() => {
        pumping = null;
      });
      break;
    case 'classifier/cancel': {
      loads.get(message.id)?.abort();
      const i = queue.findIndex((p) => p.id === message.id);
      if (i >= 0) {
        queue.splice(i, 1);
        send({
          type: 'classifier/failed',
          id: message.id,
          error: { name: 'AbortError', message: 'The prediction was cancelled.' },
        });
      }
      break;
    }
    case 'classifier/dispose':
      void dispose();
      break;
  }
});

async function load(
  message: Extract<ToClassifierWorker, { type: 'classifier/load' }>,
): Promise<void> {
  const controller = new AbortController();
  loads.set(message.id, controller);
  try {
    const model = await loadModel(message.spec, {
      provider: message.provider,
      deviceId: message.deviceId,
      workDir: message.workDir,
      signal: controller.signal,
      log: (text) => {
        send({ type: 'classifier/log', message: text });
      },
    });
    send({
      type: 'classifier/loaded',
      id: message.id,
      index: models.push(model) - 1,
      name: model.name,
      info: model.classifier.info,
    });
  } catch (error) {
    send({ type: 'classifier/failed', id: message.id, error: workerError(error) });
  } finally {
    loads.delete(message.id);
  }
}

/**
 * Answers the queue until it is empty and no call is under way, merging what waits for the same
 * classifier, CALLS_AT_ONCE calls at a time.
 */
async function pump(): Promise<void> {
  const running = new Set<Promise<void>>();
  for (let first = queue.shift(); first !== undefined; first = queue.shift()) {
    const merged = [first];
    let images = first.images.length;
    for (let next = queue[0]; next !== undefined; next = queue[0]) {
      if (next.model !== first.model || images + next.images.length > MERGED_IMAGES) break;
      merged.push(next);
      images += next.images.length;
      queue.shift();
    }
    const call = answer(merged).finally(() => running.delete(call));
    running.add(call);
    if (running.size >= CALLS_AT_ONCE) await Promise.race(running);
    // One turn of the event loop: the call starts its resizing before the next is looked at.
    else await new Promise<void>((resolve) => setImmediate(resolve));
    // Nothing queued: wait for a call to finish or a prediction to come.
    while (queue.length === 0 && running.size > 0) {
      await Promise.race([...running, new Promise<void>((resolve) => (arrived = resolve))]);
    }
  }
}

/**
 * One call for the merged predictions. When it fails and several were merged, each is run alone,
 * so that an image's error (a model refusing it) is its own and the others still get answers.
 */
async function answer(merged: readonly Prediction[]): Promise<void> {
  const model = models[merged[0]?.model ?? -1];
  const images: RgbImage[] = merged.flatMap((p) => p.images);
  try {
    if (model === undefined) throw new Error('A prediction named a classifier that is not loaded.');
    const rows = await model.classifier.predict(images);
    let start = 0;
    for (const p of merged) {
      send({
        type: 'classifier/predicted',
        id: p.id,
        rows: rows.slice(start, start + p.images.length),
      });
      start += p.images.length;
    }
  } catch (error) {
    if (merged.length > 1) {
      for (const p of merged) await answer([p]);
      return;
    }
    for (const p of merged)
      send({ type: 'classifier/failed', id: p.id, error: workerError(error) });
  }
}

async function dispose(): Promise<void> {
  await pumping;
  await Promise.all(models.map(({ classifier }) => classifier.dispose()));
  send({ type: 'classifier/disposed' });
}
