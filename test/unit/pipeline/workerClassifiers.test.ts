// A classifier thread's failure crosses to the run as { name, message, help } (classifierWorker.ts
// workerError) and is made again here: a user's error stays the same class, so the inference child
// still answers it as the user's to fix, with its help; a cancel stays an AbortError.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { EditorInputError } from '../../../src/extension/editors/types';
import { INPUT_ERRORS, isInputError } from '../../../src/extension/pipeline/inputErrors';
import { fromWorker } from '../../../src/extension/pipeline/workerClassifiers';
import type { WorkerError } from '../../../src/extension/pipeline/classifierWorkerProtocol';

/** `error` as the thread sends it (classifierWorker.ts workerError), after the copy postMessage makes. */
function sent(error: Error): WorkerError {
  const help = (error as { help?: unknown }).help;
  return structuredClone({
    name: error.name,
    message: error.message,
    ...(typeof help === 'string' ? { help: help as WorkerError['help'] } : {}),
  });
}

void test("every input error class comes back from the thread as itself, the user's to fix", () => {
  assert.ok(INPUT_ERRORS.size >= 6); // every stage's class, so the loop below is not empty
  for (const [name, { type, rebuild }] of INPUT_ERRORS) {
    const original = rebuild(`bad ${name}`, undefined);
    assert.ok(original instanceof type, name);
    assert.equal(original.name, name);
    const back = fromWorker(sent(original));
    assert.ok(back instanceof type, name);
    assert.equal(back.name, name);
    assert.equal(back.message, `bad ${name}`);
    assert.ok(isInputError(back), name);
  }
});

void test("an editor's help comes back with it", () => {
  const back = fromWorker(sent(new EditorInputError('export the model', { help: 'editor-model' })));
  assert.ok(back instanceof EditorInputError);
  assert.equal(back.help, 'editor-model');
  const none = fromWorker(sent(new EditorInputError('bad parameter')));
  assert.ok(none instanceof EditorInputError);
  assert.equal(none.help, undefined);
});

void test('a cancel stays an AbortError', () => {
  const back = fromWorker({ name: 'AbortError', message: 'The prediction was cancelled.' });
  assert.ok(back instanceof DOMException);
  assert.equal(back.name, 'AbortError');
  assert.equal(back.message, 'The prediction was cancelled.');
  assert.ok(!isInputError(back));
});

void test('anything else is ours, and says it failed in the classifier thread', () => {
  for (const name of ['Error', 'TypeError', 'RangeError', 'constructor', 'toString', '']) {
    const back = fromWorker({ name, message: 'it broke' });
    assert.equal(Object.getPrototypeOf(back), Error.prototype, name);
    assert.equal(back.message, 'In the classifier thread: it broke');
    assert.ok(!isInputError(back), name);
  }
});
