// A sequence's CSV is a file the user names: a FIFO, a device or a huge file is refused with the
// editor's own error at once, before any image is read.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { loadSequence } from '../../../src/extension/editors/sequence';
import { EditorInputError } from '../../../src/extension/editors/types';
import { LIMITS } from '../../../src/shared/limits';

const dir = mkdtempSync(join(tmpdir(), 'propsweep-sequence-'));

async function refused(csv: string, why: RegExp): Promise<void> {
  await assert.rejects(loadSequence({ csv }), (error: unknown) => {
    assert.ok(error instanceof EditorInputError, String(error));
    assert.match(error.message, why);
    assert.ok(!error.message.includes('\n'), 'one line');
    return true;
  });
}

test('a CSV that is a FIFO, a device or too large is an editor input error', async () => {
  const fifo = join(dir, 'frames.csv');
  execFileSync('mkfifo', [fifo]);
  await refused(fifo, /sequence CSV .*frames\.csv cannot be read: it is not a regular file/);
  if (existsSync('/dev/zero'))
    await refused('/dev/zero', /sequence CSV \/dev\/zero cannot be read: it is not a regular file/);
  // Sparse: 17 MiB on paper, nothing on disk.
  const big = join(dir, 'big.csv');
  writeFileSync(big, '');
  truncateSync(big, 17 * 1024 * 1024);
  await refused(big, /big\.csv cannot be read: it has 17 MiB, more than the limit of 16 MiB/);
});

test('a CSV saved with a byte-order mark still has its header', async () => {
  const csv = join(dir, 'bom.csv');
  writeFileSync(csv, '\uFEFFpath,strength\n');
  await refused(csv, /bom\.csv has a header but no rows/);
});

test('more frames than a path may have are refused before any image is opened', async () => {
  // Empty files: opening one would refuse it as empty, so the count must come first.
  const many = join(dir, 'many');
  mkdirSync(many);
  const names = Array.from({ length: LIMITS.steps + 1 }, (_, k) => `frame_${k}.png`);
  for (const name of names) writeFileSync(join(many, name), '');
  await assert.rejects(loadSequence({ folder: many }), (error: unknown) => {
    assert.ok(error instanceof EditorInputError, String(error));
    assert.match(error.message, /many has 1002 images, more than the limit of 1001/);
    return true;
  });
  const csv = join(dir, 'many.csv');
  writeFileSync(csv, `path,strength\n${names.map((n, k) => `many/${n},${k}`).join('\n')}\n`);
  await refused(csv, /many\.csv has 1002 images, more than the limit of 1001/);
});
