/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- tampering with parsed JSON */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  isSafeRelativePath,
  stableStringify,
  validateResultFile,
} from '../../../src/shared/resultFile';
import { sampleResult } from '../builders';
import { diffusionResult } from '../diffusionBuilders';

test('frame paths must stay inside the result folder', () => {
  for (const good of ['frames/000.png', 'a.frames/001.png', 'x.png'])
    assert.ok(isSafeRelativePath(good), good);
  for (const bad of [
    '../secret.png',
    'frames/../../x.png',
    '/etc/passwd',
    'C:/x.png',
    'a\\b.png',
    './x.png',
    'a//b.png',
    '',
    7,
  ]) {
    assert.ok(!isSafeRelativePath(bad), String(bad));
  }
});

test('a written result validates; tampered or foreign ones are refused with the reason', () => {
  const result = sampleResult();
  assert.deepEqual(validateResultFile(JSON.parse(stableStringify(result))), []);
  assert.match(
    validateResultFile({ ...result, propsweep: 99 }).join(),
    /newer propsweep \(format 99/,
  );
  assert.match(
    validateResultFile({ ...result, propsweep: undefined }).join(),
    /not a propsweep result/,
  );
  const escaping = {
    ...result,
    frames: result.frames.map((f, k) => (k === 1 ? { ...f, file: '../../id_rsa' } : f)),
  };
  assert.match(validateResultFile(escaping).join(), /frames\[1\]\.file must be a relative path/);
  const short = { ...result, models: [{ ...result.models[0], predictions: [[1, 0]] }] };
  assert.match(validateResultFile(short).join(), /one row per frame of the same 1 to/);
  assert.match(validateResultFile([]).join(), /not a JSON object/);
});

test('infinite or ragged scores, and infinite strengths, are refused (1e999 parses as Infinity)', () => {
  const text = stableStringify(sampleResult());
  const row = /"predictions": \[\s*\[\s*([-\d.e]+)/.exec(text);
  assert.ok(row !== null, 'the sample has predictions');
  const cases: [string, (r: Record<string, any>) => void, RegExp][] = [
    ['an infinite score', (r) => (r.models[0].predictions[2][0] = Infinity), /predictions must/],
    ['a ragged row', (r) => r.models[0].predictions[1].push(0.5), /predictions must/],
    ['empty rows', (r) => (r.models[0].predictions = r.frames.map(() => [])), /predictions must/],
    ['an infinite strength', (r) => (r.frames[0].strength = Infinity), /frames\[0\] is not/],
  ];
  for (const [what, change, why] of cases) {
    assert.match(validateResultFile(tampered(change)).join('; '), why, what);
  }
  // As a file says it: JSON has no Infinity, but a number too large for a double parses as one.
  const huge = JSON.parse(text.replace(row[0], row[0].replace(row[1] ?? '', '1e999'))) as unknown;
  assert.match(validateResultFile(huge).join(), /models\[0\]\.predictions must/);
});

test('values from the file are quoted cut short in the refusals, not echoed whole', () => {
  const long = 'x'.repeat(100_000);
  const cases: [string, (r: Record<string, any>) => void, RegExp][] = [
    ['format', (r) => (r.propsweep = long), /not a propsweep result \(format "xxx/],
    ['frame path', (r) => (r.frames[1].file = long), /frames\[1\]\.file must be a relative/],
    ['source path', (r) => (r.reconstruction.file = long), /reconstruction\.file must be/],
  ];
  for (const [what, change, why] of cases) {
    const problems = validateResultFile(tampered(change)).join('; ');
    assert.match(problems, why, what);
    assert.ok(problems.length < 300, `${what}: ${problems.length} characters`);
  }
});

test('stable JSON sorts keys at every level and ends with a newline', () => {
  assert.equal(
    stableStringify({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } }),
    '{\n  "a": {\n    "c": null,\n    "d": [\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}\n',
  );
});

/** The diffusion sample with `change` applied to a deep copy of it, as JSON would give it. */
function tampered(change: (r: Record<string, any>) => void): unknown {
  const r = JSON.parse(stableStringify(diffusionResult())) as Record<string, any>;
  change(r);
  return r;
}

test("a diffusion editor's records validate as written", () => {
  assert.deepEqual(validateResultFile(JSON.parse(stableStringify(diffusionResult()))), []);
  const withFile = tampered((r) => {
    r.reconstruction.file = 'x.frames/0123456789abcdef/source.png';
  });
  assert.deepEqual(validateResultFile(withFile), []);
});

test("a diffusion editor's records from someone else are refused when malformed", () => {
  const cases: [string, (r: Record<string, any>) => void, RegExp][] = [
    [
      'source file outside the folder',
      (r) => (r.reconstruction.file = '../../.ssh/id_rsa'),
      /reconstruction\.file must be a relative path inside the result's folder, got "\.\.\/\.\.\/\.ssh\/id_rsa"/,
    ],
    [
      'absolute source file',
      (r) => (r.reconstruction.file = '/etc/passwd'),
      /reconstruction\.file/,
    ],
    ['change not a number', (r) => (r.reconstruction.change = '4%'), /reconstruction\.change/],
    ['change above 1', (r) => (r.reconstruction.change = 7), /reconstruction\.change/],
    ['reconstruction not an object', (r) => (r.reconstruction = [1]), /reconstruction\.change/],
    [
      'source prediction of another width',
      (r) => (r.models[0].sourcePrediction = [1, 0, 0]),
      /models\[0\]\.sourcePrediction must be 2 numbers/,
    ],
    [
      'source prediction with text',
      (r) => (r.models[0].sourcePrediction = [1, '0']),
      /models\[0\]\.sourcePrediction/,
    ],
    [
      'seeds and epgm of different lengths',
      (r) => (r.models[0].seedSpread.epgm = [1, 2]),
      /models\[0\]\.seedSpread\.epgm must be 3 numbers, one per seed/,
    ],
    [
      'flips not counts',
      (r) => (r.models[0].seedSpread.flips = [1, 1.5, 2]),
      /seedSpread\.flips must be 3 counts/,
    ],
    [
      'more than 64 seeds',
      (r) => {
        const s = r.models[0].seedSpread;
        s.seeds = Array.from({ length: 65 }, (_, k) => k);
        s.epgm = s.seeds.map(() => 1);
        s.flips = s.seeds.map(() => 0);
      },
      /seedSpread\.seeds must list 1 to 64 whole numbers/,
    ],
    ['no seeds', (r) => (r.models[0].seedSpread.seeds = []), /seedSpread\.seeds must list/],
    [
      'band missing a frame',
      (r) => r.models[0].seedSpread.lower.pop(),
      /seedSpread\.lower must have one row of 2 numbers per frame/,
    ],
    [
      'band row of another width',
      (r) => (r.models[0].seedSpread.upper[2] = [1]),
      /seedSpread\.upper must have one row of 2 numbers per frame/,
    ],
    ['negative std', (r) => (r.models[0].seedSpread.epgmStd = -1), /seedSpread\.epgmStd/],
    ['mean not a number', (r) => (r.models[0].seedSpread.epgmMean = null), /seedSpread\.epgmMean/],
    [
      'spread not an object',
      (r) => (r.models[0].seedSpread = 'wide'),
      /seedSpread must be an object/,
    ],
    ['content without files', (r) => delete r.editor.content.files, /editor\.content must be/],
    [
      'content file without bytes',
      (r) => (r.editor.content.files[0].bytes = -1),
      /editor\.content\.files\[0\] must be \{name, bytes, sha256\}/,
    ],
    [
      'too many content files',
      (r) =>
        (r.editor.content.files = Array.from({ length: 257 }, () => r.editor.content.files[0])),
      /more than 256 files/,
    ],
    [
      'a long content name',
      (r) => (r.editor.content.files[0].name = 'x'.repeat(513)),
      /editor\.content\.files\[0\]/,
    ],
    ['run size', (r) => (r.editor.run.size = [64]), /editor\.run\.size must be \[width, height\]/],
    ['run size zero', (r) => (r.editor.run.size = [0, 8]), /editor\.run\.size/],
    ['run provider', (r) => (r.editor.run.provider = 3), /editor\.run\.provider/],
    [
      'fallback reason too long',
      (r) => (r.editor.run.fallbackReason = 'x'.repeat(4001)),
      /editor\.run\.fallbackReason/,
    ],
    [
      'counts of text',
      (r) => (r.editor.run.counts.unetCalls = 'many'),
      /editor\.run\.counts must map at most 64 names to numbers/,
    ],
    [
      'too many phases',
      (r) => {
        for (let k = 0; k < 65; k++) r.editor.run.phasesMs[`p${k}`] = 1;
      },
      /editor\.run\.phasesMs must map/,
    ],
    [
      'too many notes',
      (r) => (r.editor.run.notes = Array.from({ length: 65 }, () => 'n')),
      /editor\.run\.notes must be at most 64 texts/,
    ],
    ['a note not text', (r) => (r.editor.run.notes = [{}]), /editor\.run\.notes/],
    ['run not an object', (r) => (r.editor.run = 'fast'), /editor\.run must be an object/],
  ];
  for (const [what, change, why] of cases) {
    const problems = validateResultFile(tampered(change));
    assert.match(problems.join('; '), why, what);
  }
});

test('numbers that JSON cannot carry (from a message) are refused in the new records', () => {
  const r = diffusionResult();
  const model = r.models[0];
  assert.ok(model?.seedSpread !== undefined);
  const infinite = {
    ...r,
    models: [{ ...model, seedSpread: { ...model.seedSpread, epgm: [1, Number.NaN, 1] } }],
  };
  assert.match(validateResultFile(infinite).join(), /seedSpread\.epgm must be 3 numbers/);
  const source = { ...r, models: [{ ...model, sourcePrediction: [Infinity, 0] }] };
  assert.match(validateResultFile(source).join(), /sourcePrediction/);
});

/** The sample result as a track run of its models, one checkpoint each. */
function trackResult(): any {
  const result: any = JSON.parse(JSON.stringify(sampleResult()));
  result.track = {
    order: 'epoch',
    checkpoints: result.models.map((_: unknown, i: number) => ({
      file: `../ck/ep${String(i + 1)}.onnx`,
      epoch: i + 1,
      step: null,
      mtime: `2024-01-0${String(i + 1)}T00:00:00.000Z`,
    })),
  };
  return result;
}

test('a track record is valid with one checkpoint per model, and is checked field by field', () => {
  assert.deepEqual(validateResultFile(trackResult()), []);
  const broken: [string, (r: any) => void, RegExp][] = [
    ['order', (r) => (r.track.order = 'loss'), /track must be/],
    ['count', (r) => r.track.checkpoints.pop(), /one entry per model/],
    ['file', (r) => (r.track.checkpoints[0].file = 7), /checkpoints\[0\] must be/],
    ['empty file', (r) => (r.track.checkpoints[0].file = ''), /checkpoints\[0\]/],
    ['long file', (r) => (r.track.checkpoints[0].file = 'x'.repeat(5000)), /checkpoints\[0\]/],
    ['epoch', (r) => (r.track.checkpoints[0].epoch = -1), /checkpoints\[0\]/],
    ['step', (r) => (r.track.checkpoints[0].step = 1.5), /checkpoints\[0\]/],
    ['infinite', (r) => (r.track.checkpoints[0].epoch = Infinity), /checkpoints\[0\]/],
    ['mtime', (r) => (r.track.checkpoints[0].mtime = 'yesterday'), /checkpoints\[0\]/],
    [
      'bad date',
      (r) => (r.track.checkpoints[0].mtime = '2024-13-45T00:00:00Z'),
      /checkpoints\[0\]/,
    ],
    ['order without epochs', (r) => (r.track.checkpoints[0].epoch = null), /has no epoch/],
    ['not an object', (r) => (r.track = []), /track must be/],
  ];
  for (const [what, tamper, message] of broken) {
    const r = trackResult();
    tamper(r);
    const problems = validateResultFile(r);
    assert.equal(problems.length, 1, `${what}: ${problems.join('; ')}`);
    assert.match(problems[0] ?? '', message, what);
  }
  const byTime = trackResult();
  byTime.track.order = 'mtime';
  byTime.track.checkpoints[0].epoch = null;
  assert.deepEqual(validateResultFile(byTime), [], 'an mtime order needs no counters');
});

test('a result holds the models of a long training run, and no more than its bound', () => {
  const r: any = JSON.parse(JSON.stringify(sampleResult()));
  const one = r.models[0];
  r.models = Array.from({ length: 200 }, (_, i) => ({ ...one, name: `ep${String(i)}` }));
  assert.deepEqual(validateResultFile(r), []);
  r.models = Array.from({ length: 513 }, () => one);
  assert.match(validateResultFile(r).join(';'), /1 to 512 classifiers/);
});
