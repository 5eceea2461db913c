// Progress on standard error: a redrawn bar on a terminal; in a log (a cluster job's, CI), a line
// per phase, or for a folder run a line per image whatever phases each image goes through.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ProgressBar, wholeLines, type LogLines } from '../../../src/cli/progress';
import type { RunProgress } from '../../../src/shared/childProtocol';
import { HOSTILE_TEXT, hasTerminalControl } from '../helpers';

/** A stream that keeps what is written; a terminal or not. */
function stream(isTTY: boolean): { written: string[]; stream: NodeJS.WriteStream } {
  const written: string[] = [];
  const fake = {
    isTTY,
    columns: 60,
    write: (text: string) => {
      written.push(text);
      return true;
    },
  };
  return { written, stream: fake as unknown as NodeJS.WriteStream };
}

/** What a folder run of three images reports: loading, then per image its start and its steps. */
const FOLDER_RUN: RunProgress[] = [
  { phase: 'load', message: 'Loading unbiased.onnx' },
  ...['a.png', 'b.png', 'c.png'].flatMap((image, i): RunProgress[] => {
    const label = `Image ${i + 1} of 3: ${image}`;
    return [
      { phase: 'image', message: label, done: i, total: 3 },
      { phase: 'edit', message: `${label}: Editing 5 images`, done: i, total: 3 },
      { phase: 'classify', message: `${label}: Classifying`, done: i, total: 3 },
      { phase: 'measure', message: `${label}: Measuring unbiased`, done: i, total: 3 },
    ];
  }),
];

function log(reports: readonly RunProgress[], lines?: LogLines): string[] {
  const { written, stream: s } = stream(false);
  const bar = new ProgressBar(s, lines);
  for (const report of reports) bar.update(report);
  bar.finish();
  return written;
}

void test('in a log, a folder run writes one line per image', () => {
  assert.deepEqual(log(FOLDER_RUN, 'item'), [
    'Loading unbiased.onnx\n',
    'Image 1 of 3: a.png\n',
    'Image 2 of 3: b.png\n',
    'Image 3 of 3: c.png\n',
  ]);
  // Reports of one phase only (each image's steps coalesced away): still a line per image.
  const starts = FOLDER_RUN.filter((p) => p.phase === 'image');
  assert.deepEqual(log(starts, 'item'), [
    'Image 1 of 3: a.png\n',
    'Image 2 of 3: b.png\n',
    'Image 3 of 3: c.png\n',
  ]);
  // Two images in flight at once (image 2 edited while image 1 is classified): a line each.
  assert.deepEqual(
    log(
      [
        { phase: 'image', message: 'Image 1 of 3: a.png', done: 0, total: 3 },
        { phase: 'image', message: 'Image 2 of 3: b.png', done: 1, total: 3 },
        { phase: 'classify', message: 'Image 1 of 3: a.png: Classifying', done: 0, total: 3 },
        { phase: 'edit', message: 'Image 2 of 3: b.png: Editing', done: 1, total: 3 },
        { phase: 'image', message: 'Image 3 of 3: c.png', done: 2, total: 3 },
      ],
      'item',
    ),
    ['Image 1 of 3: a.png\n', 'Image 2 of 3: b.png\n', 'Image 3 of 3: c.png\n'],
  );
  // An image whose start was coalesced away is shown by its first step.
  assert.deepEqual(
    log(
      FOLDER_RUN.filter((p) => p.message !== 'Image 2 of 3: b.png'),
      'item',
    ),
    [
      'Loading unbiased.onnx\n',
      'Image 1 of 3: a.png\n',
      'Image 2 of 3: b.png: Editing 5 images\n',
      'Image 3 of 3: c.png\n',
    ],
  );
});

void test('in a log, a run of one image writes a line per phase, and the last of a count', () => {
  assert.deepEqual(
    log([
      { phase: 'load', message: 'Loading a' },
      { phase: 'edit', message: 'Editing 1 of 3', done: 1, total: 3 },
      { phase: 'edit', message: 'Editing 2 of 3', done: 2, total: 3 },
      { phase: 'edit', message: 'Editing 3 of 3', done: 3, total: 3 },
      { phase: 'measure', message: 'Measuring a' },
    ]),
    ['Loading a\n', 'Editing 1 of 3\n', 'Editing 3 of 3\n', 'Measuring a\n'],
  );
});

void test('on a terminal, the bar is redrawn in place for every report, then cleared', () => {
  for (const lines of ['phase', 'item'] as const) {
    const { written, stream: s } = stream(true);
    const bar = new ProgressBar(s, lines);
    bar.update({ phase: 'image', message: 'Image 2 of 4: b.png', done: 1, total: 4 });
    bar.update({ phase: 'edit', message: 'Image 2 of 4: b.png: Editing', done: 1, total: 4 });
    bar.finish();
    assert.deepEqual(written, [
      `\r\x1b[K[${'#'.repeat(6)}${'.'.repeat(18)}] Image 2 of 4: b.png`,
      `\r\x1b[K[${'#'.repeat(6)}${'.'.repeat(18)}] Image 2 of 4: b.png: Editing`,
      '\r\x1b[K',
    ]);
  }
});

void test("an image's name in a message is printed with its control characters escaped", () => {
  const reports: RunProgress[] = [
    { phase: 'image', message: `Image 1 of 2: ${HOSTILE_TEXT}.png`, done: 0, total: 2 },
  ];
  for (const lines of ['phase', 'item'] as const) {
    const line = log(reports, lines).join('');
    assert.ok(line.endsWith('.png\n'));
    assert.ok(!hasTerminalControl(line.slice(0, -1)), JSON.stringify(line));
  }
  const { written, stream: s } = stream(true);
  new ProgressBar(s).update({ ...reports[0], message: `Image 1 of 2: ${HOSTILE_TEXT}` });
  // The bar's own sequence (back to the start of the line, clear it) and nothing else.
  assert.ok((written[0] ?? '').startsWith('\r\x1b[K['));
  assert.ok(!hasTerminalControl((written[0] ?? '').slice(4)), JSON.stringify(written));
});

test("a log line from the inference process goes above the terminal's bar, which is drawn again", () => {
  const { written, stream: s } = stream(true);
  const bar = new ProgressBar(s);
  bar.update({ phase: 'load', message: 'Loading unbiased.onnx' });
  bar.interject('CPU inference runs on 2 threads.\n');
  bar.interject('two\nlines\n');
  assert.deepEqual(written.slice(1), [
    '\r\x1b[KCPU inference runs on 2 threads.\nLoading unbiased.onnx',
    '\r\x1b[Ktwo\nlines\nLoading unbiased.onnx',
  ]);
  bar.finish();
  // With no bar drawn, the line goes as it is; in a log too.
  bar.interject('after\n');
  assert.equal(written.at(-1), 'after\n');
  const log = stream(false);
  const logged = new ProgressBar(log.stream);
  logged.update({ phase: 'load', message: 'Loading' });
  logged.interject('line\n');
  assert.deepEqual(log.written, ['Loading\n', 'line\n']);
});

test('chunks of the inference process log go on as whole lines, the rest at the end', () => {
  const out: string[] = [];
  const lines = wholeLines((text) => out.push(text));
  lines.push('Loading unbiased.onnx\nCPU infer');
  lines.push('ence runs on 2 threads.\nhalf');
  lines.push(' a line');
  assert.deepEqual(out, ['Loading unbiased.onnx\n', 'CPU inference runs on 2 threads.\n']);
  lines.flush();
  lines.flush();
  assert.deepEqual(out.slice(2), ['half a line\n']);
  // A line that never ends goes out once it is long.
  lines.push('z'.repeat(70_000));
  assert.equal(out.at(-1), `${'z'.repeat(70_000)}\n`);
});
