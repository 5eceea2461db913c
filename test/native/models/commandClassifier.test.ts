// The classifier command with real processes: Node scripts under test/fixtures/commands stand in
// for the user's Python. onnxCommand.mjs runs a tiny ONNX fixture (logit0 = 4 * (meanR - meanB),
// test/fixtures/models/README.md) on the handed-over PNGs, so its answers are checked against the
// in-process ONNX classifier; behave.mjs speaks or breaks the protocol in one chosen way.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs, { mkdirSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, mock, test } from 'node:test';

import { loadCommandClassifier } from '../../../src/extension/models/commandClassifier';
import { loadClassifier } from '../../../src/extension/models/onnxClassifier';
import { softmax } from '../../../src/extension/models/outputs';
import { ModelInputError, type Classifier } from '../../../src/extension/models/types';
import type { CommandModelSpec } from '../../../src/shared/childProtocol';
import { ROOT } from '../../unit/helpers';
import { assertRejects, noiseImages, painted, solid } from '../../unit/models/helpers';
import { tempDir } from '../images/fixtures';

const temp = tempDir('command');
after(() => {
  temp.dispose();
});

const script = (name: string): string => join(ROOT, 'test', 'fixtures', 'commands', name);
const TINY = join(ROOT, 'test', 'fixtures', 'models', 'tiny-nchw.onnx');

/** onnxCommand.mjs on tiny-nchw.onnx as its checkpoint, labels red and blue. */
const ONNX_COMMAND: CommandModelSpec = {
  kind: 'command',
  command: [
    process.execPath,
    script('onnxCommand.mjs'),
    '{checkpoint}',
    '8',
    '--labels',
    'red,blue',
  ],
  checkpoint: TINY,
};

function behave(mode: string, more: Partial<CommandModelSpec> = {}): CommandModelSpec {
  return { kind: 'command', command: [process.execPath, script('behave.mjs'), mode], ...more };
}

let runs = 0;
/** Loads `spec` with a fresh work folder; `log` receives the command's stderr lines. */
async function load(
  spec: CommandModelSpec,
  log: (line: string) => void = () => undefined,
  signal?: AbortSignal,
): Promise<{ classifier: Classifier; workDir: string }> {
  const workDir = join(temp.path, `run-${++runs}`);
  mkdirSync(workDir);
  const classifier = await loadCommandClassifier(spec, { workDir, log, signal });
  return { classifier, workDir };
}

/** Loads, runs `work`, and always disposes. */
async function withClassifier<T>(
  spec: CommandModelSpec,
  work: (classifier: Classifier, workDir: string) => T | Promise<T>,
): Promise<T> {
  const { classifier, workDir } = await load(spec);
  try {
    return await work(classifier, workDir);
  } finally {
    await classifier.dispose();
  }
}

const rowsOf = (rows: readonly Float32Array[]): number[][] => rows.map((r) => Array.from(r));

/** Whether a process is gone (a zombie counts as gone: it runs no more, only waits to be reaped). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  if (process.platform !== 'linux') return false;
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Waits until `pid` is gone, at most `seconds` (a grandchild is reaped by someone else). */
async function waitGone(pid: number, seconds: number): Promise<boolean> {
  for (let i = 0; i < seconds * 20 && !gone(pid); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return gone(pid);
}

/** The pid a behave.mjs mode prints on stderr ("pid N", "grandchild N"), as the log saw it. */
function pidFrom(lines: readonly string[], what = 'pid'): number {
  const line = lines.find((l) => new RegExp(` ${what} \\d+$`).test(l));
  return Number(line?.split(` ${what} `)[1] ?? NaN);
}

describe('a command that speaks the protocol', () => {
  test('answers as the same model run in process, over several requests; info says what ran', async () => {
    // 40 images of assorted sizes: a request of 32 and one of 8, some resized, some not.
    const images = [
      solid(8, 8, [255, 0, 0]),
      solid(8, 8, [0, 0, 255]),
      painted(8, 8, (_, y) => (y < 6 ? [255, 0, 0] : [0, 0, 255])),
      ...noiseImages(20, 8, 8, 3),
      ...noiseImages(17, 13, 9, 4),
    ];
    const onnx = await loadClassifier(TINY);
    const expected = rowsOf(await onnx.predict(images));
    await onnx.dispose();
    await withClassifier(ONNX_COMMAND, async (classifier, workDir) => {
      const { info } = classifier;
      assert.equal(info.kind, 'command');
      assert.equal(info.path, TINY);
      assert.equal(info.sha256, createHash('sha256').update(readFileSync(TINY)).digest('hex'));
      assert.deepEqual(info.command?.slice(1), [
        script('onnxCommand.mjs'),
        TINY,
        '8',
        '--labels',
        'red,blue',
      ]);
      assert.deepEqual(info.labels, ['red', 'blue']);
      assert.equal(info.outputs, 2);
      assert.equal(info.provider, 'command');
      const rows = rowsOf(await classifier.predict(images));
      // Red: logits 4, -4, then the softmax (the hello says logits).
      assert.deepEqual(rows[0], Array.from(softmax([4, -4])));
      assert.deepEqual(rows, expected);
      const [folder = ''] = readdirSync(workDir);
      assert.deepEqual(
        readdirSync(join(workDir, folder)),
        [],
        'each request removed after its answer',
      );
    });
  });

  test('a hand-over file that cannot be written (a full disk): none left, and the next request works', async () => {
    await withClassifier(behave('ok'), async (classifier, workDir) => {
      const images = noiseImages(3, 8, 8, 5);
      const writeFileSync = fs.writeFileSync.bind(fs);
      let writes = 0;
      mock.method(fs, 'writeFileSync', (...args: Parameters<typeof fs.writeFileSync>) => {
        if (++writes === 2) throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
        writeFileSync(...args);
      });
      try {
        await assert.rejects(classifier.predict(images), { code: 'ENOSPC' });
      } finally {
        mock.restoreAll();
      }
      const [folder = ''] = readdirSync(workDir);
      assert.deepEqual(readdirSync(join(workDir, folder)), [], 'the file written was removed');
      assert.deepEqual(
        rowsOf(await classifier.predict(images)).map((r) => r.length),
        [3, 3, 3],
      );
    });
  });

  test('without labels, a probe at load tells the width; labels are class 0..n-1', async () => {
    await withClassifier(behave('unlabelled'), async (classifier) => {
      assert.equal(classifier.info.outputs, 3);
      assert.deepEqual(classifier.info.labels, ['class 0', 'class 1', 'class 2']);
      const images = noiseImages(3, 4, 4);
      assert.deepEqual(
        rowsOf(await classifier.predict(images)),
        [0, 1, 2].map((i) => Array.from(softmax([i, 0, 0]))),
        'image i of the request: logits [i, 0, 0]',
      );
    });
  });

  test('{checkpoint} in its arguments, run in the current folder or the given one; probabilities as they are', async () => {
    const checkpoint = join(temp.path, 'ep10.pt');
    await copyFile(TINY, checkpoint);
    const spec = behave('args', {
      command: [process.execPath, script('behave.mjs'), 'args', '--ckpt={checkpoint}'],
      checkpoint,
    });
    await withClassifier(spec, ({ info }) => {
      assert.deepEqual(info.labels, [`--ckpt=${checkpoint}`, realpathSync(process.cwd())]);
    });
    await withClassifier({ ...spec, cwd: temp.path }, ({ info }) => {
      assert.equal(info.labels[1], realpathSync(temp.path));
    });
  });

  test('without a checkpoint: path empty, sha256 of the command line', async () => {
    const spec = behave('ok');
    await withClassifier(spec, ({ info }) => {
      assert.equal(info.path, '');
      assert.equal(
        info.sha256,
        createHash('sha256').update(JSON.stringify(spec.command)).digest('hex'),
      );
    });
  });
});

describe('a command that fails to load', () => {
  const names = (spec: CommandModelSpec): string =>
    `The classifier command \`${spec.command.map((w) => (w.includes(' ') ? JSON.stringify(w) : w)).join(' ')}\``;

  test('exits before its hello: the exit code and its stderr', async () => {
    const spec = behave('exit');
    await assertRejects(load(spec), {
      names: names(spec),
      says: [
        / exited with code 3 before its hello\. Run the command by hand/,
        /\n {2}cannot load the checkpoint$/,
      ],
    });
  });

  test('only the last 20 stderr lines are shown', async () => {
    const spec = behave('stderr');
    await assertRejects(load(spec), {
      names: names(spec),
      says: [
        new RegExp(
          `Its last stderr lines:\\n${Array.from({ length: 20 }, (_, i) => ` {2}stderr line ${i + 11}`).join('\\n')}$`,
        ),
      ],
    });
  });

  test('a program that does not exist, a checkpoint that does not exist, a missing checkpoint', async () => {
    const missing: CommandModelSpec = {
      kind: 'command',
      command: [join(temp.path, 'nope', 'python')],
    };
    await assertRejects(load(missing), {
      names: names(missing),
      says: [
        /could not be started: ".*nope\/python" was not found/,
        /runs without a shell/,
        /printed nothing on stderr/,
      ],
    });
    const checkpoint = join(temp.path, 'gone.pt');
    await assertRejects(load({ ...ONNX_COMMAND, checkpoint }), {
      names: `(checkpoint ${checkpoint}): the checkpoint cannot be used: it does not exist`,
      says: [/--checkpoint/],
    });
    await assertRejects(load({ kind: 'command', command: ['python', '{checkpoint}'] }), {
      names: '`python {checkpoint}`',
      says: [/names \{checkpoint\}, but no checkpoint file was given/],
    });
    // spawn refuses a NUL byte at once: a user's error, and the hand-over folder is removed.
    const before = runs + 1;
    await assert.rejects(load(behave('ok\0x')), (error: unknown) => {
      assert.ok(error instanceof ModelInputError, String(error));
      assert.match(error.message, /could not be started/);
      return true;
    });
    assert.deepEqual(readdirSync(join(temp.path, `run-${before}`)), [], 'no hand-over folder left');
    await assertRejects(load(behave('ok', { helloSeconds: 0 })), {
      names: 'behave.mjs ok',
      says: [/helloSeconds must be more than 0/],
    });
  });

  test('no hello within helloSeconds: killed, with how to raise the limit', async () => {
    const lines: string[] = [];
    const spec = behave('silent', { helloSeconds: 0.5 });
    await assertRejects(
      load(spec, (line) => lines.push(line)),
      {
        names: names(spec),
        says: [/printed no hello within 0\.5 s/, /--hello-timeout/, /helloSeconds/],
      },
    );
    assert.ok(gone(pidFrom(lines)), 'the silent command was killed');
  });

  test('a stray line, another protocol version', async () => {
    await assertRejects(load(behave('junk')), {
      names: 'behave.mjs junk',
      says: [/printed "Loading model\.\.\." on stdout instead of its hello/, /stderr/],
    });
    await assertRejects(load(behave('version')), {
      names: 'behave.mjs version',
      says: [/protocol version 2/],
    });
  });

  test('cancelled while waiting for the hello: the process is gone', async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    const loading = load(
      behave('silent'),
      (line) => {
        lines.push(line);
        controller.abort();
      },
      controller.signal,
    );
    await assert.rejects(loading, { name: 'AbortError' });
    assert.ok(gone(pidFrom(lines)));
  });
});

describe('a command that breaks the protocol while classifying', () => {
  const images = noiseImages(2, 8, 8);

  for (const [mode, says] of [
    ['wrong-id', /answered id 2 when request 1 was waiting/],
    ['rows', /answered request 1 \(2 images\) with 1 rows/],
    ['width', /with 2 scores in row 0 where its labels say 3/],
    ['nan', /answered request 1 with NaN or Infinity/],
  ] as const) {
    test(`${mode}: refused, killed, and every later request refused alike`, async () => {
      await withClassifier(behave(mode), async (classifier) => {
        const refusal = { names: 'behave.mjs', says: [says] };
        await assertRejects(classifier.predict(images), refusal);
        await assertRejects(classifier.predict(images), refusal);
      });
    });
  }

  test('an error answer is shown in its own words', async () => {
    await withClassifier(behave('error'), async (classifier) => {
      await assertRejects(classifier.predict(images), {
        names: 'behave.mjs error',
        says: [
          /answered request 1 \(2 images\) with the error "CUDA out of memory"\. Fix what it says/,
        ],
      });
    });
  });

  test('dies during a request: rejected at once with its exit and stderr', async () => {
    await withClassifier(behave('die'), async (classifier) => {
      await assertRejects(classifier.predict(images), {
        names: 'behave.mjs die',
        says: [/exited with code 1 during request 1/, /\n {2}dying on request 1$/],
      });
    });
  });

  test('no answer within batchSeconds', async () => {
    await withClassifier(behave('hang', { batchSeconds: 0.5 }), async (classifier) => {
      await assertRejects(classifier.predict(images), {
        names: 'behave.mjs hang',
        says: [/did not answer request 1 \(2 images\) within 0\.5 s/, /--batch-timeout/],
      });
    });
  });
});

describe('stopping a command', () => {
  test('a cancelled request kills the process and its group', async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    const { classifier } = await load(behave('family'), (line) => {
      lines.push(line);
      if (line.endsWith('got request 1')) controller.abort();
    });
    try {
      await assert.rejects(classifier.predict(noiseImages(2, 8, 8), controller.signal), {
        name: 'AbortError',
      });
      // Before any dispose: the cancel itself stopped them.
      assert.ok(gone(pidFrom(lines)), 'the command is gone once predict rejects');
      if (process.platform !== 'win32') {
        const grandchild = pidFrom(lines, 'grandchild');
        assert.ok(await waitGone(grandchild, 5), 'its grandchild was stopped with it');
      }
      await assert.rejects(classifier.predict(noiseImages(1, 8, 8)), /stopped by a cancel/);
    } finally {
      await classifier.dispose();
    }
  });

  test('dispose closes stdin and the command exits; one that will not is killed', async () => {
    for (const mode of ['hang', 'stubborn']) {
      const lines: string[] = [];
      const { classifier } = await load(behave(mode), (line) => lines.push(line));
      assert.equal(classifier.info.outputs, 3);
      await classifier.dispose();
      assert.ok(gone(pidFrom(lines)), `${mode}: gone once dispose returns`);
    }
  });
});
