// `propsweep explain-folder` and `merge` check their flags before any work: a bad shard, limit or
// adjustment, an --image or --mask meant for explain, or a missing folder exits 2 with one line
// saying what to give instead; explain's own flags are checked as explain checks them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { UsageError } from '../../../src/cli/args';
import { explainFolderRequest, parseShard } from '../../../src/cli/explainFolderCommand';
import { mergeArgs } from '../../../src/cli/mergeCommand';
import { cli } from '../helpers';

const BASE = ['--folder', 'photos', '--model', 'm.onnx', '--editor', 'brightness'];

function request(extra: string[]) {
  const parsed = explainFolderRequest([...BASE, ...extra]);
  return parsed === 'help' ? assert.fail('help') : parsed.request;
}

const usage = (pattern: RegExp) => (e: unknown) =>
  e instanceof UsageError && pattern.test(e.message);

describe('explain-folder flags', () => {
  test('--shard takes I/N with 1 <= I <= N', () => {
    assert.deepEqual(parseShard('1/3'), { index: 1, count: 3 });
    assert.deepEqual(parseShard('3/3'), { index: 3, count: 3 });
    assert.deepEqual(request(['--shard', '2/8']).shard, { index: 2, count: 8 });
    for (const bad of ['0/3', '4/3', '3', '1/0', '-1/3', '1.5/3', 'a/b', '1/3/5', '', '1/100001']) {
      assert.throws(
        () => request([`--shard=${bad}`]),
        usage(/--shard must be I\/N with 1 <= I <= N/),
      );
    }
    assert.equal(request([]).shard, null);
  });

  test('--limit is a positive whole number', () => {
    assert.equal(request(['--limit', '5']).limit, 5);
    assert.equal(request([]).limit, null);
    assert.throws(() => request(['--limit', '0']), usage(/--limit must be at least 1/));
    assert.throws(() => request(['--limit=-2']), usage(/--limit must be at least 1/));
    assert.throws(() => request(['--limit', '2.5']), usage(/--limit must be a whole number/));
  });

  test('--image and --mask are refused with what to give instead', () => {
    assert.throws(
      () => request(['--image', 'cat.png']),
      usage(/takes --folder DIR, not --image.*use propsweep explain/),
    );
    assert.throws(() => request(['--mask', 'm.png']), usage(/NAME\.mask\.png beside it/));
  });

  test('--folder and --editor are required; --adjust is holm or bh', () => {
    assert.throws(
      () => explainFolderRequest(['--model', 'm.onnx', '--editor', 'brightness']),
      usage(/explain-folder needs --folder DIR/),
    );
    assert.throws(
      () => explainFolderRequest(['--folder', 'photos', '--model', 'm.onnx']),
      usage(/explain-folder needs --editor ID/),
    );
    assert.equal(request([]).adjustment, 'holm');
    assert.equal(request(['--adjust', 'bh']).adjustment, 'bh');
    assert.throws(() => request(['--adjust', 'none']), usage(/--adjust must be holm or bh/));
  });

  test('names and output folders: a shard writes its own folder by default', () => {
    const run = request(['--recursive']);
    assert.equal(run.name, 'photos-brightness');
    assert.equal(run.recursive, true);
    assert.match(run.outDir, /propsweep-out[/\\]photos-brightness$/);
    assert.match(
      request(['--shard', '2/3']).outDir,
      /propsweep-out[/\\]photos-brightness-shard-2-of-3$/,
    );
    const dotted = explainFolderRequest(['--folder', 'my.photos', ...BASE.slice(2)]);
    assert.equal(dotted === 'help' ? '' : dotted.request.name, 'my.photos-brightness');
    assert.equal(request(['--name', 'lesions']).name, 'lesions');
    assert.throws(() => request(['--name', '../x']), usage(/cannot name a summary file/));
  });

  test("explain's flags are checked as explain checks them", () => {
    assert.throws(
      () => request(['--steps', '5000']),
      usage(/--steps must be a whole number from 3/),
    );
    assert.throws(() => request(['--permutations', '0']), usage(/--permutations must be 1 to/));
    assert.throws(() => request(['--provider', 'tpu']), usage(/--provider must be one of/));
    const run = request(['--steps', '11', '--seed', '4', '--param', 'factor=1.5', '--legacy']);
    assert.equal(run.steps, 11);
    assert.equal(run.seed, 4);
    assert.deepEqual(run.params, { factor: 1.5 });
    assert.equal(run.legacy, true);
  });

  test('the command line exits 2 with one line before reading anything', () => {
    const r = cli(['explain-folder', ...BASE, '--shard', '4/3']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^propsweep: --shard must be I\/N .*got "4\/3"\.\n$/);
    const image = cli(['explain-folder', ...BASE, '--image', 'cat.png']);
    assert.equal(image.code, 2);
    assert.match(image.stderr, /^propsweep: explain-folder takes --folder DIR, not --image/);
    const help = cli(['explain-folder', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--shard I\/N/);
  });
});

describe('merge flags', () => {
  test('shard folders and --out are required', () => {
    assert.deepEqual(mergeArgs(['a', 'b', '--out', 'm', '--json']), {
      dirs: ['a', 'b'],
      out: 'm',
      json: true,
    });
    assert.throws(
      () => mergeArgs(['--out', 'm']),
      usage(/merge needs the output folder of every shard/),
    );
    assert.throws(() => mergeArgs(['a', 'b']), usage(/merge needs --out DIR/));
    assert.throws(() => mergeArgs(['a', '--bogus']), usage(/see: propsweep merge --help/));
    const r = cli(['merge', 'a']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^propsweep: merge needs --out DIR/);
  });
});
