import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  isSafeRelativePath,
  stableStringify,
  validateResultFile,
} from '../../../src/shared/resultFile';
import { sampleResult } from '../builders';

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
  assert.match(validateResultFile(short).join(), /one row of numbers per frame/);
  assert.match(validateResultFile([]).join(), /not a JSON object/);
});

test('stable JSON sorts keys at every level and ends with a newline', () => {
  assert.equal(
    stableStringify({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } }),
    '{\n  "a": {\n    "c": null,\n    "d": [\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}\n',
  );
});
