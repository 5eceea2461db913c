// Command lines split as a POSIX shell splits words, without running one (expected words worked
// out from the shell's quoting rules: 'single' keeps everything, "double" lets \ escape " \ $ `).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { shellWords } from '../../../src/shared/shellWords';

test('words, quotes and escapes as a shell splits them', () => {
  assert.deepEqual(shellWords('python predict.py --checkpoint {checkpoint}'), [
    'python',
    'predict.py',
    '--checkpoint',
    '{checkpoint}',
  ]);
  assert.deepEqual(shellWords('  a   \'b c\'  "d e"\tf  '), ['a', 'b c', 'd e', 'f']);
  assert.deepEqual(shellWords('"my model/run.py" x'), ['my model/run.py', 'x']);
  assert.deepEqual(shellWords('it\\\'s \'a\\b\' "q\\"uote" "back\\\\slash" "keep\\n"'), [
    "it's",
    'a\\b',
    'q"uote',
    'back\\slash',
    'keep\\n',
  ]);
  assert.deepEqual(shellWords("a''b \"\" ''"), ['ab', '', ''], 'empty quotes are words');
  assert.deepEqual(
    shellWords('$HOME ~/x *.pt | >'),
    ['$HOME', '~/x', '*.pt', '|', '>'],
    'nothing expanded',
  );
  assert.deepEqual(shellWords(''), []);
});

test('an unclosed quote is refused', () => {
  assert.throws(() => shellWords("python 'predict.py"), /unclosed single quote/);
  assert.throws(() => shellWords('python "predict.py'), /unclosed double quote/);
});
