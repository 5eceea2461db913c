// Strings from files others wrote reach terminals and CI logs through the command line: their
// control characters are printed as escapes, never raw.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { terminalLines, terminalText } from '../../../src/cli/terminal';
import { HOSTILE_TEXT, hasTerminalControl } from '../helpers';

void test('control, bidirectional and separator characters are written as escapes', () => {
  assert.equal(
    terminalText(HOSTILE_TEXT),
    'a\\u001b]8;;http://evil.example\\u001b\\link\\u001b]8;;\\u001b\\\\u001b[2J\\u000db\\u0008c\\u000a::error::d\\u202ee\\u009b2Jf\\u2028g\\u2066h',
  );
  assert.ok(!hasTerminalControl(terminalText(HOSTILE_TEXT)));
  // Text without them is as it was: accents, symbols, other scripts, backslashes.
  for (const plain of ['cat 0.990 -> dog', 'Ünïcödé × → ± 猫 🐈', 'C:\\models\\a.onnx'])
    assert.equal(terminalText(plain), plain);
});

void test('a whole output keeps its own line breaks, and JSON reads the same data', () => {
  assert.equal(terminalLines('one\ntwo \x1b[2J\n'), 'one\ntwo \\u001b[2J\n');
  const data = { name: HOSTILE_TEXT, labels: [HOSTILE_TEXT, '\u202e', 'plain'] };
  const json = terminalLines(JSON.stringify(data, null, 2));
  assert.ok(!hasTerminalControl(json, true));
  assert.deepEqual(JSON.parse(json), data);
});
