// The inference child answers a failure as the user's ('input', the message alone) or as ours
// ('internal', with the stack) by this one classification of every stage's error type.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { EditorInputError } from '../../../src/extension/editors/types';
import { ImageInputError } from '../../../src/extension/images/errors';
import { MeasureInputError } from '../../../src/extension/measures';
import { ModelInputError } from '../../../src/extension/models/types';
import { isInputError } from '../../../src/extension/pipeline/inputErrors';
import { StoreInputError } from '../../../src/extension/store/errors';
import { TokenizerInputError } from '../../../src/extension/text/errors';

void test("every stage's input error is the user's to fix", () => {
  for (const error of [
    new MeasureInputError('m'),
    new ImageInputError('i'),
    new EditorInputError('e'),
    new ModelInputError('o'),
    new StoreInputError('s'),
    new TokenizerInputError('t'),
  ]) {
    assert.ok(isInputError(error), error.name);
  }
});

void test('anything else is ours', () => {
  for (const error of [new Error('x'), new TypeError('x'), new RangeError('x'), 'text', null]) {
    assert.ok(!isInputError(error), String(error));
  }
});
