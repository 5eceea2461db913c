// What the panel's webview may load: the extension's assets and the result's own folder, never the
// folder of an image that a (shared, untrusted) result names outside it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  resourceRootPaths,
  resultRoots,
  shownSourcePath,
} from '../../../src/extension/panel/resourceRoots';

const ext = join('/', 'ext');
const result = join('/', 'ws', 'explanations', 'cat.propsweep.json');

test('the roots are the media and dist folders, and the result folder once a result is shown', () => {
  assert.deepEqual(resourceRootPaths(ext, undefined), [join(ext, 'media'), join(ext, 'dist')]);
  assert.deepEqual(resourceRootPaths(ext, result), [
    join(ext, 'media'),
    join(ext, 'dist'),
    join('/', 'ws', 'explanations'),
  ]);
});

test('a source image outside the result folder is not shown (the first frame stands in)', () => {
  assert.equal(shownSourcePath(result, join('/', 'ws', 'cat.png')), null);
  assert.equal(shownSourcePath(result, join('/', 'home', 'me', '.ssh', 'id_rsa')), null);
  assert.equal(shownSourcePath(result, join('/', 'ws', 'explanations-other', 'cat.png')), null);
  assert.equal(shownSourcePath(result, null), null);
  const inside = join('/', 'ws', 'explanations', 'images', 'cat.png');
  assert.equal(shownSourcePath(result, inside), inside);
  const dotted = join('/', 'ws', 'explanations', '..cat.png');
  assert.equal(shownSourcePath(result, dotted), dotted);
});

test("a shown result's paths may point into its folder and the workspace folders", () => {
  const result = join('/w', 'results', 'cat.propsweep.json');
  assert.deepEqual(resultRoots(result, [join('/w'), join('/other')]), [
    join('/w', 'results'),
    join('/w'),
    join('/other'),
  ]);
  assert.deepEqual(resultRoots(result, []), [join('/w', 'results')]);
});
