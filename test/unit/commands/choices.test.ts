import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  conventionalMaskPath,
  demoClassifiers,
  propertyPresets,
  stepChoices,
} from '../../../src/extension/commands/choices';
import { EXPORT_HINT } from '../../../src/extension/commands/instructionEdit';

test('a photo without a mask gets a global edit first; with a mask, the object colour', () => {
  const plain = propertyPresets(false, false);
  const [first] = plain;
  assert.ok(first !== undefined);
  assert.equal(first.editor, 'brightness');
  assert.equal(first.needsMask, false);
  const masked = propertyPresets(true, false);
  assert.equal(masked[0]?.editor, 'recolor');
  assert.deepEqual(new Set(plain.map((p) => p.id)), new Set(masked.map((p) => p.id)));
  assert.ok(
    masked.some((p) => p.editor === 'masked-brightness' && p.params.invert === true),
    'a background preset',
  );
});

test('the instruction edit is offered with or without editor models; without, it says how to get one', () => {
  const without = propertyPresets(false, false).find((p) => p.id === 'instruction');
  const withModels = propertyPresets(false, true).find((p) => p.id === 'instruction');
  assert.ok(without !== undefined && withModels !== undefined);
  assert.equal(without.label, 'Instruction edit (diffusion)…');
  assert.equal(without.editor, 'instruct-pix2pix');
  assert.equal(without.ask, 'instruction');
  assert.equal(without.needsMask, false);
  assert.equal(without.detail, EXPORT_HINT);
  assert.match(
    without.detail,
    /optimum-cli export onnx --model timbrooks\/instruct-pix2pix --task image-to-image DIR, then add it to propsweep\.editorModels/,
  );
  assert.doesNotMatch(withModels.detail, /optimum-cli/);
  assert.ok(propertyPresets(true, true).some((p) => p.id === 'instruction'));
});

test('steps: 11 first for the instruction edit, remembered apart; the setting first otherwise', () => {
  const instruction = propertyPresets(false, true).find((p) => p.id === 'instruction');
  const blur = propertyPresets(false, true).find((p) => p.id === 'blur');
  assert.ok(instruction !== undefined && blur !== undefined);
  assert.deepEqual(stepChoices(blur, 21), {
    options: [21, 11, 21, 51, 101],
    stateKey: 'propsweep.lastSteps',
  });
  const costly = stepChoices(instruction, 51);
  assert.equal(costly.options[0], 11);
  assert.ok(costly.options.includes(51) && costly.options.includes(101), 'the others stay offered');
  assert.notEqual(costly.stateKey, 'propsweep.lastSteps');
});

test('demo classifiers, mask convention and result names', () => {
  assert.deepEqual(
    demoClassifiers('/ext', ['unbiased.onnx', 'dark-cats.onnx', 'dark-cats.json', 'images']).map(
      (c) => c.name,
    ),
    ['demo: dark-cats', 'demo: unbiased'],
  );
  assert.deepEqual(demoClassifiers('/ext', ['unbiased.onnx'])[0]?.spec, {
    kind: 'onnx',
    path: '/ext/models/demo/unbiased.onnx',
    name: 'unbiased',
  });
  assert.equal(conventionalMaskPath('/a/b/cat.png'), '/a/b/cat.mask.png');
  assert.equal(conventionalMaskPath('/a.b/cat'), '/a.b/cat.mask.png');
});
