// The registry: ids, help text, periods and the region the quality report compares.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  EDITORS,
  editorById,
  editorHelp,
  intendedRegion,
  listEditors,
} from '../../../src/extension/editors/registry';
import { EditorInputError, type EditorParams } from '../../../src/extension/editors/types';
import { grayFrom } from '../images/builders';

void test('every editor of the brief is registered once, with documented parameters', () => {
  assert.deepEqual(
    EDITORS.map((e) => e.id),
    [
      'brightness',
      'contrast',
      'saturation',
      'hue',
      'blur',
      'noise',
      'rotation',
      'recolor',
      'masked-brightness',
      'blend',
      'sequence',
      'instruct-pix2pix',
    ],
  );
  for (const info of listEditors()) {
    assert.ok(info.title.length > 10, info.id);
    assert.equal(editorById(info.id).id, info.id);
    for (const p of info.params) {
      assert.ok(p.doc.length > 10, `${info.id}.${p.name}`);
      assert.ok(p.example.startsWith(`${p.name}=`), `${info.id}.${p.name}`);
      // The example in every message must itself be accepted.
      const [, value] = p.example.split('=');
      const editor = editorById(info.id);
      const required = Object.fromEntries(
        info.params
          .filter((q) => q.required === true && q.name !== p.name)
          .map((q) => [q.name, q.example.split('=')[1] ?? '']),
      );
      const extra =
        info.id === 'sequence' && p.name !== 'folder' && p.name !== 'csv' ? { folder: 'f' } : {};
      assert.doesNotThrow(
        () => editor.resolveParams({ ...required, ...extra, [p.name]: value ?? '' }),
        `${info.id}.${p.name}`,
      );
    }
  }
  assert.equal(listEditors().filter((e) => e.needsMask).length, 2);
  assert.equal(editorById('sequence').identityAtZero, false);
  assert.equal(editorById('instruct-pix2pix').identityAtZero, false);
});

void test('an unknown id lists the editors', () => {
  assert.throws(
    () => editorById('brightnes'),
    (error: unknown) => {
      assert.ok(error instanceof EditorInputError);
      assert.match(
        error.message,
        /no editor "brightnes"\. Editors: brightness, contrast, .*sequence, instruct-pix2pix\./,
      );
      return true;
    },
  );
});

void test('help lists every editor and parameter with its default', () => {
  const help = editorHelp();
  assert.match(help, /^brightness: Brightness/m);
  assert.match(help, /^recolor \(needs a mask\): /m);
  assert.match(help, /--param factor=\.\.\. +brightness factor at t = 1 .*\(default 1\.8\)/);
  assert.match(help, /--param target=\.\.\. .*\(required\)/);
  assert.match(help, /--param overlayMask=\.\.\. .*\(optional\)/);
  assert.equal(help.split('\n').filter((l) => !l.startsWith(' ')).length, EDITORS.length);
});

void test('periodOf: a full turn or more of rotation and hue is periodic in t', () => {
  const period = (id: string, params: EditorParams): number | undefined =>
    editorById(id).periodOf?.(params);
  assert.equal(period('rotation', {}), 1);
  assert.equal(period('rotation', { degrees: 720 }), 0.5);
  assert.equal(period('rotation', { degrees: -360 }), 1);
  assert.equal(period('rotation', { degrees: 90 }), undefined);
  assert.equal(period('hue', {}), undefined);
  assert.equal(period('hue', { degrees: '360' }), 1);
  assert.equal(period('sequence', { folder: 'x', period: 360 }), 360);
  assert.equal(period('sequence', { folder: 'x' }), undefined);
  assert.equal('periodOf' in editorById('brightness'), false);
});

void test('intendedRegion: the mask, its inverse for invert=true, nothing for global editors', () => {
  const mask = grayFrom([[255, 0, 64]]);
  assert.equal(intendedRegion(editorById('recolor'), { target: '#000000' }, mask), mask);
  assert.equal(intendedRegion(editorById('masked-brightness'), {}, mask), mask);
  assert.deepEqual(
    [...(intendedRegion(editorById('masked-brightness'), { invert: 'true' }, mask)?.data ?? [])],
    [0, 255, 191],
  );
  assert.equal(intendedRegion(editorById('brightness'), {}, mask), undefined);
  assert.equal(intendedRegion(editorById('recolor'), { target: '#000000' }, undefined), undefined);
});
