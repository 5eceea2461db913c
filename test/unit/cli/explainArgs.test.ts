// `propsweep explain` checks its flags before any work: the bounds of shared/limits.ts, and a
// result name that is one safe file name (derived from the image when not given).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { UsageError } from '../../../src/cli/args';
import { explainRequest, explainTable, runInChild } from '../../../src/cli/explainCommand';
import { CHILD_PROTOCOL_VERSION } from '../../../src/shared/childProtocol';
import { sampleResult } from '../builders';
import { cli, HOSTILE_TEXT, hasTerminalControl } from '../helpers';

const BASE = ['--image', 'cat.png', '--model', 'm.onnx', '--editor', 'brightness'];

function request(extra: string[], image = 'cat.png') {
  const parsed = explainRequest(['--image', image, ...BASE.slice(2), ...extra]);
  assert.notEqual(parsed, 'help');
  return parsed === 'help' ? assert.fail() : parsed.request;
}

const usage = (pattern: RegExp) => (e: unknown) =>
  e instanceof UsageError && pattern.test(e.message);

describe('explain flags', () => {
  test('--steps above the bound exits 2 with a message, before any file is read', () => {
    // Neither cat.png nor m.onnx exists: the answer is about the steps, so nothing ran.
    const r = cli(['explain', ...BASE, '--steps', '5000']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--steps must be a whole number from 3 .* to 1001, got 5000/);
    assert.doesNotMatch(r.stderr, /cat\.png|m\.onnx/);
    assert.throws(() => request(['--steps', '2']), usage(/from 3/));
    assert.equal(request(['--steps', '1001']).steps, 1001);
  });

  test('--permutations 1e9 and 1e12 are refused up front', () => {
    for (const k of ['1e9', '1e12']) {
      assert.throws(
        () => request(['--permutations', k]),
        usage(new RegExp(`must be 1 to 1,000,000, got ${String(Number(k))}`)),
      );
    }
    assert.throws(() => request(['--permutations', '0']), usage(/--permutations must be 1 to/));
    assert.equal(request(['--permutations', '1000000']).permutations, 1e6);
  });

  test("--device-id is a GPU's index: 0 or more", () => {
    assert.throws(() => request(['--device-id=-1']), usage(/--device-id must be a GPU's index/));
    assert.equal(request(['--device-id', '1']).deviceId, 1);
  });

  test('the default name is derived safely from any image file name', () => {
    assert.equal(request([], 'pics/my cat (1).png').name, 'my_cat_1_-brightness');
    assert.equal(request([], '.hidden.png').name, 'hidden-brightness');
    assert.match(request([], 'pics/my cat.png').outDir, /propsweep-out[/\\]my_cat-brightness$/);
  });

  test('--name refuses dot names, separators and unsafe characters', () => {
    assert.throws(() => request(['--name', '.']), usage(/starts with '\.'/));
    assert.throws(() => request(['--name', '..']), usage(/starts with '\.'/));
    assert.throws(() => request(['--name', 'a/b']), usage(/path separator/));
    assert.throws(() => request(['--name', '..\\b']), usage(/"\.\.\\b" cannot name/));
    assert.throws(() => request(['--name', 'my cat']), usage(/letters, digits/));
    assert.throws(() => request(['--name', '']), usage(/empty/));
    assert.equal(request(['--name', 'cat.v2_final-1']).name, 'cat.v2_final-1');
    const r = cli(['explain', ...BASE, '--name', '..']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^propsweep: --name "\.\." cannot name a result file/);
  });
});

test("a model's file name, notes and warnings are printed with their control characters escaped", () => {
  // A model's name is its file's (one from a pull request, say), its notes and labels its sidecar's.
  const r = sampleResult();
  const hostile = explainTable({
    kind: 'explain',
    resultPath: '/out/x.propsweep.json',
    reportPath: '/out/x.report.html',
    result: {
      ...r,
      quality: { ...r.quality, clean: false, message: HOSTILE_TEXT },
      models: r.models.map((m) => ({
        ...m,
        name: HOSTILE_TEXT,
        notes: [HOSTILE_TEXT],
        measure: { ...m.measure, warnings: [HOSTILE_TEXT] },
      })),
    },
  });
  for (const line of hostile.split('\n'))
    assert.ok(!hasTerminalControl(line), JSON.stringify(line));
  assert.match(hostile, /^ {2}a\\u001b\]8;;http:\/\/evil\.example/m);
  assert.match(hostile, /^ {2}warning: a\\u001b\]8;;http/m);
});

test("the inference process's log is copied with its control characters escaped", async () => {
  // It logs a classifier command's standard error under the command line, which names each
  // checkpoint: a file name anyone may have chosen. This child logs such a line, then waits.
  const childPath = join(mkdtempSync(join(tmpdir(), 'propsweep-child-')), 'child.js');
  writeFileSync(
    childPath,
    `process.send({ type: 'child/ready', version: ${CHILD_PROTOCOL_VERSION}, pid: process.pid });
process.stderr.write(${JSON.stringify(`python predict.py ${HOSTILE_TEXT}.pt: loaded\n`)});
process.on('disconnect', () => process.exit(0));`,
  );
  const written: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (text: string | Uint8Array): boolean => {
    written.push(String(text));
    return true;
  };
  try {
    await runInChild(childPath, async () => {
      while (!written.join('').includes('loaded\n'))
        await new Promise((done) => setTimeout(done, 10));
    });
  } finally {
    process.stderr.write = write;
  }
  const log = written.join('');
  assert.ok(log.startsWith('python predict.py a\\u001b]8;;http'), JSON.stringify(log));
  assert.ok(!hasTerminalControl(log, true), JSON.stringify(log));
});

test('a PROPSWEEP_CPU_THREADS that is not a thread count is refused before the child starts', async () => {
  const before = process.env.PROPSWEEP_CPU_THREADS;
  try {
    for (const bad of ['lots', '-1', '257', '1.5']) {
      process.env.PROPSWEEP_CPU_THREADS = bad;
      let ran = false;
      await assert.rejects(
        runInChild(join(tmpdir(), 'no-such-child.js'), () => {
          ran = true;
          return Promise.resolve();
        }),
        usage(/PROPSWEEP_CPU_THREADS must be a whole number from 0 to 256 .*, got "/),
      );
      assert.equal(ran, false);
    }
  } finally {
    if (before === undefined) delete process.env.PROPSWEEP_CPU_THREADS;
    else process.env.PROPSWEEP_CPU_THREADS = before;
  }
});
