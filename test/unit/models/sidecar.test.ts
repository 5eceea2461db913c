// The sidecar MODEL.json: what a valid one gives, and that every kind of mistake is refused with
// a message naming the file and the field and saying what to write.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import {
  fieldProblem,
  parseSidecar,
  readSidecar,
  sidecarPath,
} from '../../../src/extension/models/sidecar';
import { ModelInputError } from '../../../src/extension/models/types';
import { assertRefuses } from './helpers';

const FILE = '/models/resnet.json';
const parse = (value: unknown): ReturnType<typeof parseSidecar> =>
  parseSidecar(JSON.stringify(value), FILE);

// The sidecar models/train.py writes for the demo models.
const DEMO = {
  version: 1,
  layout: 'NCHW',
  inputSize: [64, 64],
  resize: 'fill',
  range: [0, 1],
  mean: [0.493, 0.49, 0.487],
  std: [0.21, 0.21, 0.21],
  channelOrder: 'RGB',
  labels: ['cat', 'dog'],
  outputKind: 'logits',
  description: 'biased towards fur colour',
};

describe('parseSidecar accepts', () => {
  test('the demo sidecar, every field kept as written', () => {
    assert.deepEqual(parse(DEMO), DEMO);
  });

  test('a version alone: every field is optional', () => {
    assert.deepEqual(parse({ version: 1 }), { version: 1 });
  });

  test('softmax, BGR, NHWC, contain and a negative range', () => {
    const values = {
      version: 1,
      softmax: false,
      channelOrder: 'BGR',
      layout: 'NHWC',
      resize: 'contain',
      range: [-1, 1],
    };
    assert.deepEqual(parse(values), values);
  });
});

describe('parseSidecar on a large sidecar', () => {
  // The timeout turns a hang into a failure: a file of 16 MiB holds more than a million names,
  // and checking each against those before it took 12 s for 150,000 and hours for 600,000.
  test(
    'many distinct labels are checked for repeats at once, not pair by pair',
    { timeout: 60_000 },
    () => {
      const labels = Array.from({ length: 600_000 }, (_, k) => `class ${k}`);
      assert.equal(parse({ version: 1, labels }).labels?.length, labels.length);
    },
  );
});

describe('parseSidecar refuses', () => {
  const refuses = (value: unknown, says: RegExp[]): void => {
    assertRefuses(() => parse(value), { names: FILE, says });
  };

  test('text that is not JSON, and JSON that is not an object', () => {
    assertRefuses(() => parseSidecar('{"version": 1,', FILE), {
      names: FILE,
      says: [/not valid JSON/, /delete it to use the defaults/],
    });
    refuses([1, 2], [/one JSON object/, /"version": 1/]);
  });

  test('a missing or unknown version', () => {
    refuses({ labels: ['a', 'b'] }, [/no "version"/, /Add "version": 1/]);
    refuses({ version: 2 }, [/"version": 2/, /reads sidecar version 1 only/, /Write "version": 1/]);
    refuses({ version: '1' }, [/"version": "1"/]);
  });

  test('an unknown field, listing the known ones', () => {
    refuses({ version: 1, lables: ['a'] }, [/unknown field "lables"/, /labels/, /spelling/]);
  });

  test('a std of 0, saying why and what to write', () => {
    refuses({ version: 1, std: [0.229, 0, 0.225] }, [
      /"std" must be greater than 0 in every channel/,
      /got \[0\.229,0,0\.225\]/,
      /"std": \[0\.229, 0\.224, 0\.225\]/,
    ]);
  });

  test('wrong lengths and types', () => {
    refuses({ version: 1, mean: [0.5, 0.5] }, [/"mean" must be three numbers/, /R, G, B order/]);
    refuses({ version: 1, std: '0.2' }, [/"std" must be three numbers greater than 0/]);
    refuses({ version: 1, inputSize: [224] }, [
      /"inputSize" must be two whole numbers/,
      /\[224, 224\]/,
    ]);
    refuses({ version: 1, inputSize: [224.5, 224] }, [/"inputSize"/]);
    refuses({ version: 1, inputSize: [0, 224] }, [/"inputSize"/]);
    refuses({ version: 1, range: [1, 0] }, [/"range" must have low < high/]);
    refuses({ version: 1, layout: 'nchw' }, [/"layout" must be "NCHW" or "NHWC"/]);
    refuses({ version: 1, resize: 'stretch' }, [/"resize" must be "fill" or "cover" or "contain"/]);
    refuses({ version: 1, softmax: 'yes' }, [/"softmax" must be true or false/]);
    refuses({ version: 1, outputKind: 'probs' }, [/"outputKind"/]);
    refuses({ version: 1, channelOrder: 'GBR' }, [/"channelOrder"/]);
    refuses({ version: 1, description: 5 }, [/"description" must be a string/]);
  });

  test('labels that are empty, blank or repeated', () => {
    refuses({ version: 1, labels: [] }, [/"labels" must not be empty/]);
    refuses({ version: 1, labels: ['cat', ' '] }, [/must not contain empty names/]);
    refuses({ version: 1, labels: ['cat', 'dog', 'cat'] }, [/"cat" appears twice/]);
    refuses({ version: 1, labels: ['cat', 3] }, [/"labels" must be a list of class names/]);
  });

  test('a long unknown field or repeated label is quoted cut short, not echoed whole', () => {
    for (const value of [
      { version: 1, ['x'.repeat(100_000)]: 1 },
      { version: 1, labels: ['y'.repeat(100_000), 'y'.repeat(100_000)] },
    ]) {
      assert.throws(
        () => parse(value),
        (e: unknown) => e instanceof ModelInputError && e.message.length < 1000,
      );
    }
  });

  test('non-finite numbers cannot come from JSON, but are refused from flags', () => {
    assert.match(fieldProblem('mean', [0, Number.NaN, 0]) ?? '', /three numbers/);
    assert.equal(fieldProblem('mean', [0, 0.5, 1]), null);
  });
});

describe('readSidecar', () => {
  const dirs: string[] = [];
  after(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  test('MODEL.json sits beside MODEL.onnx', () => {
    assert.equal(sidecarPath('/a/b/net.onnx'), join('/a/b', 'net.json'));
    assert.equal(sidecarPath('/a/b/net.v2.onnx'), join('/a/b', 'net.v2.json'));
  });

  test('reads the file beside the model, or null when there is none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'propsweep-sidecar-'));
    dirs.push(dir);
    assert.equal(await readSidecar(join(dir, 'none.onnx')), null);
    await writeFile(join(dir, 'net.json'), JSON.stringify({ version: 1, labels: ['a', 'b'] }));
    assert.deepEqual(await readSidecar(join(dir, 'net.onnx')), {
      path: join(dir, 'net.json'),
      values: { version: 1, labels: ['a', 'b'] },
    });
  });

  test('a sidecar that exists but cannot be read is an error, not "no sidecar"', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'propsweep-sidecar-'));
    dirs.push(dir);
    await mkdir(join(dir, 'net.json'));
    const path = join(dir, 'net.json');
    await assert.rejects(readSidecar(join(dir, 'net.onnx')), (e: unknown) => {
      assert.ok(e instanceof Error && e.message.includes(path) && /Could not read/.test(e.message));
      return true;
    });
  });

  test('a FIFO or an oversized sidecar is refused at once, not read for ever', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'propsweep-sidecar-'));
    dirs.push(dir);
    execFileSync('mkfifo', [join(dir, 'pipe.json')]);
    await assert.rejects(readSidecar(join(dir, 'pipe.onnx')), (e: unknown) => {
      assert.ok(e instanceof ModelInputError, String(e));
      assert.match(e.message, /Could not read the sidecar .*pipe\.json: it is not a regular file/);
      return true;
    });
    // A sparse file: 17 MiB on paper, nothing on disk.
    await writeFile(join(dir, 'big.json'), '');
    await truncate(join(dir, 'big.json'), 17 * 1024 * 1024);
    await assert.rejects(readSidecar(join(dir, 'big.onnx')), (e: unknown) => {
      assert.ok(e instanceof ModelInputError, String(e));
      assert.match(e.message, /big\.json: it has 17 MiB, more than the limit of 16 MiB/);
      return true;
    });
  });

  test('a sidecar saved with a byte-order mark is read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'propsweep-sidecar-'));
    dirs.push(dir);
    await writeFile(
      join(dir, 'bom.json'),
      `\uFEFF${JSON.stringify({ version: 1, labels: ['a'] })}`,
    );
    assert.deepEqual((await readSidecar(join(dir, 'bom.onnx')))?.values, {
      version: 1,
      labels: ['a'],
    });
  });
});
