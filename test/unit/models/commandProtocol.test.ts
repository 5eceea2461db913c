// The classifier command protocol's pure half: which lines are accepted, what every refusal says,
// and the bounds on what is read (commandProtocol.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  COMMAND_LIMITS,
  LineSplitter,
  ProtocolProblem,
  StreamTail,
  commandText,
  parseAnswer,
  parseHello,
  quoted,
  requestLine,
  resolveCommand,
} from '../../../src/extension/models/commandProtocol';
import { LIMITS } from '../../../src/shared/limits';

/** Asserts that `fn` throws a ProtocolProblem whose `what` and `todo` match. */
function refuses(fn: () => unknown, what: RegExp, todo: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ProtocolProblem, `expected a ProtocolProblem, got ${String(error)}`);
    assert.match(error.what, what);
    assert.match(error.todo, todo);
    return true;
  });
}

describe('parseHello', () => {
  test('labels and outputs as given; labels optional', () => {
    assert.deepEqual(
      parseHello('{"propsweep": 1, "labels": ["cat", "dog"], "outputs": "logits"}'),
      {
        labels: ['cat', 'dog'],
        outputs: 'logits',
      },
    );
    assert.deepEqual(parseHello('{"propsweep": 1, "outputs": "probabilities", "extra": true}'), {
      labels: null,
      outputs: 'probabilities',
    });
  });

  test('a line that is not the hello is quoted, with where logs go', () => {
    refuses(
      () => parseHello('Loading model...'),
      /^printed "Loading model\.\.\." on stdout instead of its hello$/,
      /print logs and progress to stderr \(in Python, print\(\.\.\., file=sys\.stderr\)\)/,
    );
    refuses(() => parseHello('[1, 2]'), /printed "\[1, 2\]"/, /Print the hello/);
    refuses(() => parseHello('{"id": 1}'), /instead of its hello/, /"propsweep": 1/);
  });

  test('a long stray line is quoted in part, with its length', () => {
    const line = 'x'.repeat(5000);
    refuses(
      () => parseHello(line),
      new RegExp(`^printed "x{${COMMAND_LIMITS.quotedChars}}"\\.\\.\\. \\(5000 characters\\)`),
      /stderr/,
    );
  });

  test('another protocol version, outputs missing or unknown, bad labels', () => {
    refuses(
      () => parseHello('{"propsweep": 2, "outputs": "logits"}'),
      /protocol version 2/,
      /speaks version 1/,
    );
    refuses(
      () => parseHello('{"propsweep": 1}'),
      /"outputs": undefined/,
      /"logits".*"probabilities"/,
    );
    refuses(
      () => parseHello('{"propsweep": 1, "outputs": "softmax"}'),
      /"outputs": "softmax"/,
      /"logits"/,
    );
    for (const [labels, what] of [
      ['"cat"', /"labels": "cat", not a list/],
      ['[]', /an empty "labels" list/],
      ['["a", 3]', /label 1 3/],
      ['["a", ""]', /label 1 ""/],
      [`["${'y'.repeat(LIMITS.labelChars + 1)}"]`, /label 0/],
    ] as const) {
      refuses(
        () => parseHello(`{"propsweep": 1, "outputs": "logits", "labels": ${labels}}`),
        what,
        /one per score, or leave it out/,
      );
    }
  });
});

describe('parseAnswer', () => {
  const shape = { id: 4, images: 2, width: 3 };

  test('rows as float32, one per image', () => {
    const answer = parseAnswer('{"id": 4, "outputs": [[1, 2.5, -3], [0, 0, 1e-3]]}', shape);
    assert.ok('rows' in answer);
    assert.deepEqual(
      answer.rows.map((r) => Array.from(r)),
      [
        [1, 2.5, -3],
        [0, 0, Math.fround(1e-3)],
      ],
    );
    assert.ok(answer.rows.every((r) => r instanceof Float32Array));
  });

  test('an unknown width is taken from the first row and held for the others', () => {
    const probe = { id: 1, images: 1, width: null };
    const answer = parseAnswer('{"id": 1, "outputs": [[0.5, 0.25]]}', probe);
    assert.ok('rows' in answer && answer.rows[0]?.length === 2);
    refuses(
      () => parseAnswer('{"id": 1, "outputs": [[0.5, 0.25], [1]]}', { ...probe, images: 2 }),
      /1 scores in row 1 where row 0 has 2/,
      /every list as long/,
    );
    refuses(
      () => parseAnswer('{"id": 1, "outputs": [[]]}', probe),
      /rows of 0 scores/,
      new RegExp(`1 to ${LIMITS.outputs} scores`),
    );
  });

  test('an error answer is passed on as text', () => {
    assert.deepEqual(parseAnswer('{"id": 4, "error": "CUDA out of memory"}', shape), {
      error: 'CUDA out of memory',
    });
    assert.deepEqual(parseAnswer('{"id": 4, "error": {"code": 7}}', shape), {
      error: '{"code":7}',
    });
  });

  test('every way an answer can break the protocol is named', () => {
    const cases: [string, RegExp, RegExp][] = [
      ['100%|#####|', /printed "100%\|#####\|" on stdout while .* request 4$/, /\{"id": 4/],
      ['{"outputs": [[1, 2, 3], [1, 2, 3]]}', /printed/, /stderr/],
      ['{"id": 5, "outputs": []}', /answered id 5 when request 4 was waiting/, /in order/],
      ['{"id": "4", "outputs": []}', /answered id "4"/, /in order/],
      ['{"id": 4}', /\(2 images\) with "outputs": undefined, not a list of rows/, /one list/],
      [
        '{"id": 4, "outputs": [[1, 2, 3]]}',
        /\(2 images\) with 1 rows$/,
        /one list of scores per image/,
      ],
      ['{"id": 4, "outputs": [[1, 2, 3], 7]}', /row 1 7, not a list of numbers/, /one list/],
      [
        '{"id": 4, "outputs": [[1, 2, 3], [1, 2]]}',
        /2 scores in row 1 where its labels say 3/,
        /as long/,
      ],
      [
        '{"id": 4, "outputs": [[1, 2, 3], [1, "2", 3]]}',
        /"2" as score 1 of row 1/,
        /must be a number/,
      ],
      [
        '{"id": 4, "outputs": [[1, null, 3], [1, 2, 3]]}',
        /null as score 1 of row 0 \(JavaScript writes NaN/,
        /non-finite/,
      ],
      [
        '{"id": 4, "outputs": [[NaN, 0, 0], [1, 2, 3]]}',
        /with NaN or Infinity, which JSON cannot hold/,
        /non-finite/,
      ],
      [
        '{"id": 4, "outputs": [[-Infinity, 0, 0], [1, 2, 3]]}',
        /NaN or Infinity/,
        /its own framework/,
      ],
      [
        '{"id": 4, "outputs": [[1e39, 0, 0], [1, 2, 3]]}',
        /1e\+39 as score 0 of row 0, beyond float32/,
        /finite 32-bit/,
      ],
    ];
    for (const [line, what, todo] of cases) refuses(() => parseAnswer(line, shape), what, todo);
  });

  test('"error": null beside the outputs is no error (Python writes None so)', () => {
    // It was taken for an error answer and failed the run with the error "null".
    const answer = parseAnswer(
      '{"id": 4, "outputs": [[1, 2, 3], [0, 0, 1]], "error": null}',
      shape,
    );
    assert.ok('rows' in answer && answer.rows.length === 2);
    refuses(
      () => parseAnswer('{"id": 4, "error": null}', shape),
      /with "outputs": undefined, not a list of rows/,
      /one list/,
    );
  });

  test('a log line that says NaN or Infinity is a stray line, not a non-finite answer', () => {
    // It was reported as scores JSON cannot hold, with advice to check the model.
    for (const line of ['Setting the patience to Infinity', 'epoch 3: loss NaN']) {
      refuses(() => parseAnswer(line, shape), /^printed ".*" on stdout while/, /stderr/);
    }
  });

  test('a label or error text containing NaN is not taken for a number', () => {
    assert.deepEqual(parseAnswer('{"id": 4, "error": "got NaN"}', shape), { error: 'got NaN' });
  });
});

describe('LineSplitter', () => {
  const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

  test('lines across chunks, \\r\\n, and UTF-8 split inside a character', () => {
    const splitter = new LineSplitter(100);
    const euro = bytes('€'); // 3 bytes
    assert.deepEqual(splitter.push(bytes('{"a":')), []);
    assert.deepEqual(splitter.push(bytes('1}\r\nsecond\nthi')), ['{"a":1}', 'second']);
    assert.deepEqual(splitter.push(euro.subarray(0, 1)), []);
    assert.deepEqual(splitter.push(Uint8Array.of(...euro.subarray(1), 10)), ['thi€']);
  });

  test('a line longer than the bound is refused as soon as it passes it', () => {
    const splitter = new LineSplitter(10);
    assert.deepEqual(splitter.push(bytes('0123456789\n')), ['0123456789']);
    assert.deepEqual(splitter.push(bytes('01234')), []);
    refuses(
      () => splitter.push(bytes('567890')),
      /printed a line longer than 10 bytes on stdout/,
      /newline/,
    );
  });

  test('the default bound is 64 MiB', () => {
    refuses(
      () => new LineSplitter().push(new Uint8Array(COMMAND_LIMITS.lineBytes + 1)),
      /longer than 64 MiB/,
      /at most 32 rows/,
    );
  });
});

describe('StreamTail', () => {
  test('keeps the last lines, each cut, the unfinished one included', () => {
    const tail = new StreamTail(3, 5);
    assert.deepEqual(tail.push('one\ntwo\nthree\nfo'), ['one', 'two', 'three']);
    assert.deepEqual(tail.push('ur\nfive-and-more\nsi'), ['four', 'five-...']);
    assert.deepEqual(tail.lines(), ['four', 'five-...', 'si']);
  });

  test('a carriage return redraws the line: the last drawing is kept', () => {
    const tail = new StreamTail(3, 100);
    tail.push(' 10%|#\r 50%|#####\r');
    tail.push('100%|##########|\r\ndone\n');
    assert.deepEqual(tail.lines(), ['100%|##########|', 'done']);
  });

  test('an endless line without a newline stays bounded', () => {
    const tail = new StreamTail(2, 8);
    for (let i = 0; i < 1000; i++) tail.push('abcdefghij');
    assert.deepEqual(tail.lines(), ['abcdefgh...']);
  });
});

test('the checkpoint goes into every argument that names it; messages quote odd words', () => {
  assert.deepEqual(
    resolveCommand(['python', 'p.py', '--ckpt={checkpoint}', '{checkpoint}'], '/m/ep1.pt'),
    ['python', 'p.py', '--ckpt=/m/ep1.pt', '/m/ep1.pt'],
  );
  assert.deepEqual(resolveCommand(['a', '{checkpoint}'], undefined), ['a', '{checkpoint}']);
  assert.equal(
    commandText(['python', 'my script.py', '', 'a"b', '--x']),
    'python "my script.py" "" "a\\"b" --x',
  );
  assert.equal(commandText(['x'.repeat(600)]).length, 500);
  assert.equal(requestLine(3, ['/a/000.png']), '{"id":3,"images":["/a/000.png"]}\n');
  assert.equal(quoted('ab', 1), '"a"... (2 characters)');
});
