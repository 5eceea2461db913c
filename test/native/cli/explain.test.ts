import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';

import { rgbImage } from '../../../src/extension/images/image';
import { encodePng } from '../../../src/extension/images/io';
import { validateResultFile, type ResultFile } from '../../../src/shared/resultFile';
import { cli } from '../../unit/helpers';
import { averagingModel } from '../../unit/models/helpers';
import { DARK_CAT, DEMO, errorLine, explain, tmp, UNBIASED } from './helpers';

const image = DARK_CAT;
const mask = join(DEMO, 'images', 'dark-cat.mask.png');

interface ExplainJson {
  result_file: string;
  report: string;
  edit_quality: { clean: boolean; masked: boolean };
  models: {
    model: string;
    strengths: number[];
    predictions: number[][];
    labels: string[];
    epgm: number;
    epgm_per_output: number[];
    p_value: number;
    flips: number;
    provider: string;
  }[];
}

describe('propsweep explain', () => {
  test('recolours the fur of the dark cat: the dark-cats model flips, the unbiased one does not', () => {
    const out = tmp('explain');
    const run = {
      models: ['unbiased', 'dark-cats'].map((m) => join(DEMO, `${m}.onnx`)),
      editor: 'recolor',
      steps: 11,
      permutations: 999,
      out,
      cache: tmp('explain'),
    };
    const flags = ['--mask', mask, '--param', 'target=219,209,194', '--seed', '3', '--json'];
    const r = explain(run, ...flags);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as ExplainJson;
    const [unbiased, biased] = json.models;
    assert.ok(unbiased !== undefined && biased !== undefined);
    assert.deepEqual(unbiased.labels, ['cat', 'dog']);
    assert.equal(unbiased.strengths.length, 11);
    assert.equal(unbiased.predictions.length, 11);
    assert.equal(biased.provider, 'cpu');
    assert.ok(
      biased.flips >= 1 && biased.epgm > 0.5,
      `dark-cats: EPGM ${biased.epgm}, flips ${biased.flips}`,
    );
    assert.ok(
      unbiased.flips === 0 && unbiased.epgm < 0.1,
      `unbiased: EPGM ${unbiased.epgm}, flips ${unbiased.flips}`,
    );
    assert.ok(json.edit_quality.masked && json.edit_quality.clean);
    // The result folder: a valid, reviewable file with its frames beside it, and a report.
    const saved = JSON.parse(readFileSync(json.result_file, 'utf8')) as ResultFile;
    assert.deepEqual(validateResultFile(saved), []);
    const versions = readdirSync(join(out, 'dark-cat-recolor.frames'));
    assert.equal(versions.length, 1, 'one version of the frames');
    assert.equal(readdirSync(join(out, 'dark-cat-recolor.frames', versions[0] ?? '')).length, 11);
    assert.ok(saved.frames.every((f) => existsSync(join(out, f.file))));
    assert.match(readFileSync(json.report, 'utf8'), /dark-cats/);
    assert.ok(!readdirSync(out).some((n) => n.endsWith('.tmp')));
    // The same run again gives the same numbers (a cheap editor renders its frames again).
    const again = explain(run, ...flags);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(
      (JSON.parse(again.stdout) as ExplainJson).models.map((m) => m.epgm),
      json.models.map((m) => m.epgm),
    );
  });

  test('a global edit needs no mask, and the table names the result', () => {
    const r = explain({ permutations: 200, out: tmp('explain'), cache: tmp('explain') });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /unbiased\s+\S+\s+\S+\s+\d+\s+cpu/);
    assert.match(r.stdout, /result: .*dark-cat-brightness\.propsweep\.json/);
  });

  test('an image name with spaces gives a safe default result name', () => {
    const dir = tmp('explain');
    const spaced = join(dir, 'my cat (1).png');
    copyFileSync(image, spaced);
    const r = explain({
      image: spaced,
      steps: 3,
      permutations: 10,
      out: join(dir, 'out'),
      cache: tmp('explain'),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(dir, 'out', 'my_cat_1_-brightness.propsweep.json')), r.stdout);
  });
});

describe('propsweep explain refuses bad input: exit code 2, one line, nothing written', () => {
  const dir = tmp('explain');
  const notOnnx = join(dir, 'model.onnx');
  copyFileSync(image, notOnnx);
  const corrupt = join(dir, 'corrupt.png');
  writeFileSync(corrupt, readFileSync(image).subarray(0, 200));
  // An 8x8 grey PNG (hand-encoded): a mask of the wrong size for the 128x128 demo image.
  const small = join(dir, 'small.png');
  writeFileSync(
    small,
    Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAAAAADhZOFXAAAADklEQVR4nGNogAIGyhgAgIQgAQ2AJGEAAAAASUVORK5CYII=',
      'base64',
    ),
  );
  const unbiasedBrightness = ['--model', UNBIASED, '--editor', 'brightness'];
  const unbiasedRecolor = [
    '--model',
    UNBIASED,
    '--editor',
    'recolor',
    '--param',
    'target=255,255,255',
  ];
  // A black 2000x2000 image: 12 MB per edited frame.
  const large = join(dir, 'large.png');
  before(async () => {
    writeFileSync(large, await encodePng(rgbImage(2000, 2000)));
  });
  const manyClasses = join(dir, 'classes.onnx');
  writeFileSync(manyClasses, averagingModel(['batch', 3, 8, 8], 100_000));
  const text = join(dir, 'notes.png');
  writeFileSync(text, 'not an image at all');
  const cases: [string, string[], RegExp][] = [
    ['missing image', ['--image', join(dir, 'nope.png'), ...unbiasedBrightness], /nope\.png/],
    ['truncated image', ['--image', corrupt, ...unbiasedBrightness], /corrupt\.png/],
    ['not an image', ['--image', text, ...unbiasedBrightness], /notes\.png/],
    [
      'not an ONNX model',
      ['--image', image, '--model', notOnnx, '--editor', 'brightness'],
      /model\.onnx.*(not a valid ONNX|ONNX)/i,
    ],
    [
      'mask of another size',
      ['--image', image, '--mask', small, ...unbiasedRecolor],
      /small\.png.*must be the image's size/,
    ],
    ['masked editor without a mask', ['--image', image, ...unbiasedRecolor], /--mask/],
    [
      'recolor without a target',
      ['--image', image, '--mask', mask, '--model', UNBIASED, '--editor', 'recolor'],
      /target/,
    ],
    ['unknown editor', ['--image', image, '--model', UNBIASED, '--editor', 'sharpen'], /sharpen/],
    ['bad parameter', ['--image', image, ...unbiasedBrightness, '--param', 'factor=-2'], /factor/],
    ['no model', ['--image', image, '--editor', 'brightness'], /--model/],
    [
      'two steps',
      ['--image', image, ...unbiasedBrightness, '--steps', '2'],
      /--steps must be a whole number from 3/,
    ],
    [
      'a large image on many steps (the edited path would not fit in memory)',
      ['--image', large, ...unbiasedBrightness, '--steps', '1001'],
      /large\.png: 1001 edited images of 2000x2000 take 11\.2 GiB.*Use at most 178 steps/,
    ],
    [
      'more predictions than a result can hold',
      ['--image', image, '--model', manyClasses, '--editor', 'brightness', '--no-softmax'],
      /21 steps x 100,000 scores per image .* Use at most 15 steps/,
    ],
  ];
  for (const [name, args, message] of cases) {
    test(name, () => {
      const out = join(tmp('explain'), 'out');
      const r = cli([
        'explain',
        ...args,
        '--out',
        out,
        '--cache',
        tmp('explain'),
        '--permutations',
        '100',
      ]);
      assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
      assert.match(errorLine(r.stderr), message);
      assert.ok(!existsSync(out) || readdirSync(out).length === 0, 'nothing written');
    });
  }
});
