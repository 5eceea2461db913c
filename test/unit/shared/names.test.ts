// One set of rules for result names, shared by the extension and the CLI.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MAX_NAME_LENGTH, resultName, resultNameProblem } from '../../../src/shared/names';

test('a default name is derived safely from any image path', () => {
  assert.equal(resultName('/x/My Cat (1).JPG', 'colour-light'), 'My_Cat_1_-colour-light');
  assert.equal(resultName('C:\\pics\\chat noir.png', 'blur'), 'chat_noir-blur');
  assert.equal(resultName('/x/.png', 'blur'), '-blur');
  assert.equal(resultName('/x/..hidden.png', 'blur'), 'hidden-blur');
  assert.equal(resultName('/x/con.png', 'x'), 'con-x');
  assert.equal(resultName('/x/image.png', '../../etc'), 'image-.._.._etc');
  assert.equal(resultName(`/x/${'a'.repeat(300)}.png`, 'blur').length, MAX_NAME_LENGTH);
  assert.equal(resultName('/x/con.x.png', 'blur'), '_con.x-blur');
  for (const path of ['/x/My Cat (1).JPG', '/x/..hidden.png', '/x/ü.png', '/x/a b/c d.webp']) {
    assert.equal(resultNameProblem(resultName(path, 'hue')), null, path);
  }
});

test('names that are not one plain file name are refused with the reason', () => {
  assert.match(resultNameProblem('.') ?? '', /starts with '\.'/);
  assert.match(resultNameProblem('..') ?? '', /starts with '\.'/);
  assert.match(resultNameProblem('.env') ?? '', /starts with '\.'/);
  assert.match(resultNameProblem('a/b') ?? '', /path separator/);
  assert.match(resultNameProblem('a\\b') ?? '', /path separator/);
  assert.match(resultNameProblem('my cat') ?? '', /letters, digits/);
  assert.match(resultNameProblem('') ?? '', /empty/);
  assert.match(resultNameProblem('x'.repeat(MAX_NAME_LENGTH + 1)) ?? '', /longer than 200/);
  assert.match(resultNameProblem('NUL') ?? '', /device name/);
  assert.equal(resultNameProblem('cat.v2_final-1'), null);
});
