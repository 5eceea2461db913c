// Loading the classifiers of a run at once (loadAll): all load together and come back in the
// specs' order; the first failure stops the loads still going, disposes those loaded and is the
// error thrown; a cancel does the same. loadingMessage names them.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  loadAll,
  loadingMessage,
  type NamedClassifier,
} from '../../../src/extension/models/loadModel';
import type { ClassifierInfo } from '../../../src/extension/models/types';

/** A fake loader: each spec is `name:ms` (resolves after ms) or `name:ms:fail` (rejects then). */
function loader() {
  const started: string[] = [];
  /** "start NAME" and "end NAME", in the order they happened. */
  const events: string[] = [];
  const disposed: string[] = [];
  const aborted: string[] = [];
  const load = (spec: string, signal: AbortSignal): Promise<NamedClassifier> => {
    const [name = '', ms = '0', fail] = spec.split(':');
    started.push(name);
    events.push(`start ${name}`);
    return new Promise((resolve, reject) => {
      const stop = (): void => {
        clearTimeout(timer);
        aborted.push(name);
        reject(new DOMException('stopped', 'AbortError'));
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', stop);
        events.push(`end ${name}`);
        if (fail === undefined) resolve(named(name, disposed));
        else reject(new Error(`${name} cannot be loaded`));
      }, Number(ms));
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    });
  };
  return { load, started, events, disposed, aborted };
}

function named(name: string, disposed: string[]): NamedClassifier {
  return {
    name,
    classifier: {
      info: { labels: [] } as unknown as ClassifierInfo,
      predict: () => Promise.resolve([]),
      dispose: () => {
        disposed.push(name);
        return Promise.resolve();
      },
    },
  };
}

test('every classifier loads at once, and they come back in the order asked for', async () => {
  const { load, events } = loader();
  const loaded = await loadAll(['slow:60', 'fast:0', 'mid:30'], load);
  assert.deepEqual(
    loaded.map((c) => c.name),
    ['slow', 'fast', 'mid'],
  );
  assert.deepEqual(events, [
    'start slow',
    'start fast',
    'start mid',
    'end fast',
    'end mid',
    'end slow',
  ]);
});

test('the first failure stops the others, disposes those loaded, and is thrown', async () => {
  const { load, disposed, aborted } = loader();
  await assert.rejects(loadAll(['done:0', 'waiting:5000', 'broken:20:fail'], load), {
    message: 'broken cannot be loaded',
  });
  assert.deepEqual(aborted, ['waiting'], 'the load still going was stopped');
  assert.deepEqual(disposed, ['done'], 'the loaded one was disposed');
});

test('a cancel stops every load and disposes those loaded', async () => {
  const { load, disposed, aborted } = loader();
  const controller = new AbortController();
  const loading = loadAll(['done:0', 'waiting:5000'], load, controller.signal);
  setTimeout(() => {
    controller.abort(new DOMException('cancelled', 'AbortError'));
  }, 20);
  await assert.rejects(loading, { name: 'AbortError' });
  assert.deepEqual(aborted, ['waiting']);
  assert.deepEqual(disposed, ['done']);
  const never = loader();
  await assert.rejects(loadAll(['a:5000'], never.load, controller.signal), { name: 'AbortError' });
  assert.deepEqual(never.started, [], 'already cancelled: nothing started');
});

test('the progress line names the classifiers', () => {
  assert.equal(
    loadingMessage([{ kind: 'onnx', path: '/m/unbiased.onnx' }]),
    'Loading unbiased.onnx',
  );
  assert.equal(
    loadingMessage([
      { kind: 'onnx', path: '/m/a.onnx' },
      { kind: 'command', command: ['python', 'predict.py'], checkpoint: '/c/ep10.pt' },
    ]),
    'Loading 2 classifiers: a.onnx, ep10',
  );
});
