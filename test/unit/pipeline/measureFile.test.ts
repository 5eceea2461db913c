import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { MeasureInputError } from '../../../src/extension/measures';
import { readMeasureFile } from '../../../src/extension/pipeline/measureFile';
import { LIMITS } from '../../../src/shared/limits';

// What VS Code's Measure Predictions File reads: a file someone else may have put in the
// workspace. It must be refused, not read for ever, when it is a FIFO or a device.
test('a predictions file is read bounded: FIFOs and devices refused, a BOM accepted, too many steps refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-measurefile-'));
  const good = join(dir, 'path.json');
  writeFileSync(good, `\uFEFF${JSON.stringify({ predictions: [0, 0.5, 1] })}`);
  assert.deepEqual((await readMeasureFile(good, 'path.json')).predictions, [0, 0.5, 1]);

  const fifo = join(dir, 'fifo.json');
  execFileSync('mkfifo', [fifo]);
  await assert.rejects(readMeasureFile(fifo, 'fifo.json'), MeasureInputError);
  if (existsSync('/dev/zero'))
    await assert.rejects(readMeasureFile('/dev/zero', 'zero'), MeasureInputError);
  await assert.rejects(readMeasureFile(join(dir, 'missing.json'), 'missing.json'), /no such file/);

  const long = join(dir, 'long.json');
  writeFileSync(long, JSON.stringify({ predictions: new Array(LIMITS.measureSteps + 1).fill(0) }));
  await assert.rejects(readMeasureFile(long, 'long.json'), /more than the 100,001 measure takes/);
});
