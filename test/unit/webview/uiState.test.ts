import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  defaultUiState,
  parseUiState,
  reconcileUiState,
  type UiState,
} from '../../../src/webview/model/uiState';
import { model, result } from './builders';

void test('a stored state round-trips through JSON (what setState keeps)', () => {
  const state: UiState = {
    version: 1,
    step: 3,
    mode: 'difference',
    opacity: 0.3,
    shownOutputs: ['dog'],
    showAllOutputs: false,
    hiddenModels: ['b'],
    openTables: ['a'],
    overlaid: ['ep3.onnx'],
    logEpgm: true,
  };
  assert.deepEqual(parseUiState(JSON.parse(JSON.stringify({ ...state, restore: null }))), state);
});

void test('anything else becomes the default state, field by field', () => {
  assert.deepEqual(parseUiState(undefined), defaultUiState());
  assert.deepEqual(parseUiState('x'), defaultUiState());
  assert.deepEqual(parseUiState({ version: 2, step: 3 }), defaultUiState(), 'unknown version');
  assert.deepEqual(
    parseUiState({
      version: 1,
      step: -1,
      mode: 'zoom',
      opacity: 7,
      shownOutputs: [1, 2],
      showAllOutputs: 'yes',
      hiddenModels: 'a',
      openTables: null,
      overlaid: [3],
      logEpgm: 'yes',
    }),
    defaultUiState(),
  );
  assert.equal(parseUiState({ version: 1, step: 2.5 }).step, null);
  assert.deepEqual(parseUiState({ version: 1, shownOutputs: null }).shownOutputs, null);
});

void test('a new result clamps the step and forgets models that are gone', () => {
  const state: UiState = {
    ...defaultUiState(),
    step: 40,
    hiddenModels: ['gone', 'b'],
    openTables: ['gone', 'fur'],
    overlaid: ['gone', 'b'],
  };
  const r = result([model(), model({ name: 'b' })]);
  const next = reconcileUiState(state, r);
  assert.equal(next.step, 4);
  assert.deepEqual(next.hiddenModels, ['b']);
  assert.deepEqual(next.openTables, ['fur']);
  assert.deepEqual(next.overlaid, ['b']);
  // Never every model hidden.
  assert.deepEqual(
    reconcileUiState({ ...state, hiddenModels: ['fur'] }, result()).hiddenModels,
    [],
  );
  assert.equal(reconcileUiState(defaultUiState(), r).step, null);
});
