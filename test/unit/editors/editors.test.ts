// Every editor through its ImageEditor interface: identity at t = 0, the maths per step,
// common random numbers, and the refusals of bad strengths, masks and seeds.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  brightnessEditor,
  noiseEditor,
  recolorEditor,
  rotationEditor,
} from '../../../src/extension/editors';
import { EDITORS } from '../../../src/extension/editors/registry';
import {
  EditorInputError,
  type EditedFrame,
  type EditInput,
  type EditorParams,
  type ImageEditor,
} from '../../../src/extension/editors/types';
import type { GrayImage, RgbImage } from '../../../src/extension/images/image';
import { collect, leftMask, meanByte, randomRgb } from '../images/builders';

const SOURCE = randomRgb(9, 7, 11);
const MASK = leftMask(9, 7, 4);

/** Parameters that make each editor do something at t > 0 (defaults where they do). */
const PARAMS: Readonly<Record<string, EditorParams>> = { recolor: { target: '#20f0a0' } };

function input(params: EditorParams = {}, extra: Partial<EditInput> = {}): EditInput {
  return { source: SOURCE, mask: MASK, params, seed: 5, ...extra };
}

async function frames(
  editor: ImageEditor,
  strengths: number[],
  params: EditorParams = PARAMS[editor.id] ?? {},
  extra: Partial<EditInput> = {},
): Promise<EditedFrame[]> {
  return collect(editor.edit(input(params, extra), strengths));
}

async function rejects(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof EditorInputError, String(error));
    assert.match(error.message, pattern);
    return true;
  });
}

// The blend editor reads its overlay from disk, sequence is recorded data, and instruct-pix2pix
// runs a diffusion model: they are covered by the native tests (test/native/editors).
const inMemory = EDITORS.filter(
  (e) => e.id !== 'blend' && e.id !== 'sequence' && e.id !== 'instruct-pix2pix',
);

void test('every parametric editor returns the source bytes exactly at t = 0', async () => {
  assert.equal(inMemory.length, 9);
  const strong: Readonly<Record<string, EditorParams>> = {
    brightness: { factor: 0 },
    contrast: { factor: 3 },
    saturation: { factor: 2.5 },
    hue: { degrees: 77 },
    blur: { sigma: 10 },
    noise: { std: 255 },
    rotation: { degrees: 33, fill: 'black' },
    recolor: { target: '0,0,0' },
    'masked-brightness': { factor: 0, invert: true },
  };
  for (const editor of inMemory) {
    assert.equal(editor.identityAtZero, true, editor.id);
    for (const params of [PARAMS[editor.id] ?? {}, strong[editor.id] ?? {}]) {
      const [zero, half] = await frames(editor, [0, 0.5], params);
      assert.ok(zero !== undefined && half !== undefined);
      assert.deepEqual(zero.image.data, SOURCE.data, `${editor.id} ${JSON.stringify(params)}`);
      assert.equal(zero.strength, 0);
      // ...and the edit really changes something, so the identity is not vacuous. (t = 0.5: a
      // full turn of the default rotation is the identity again.)
      assert.notDeepEqual(half.image.data, SOURCE.data, `${editor.id} at t = 0.5`);
    }
  }
});

void test('frames own their pixels: editing one never changes the source or another frame', async () => {
  const [a, b] = await frames(brightnessEditor, [0, 0]);
  assert.ok(a !== undefined && b !== undefined);
  a.image.data[0] = (a.image.data[0] ?? 0) ^ 0xff;
  assert.notEqual(a.image.data[0], SOURCE.data[0]);
  assert.equal(b.image.data[0], SOURCE.data[0]);
});

void test('brightness: pixels never decrease along t, the mean strictly increases, factor reported', async () => {
  const ts = [0, 0.1, 0.25, 0.5, 0.75, 1];
  const path = await frames(brightnessEditor, ts);
  for (let k = 1; k < path.length; k++) {
    const before = path[k - 1]?.image as RgbImage;
    const after = path[k]?.image as RgbImage;
    assert.ok(
      after.data.every((v, i) => v >= (before.data[i] ?? 0)),
      `step ${k}`,
    );
    assert.ok(meanByte(after) > meanByte(before), `mean at step ${k}`);
  }
  // factor(t) = 1 + t (1.8 - 1).
  assert.deepEqual(
    path.map((f) => Number(f.parameter.toFixed(12))),
    [1, 1.08, 1.2, 1.4, 1.6, 1.8],
  );
  assert.deepEqual(
    path.map((f) => f.strength),
    ts,
  );
});

void test('a frame depends only on its own strength, whatever else is asked for (cache-safe)', async () => {
  for (const editor of [noiseEditor, rotationEditor, recolorEditor]) {
    const alone = await frames(editor, [0.3]);
    const among = await frames(editor, [1, 0.3, 0]);
    assert.deepEqual(alone[0]?.image.data, among[1]?.image.data, editor.id);
  }
});

void test('noise: the same seed gives the same path, another seed another one', async () => {
  const a = await frames(noiseEditor, [0.5, 1], {}, { seed: 42 });
  const b = await frames(noiseEditor, [0.5, 1], {}, { seed: 42 });
  const c = await frames(noiseEditor, [0.5, 1], {}, { seed: 43 });
  assert.deepEqual(a[1]?.image.data, b[1]?.image.data);
  assert.notDeepEqual(a[1]?.image.data, c[1]?.image.data);
  // Common random numbers: where nothing clamps, the change at t = 1 is twice that at t = 0.5
  // (within rounding), because both scale one field.
  const half = a[0]?.image.data ?? new Uint8Array();
  const full = a[1]?.image.data ?? new Uint8Array();
  let compared = 0;
  for (let i = 0; i < SOURCE.data.length; i++) {
    const s = SOURCE.data[i] ?? 0;
    const d1 = (half[i] ?? 0) - s;
    const d2 = (full[i] ?? 0) - s;
    if (
      (full[i] ?? 0) === 0 ||
      (full[i] ?? 0) === 255 ||
      (half[i] ?? 0) === 0 ||
      (half[i] ?? 0) === 255
    )
      continue;
    assert.ok(Math.abs(d2 - 2 * d1) <= 1.5, `byte ${i}: ${d1} then ${d2}`);
    compared++;
  }
  assert.ok(compared > 50);
  await rejects(frames(noiseEditor, [0], {}, { seed: -1 }), /seed .* 0 to 4294967295, got -1/);
  await rejects(frames(noiseEditor, [0], {}, { seed: 1.5 }), /got 1.5/);
});

void test('strengths outside [0, 1] are refused with the index', async () => {
  await rejects(frames(brightnessEditor, [0, 1.5]), /strengths\[1\] is 1.5/);
  await rejects(frames(brightnessEditor, [-0.1]), /strengths\[0\] is -0.1.*from 0 \(the source\)/);
  await rejects(frames(brightnessEditor, [NaN]), /strengths\[0\] is NaN/);
});

void test('masked editors refuse a missing, wrong-sized or empty mask', async () => {
  for (const id of ['recolor', 'masked-brightness']) {
    const editor = EDITORS.find((e) => e.id === id) as ImageEditor;
    assert.equal(editor.needsMask, true);
    await rejects(
      frames(editor, [0.5], PARAMS[id] ?? {}, { mask: undefined }),
      /edits inside a mask, and none was given.*9x7/,
    );
    const small: GrayImage = leftMask(3, 3, 1);
    await rejects(
      frames(editor, [0.5], PARAMS[id] ?? {}, { mask: small }),
      /mask is 3x3 but the image is 9x7; the mask must be the image's size/,
    );
  }
  const empty = leftMask(9, 7, 0);
  await rejects(
    frames(recolorEditor, [1], { target: '#ffffff' }, { mask: empty }),
    /empty mask \(all black\)/,
  );
  const masked = EDITORS.find((e) => e.id === 'masked-brightness') as ImageEditor;
  await rejects(frames(masked, [1], {}, { mask: empty }), /all black, so there is no region/);
  await rejects(
    frames(masked, [1], { invert: true }, { mask: leftMask(9, 7, 9) }),
    /all white, so with invert=true/,
  );
});

void test('masked-brightness with invert edits only the background; recolor only the mask', async () => {
  const masked = EDITORS.find((e) => e.id === 'masked-brightness') as ImageEditor;
  for (const [editor, params, inside] of [
    [masked, { invert: true }, false],
    [masked, { invert: false }, true],
    [recolorEditor, { target: '#ff00ff' }, true],
  ] as const) {
    const [frame] = await frames(editor, [1], params);
    const data = frame?.image.data ?? new Uint8Array();
    let changedInside = 0;
    let changedOutside = 0;
    for (let p = 0; p < 63; p++) {
      const same = [0, 1, 2].every((c) => data[p * 3 + c] === SOURCE.data[p * 3 + c]);
      if (MASK.data[p] === 255) changedInside += same ? 0 : 1;
      else changedOutside += same ? 0 : 1;
    }
    if (inside) {
      assert.equal(changedOutside, 0, `${editor.id} ${JSON.stringify(params)}`);
      assert.ok(changedInside > 0);
    } else {
      assert.equal(changedInside, 0, `${editor.id} ${JSON.stringify(params)}`);
      assert.ok(changedOutside > 0);
    }
  }
});

void test('an aborted signal stops the path between frames', async () => {
  const controller = new AbortController();
  const seen: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const frame of brightnessEditor.edit(input(), [0, 0.5, 1], controller.signal)) {
        seen.push(frame.strength);
        controller.abort();
      }
    })(),
    { name: 'AbortError' },
  );
  assert.deepEqual(seen, [0]);
});

void test('the parameter each editor reports for t = 0.5', async () => {
  const expected: Readonly<Record<string, number>> = {
    brightness: 1.4,
    contrast: 0.65,
    saturation: 0.5,
    hue: 90,
    blur: 2,
    noise: 20,
    rotation: 180,
    recolor: 0.5,
    'masked-brightness': 1.4,
  };
  for (const editor of inMemory) {
    const [frame] = await frames(editor, [0.5]);
    assert.ok(
      Math.abs((frame?.parameter ?? NaN) - (expected[editor.id] ?? NaN)) < 1e-12,
      editor.id,
    );
  }
});

void test('a source whose buffer does not match its size is refused before any work', async () => {
  const broken: RgbImage = { width: 4, height: 4, data: new Uint8Array(47) };
  await assert.rejects(
    frames(brightnessEditor, [0], {}, { source: broken }),
    /needs 48 bytes, but has 47/,
  );
});
