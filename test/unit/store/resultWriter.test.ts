// Writing a result: a writer that waits for another one says so.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { writeResult } from '../../../src/extension/store/resultWriter';
import { sampleResult } from '../builders';
import { solidPng } from '../share/pngBuilders';

test('waiting for another live writer of the result is said once, through the log', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-writer-'));
  const result = sampleResult();
  const framePaths = result.frames.map((_, k) => {
    const path = join(dir, `scratch-${String(k)}.png`);
    writeFileSync(path, solidPng(2, 2));
    return path;
  });
  // A live process (this one) holds the lock: without a word the wait would last a minute.
  const lock = join(dir, 'cat.propsweep.lock');
  writeFileSync(lock, JSON.stringify({ token: 'other', pid: process.pid, host: hostname() }));
  const said: string[] = [];
  const written = await writeResult(dir, 'cat', result, framePaths, 'a cat', (message) => {
    said.push(message);
    rmSync(lock); // the other writer finishes
  });
  assert.equal(said.length, 1);
  assert.match(said[0] ?? '', /another run is writing .*cat\.propsweep\.json; waiting for it/);
  const saved = JSON.parse(readFileSync(written.resultPath, 'utf8')) as { frames: unknown[] };
  assert.equal(saved.frames.length, framePaths.length);
});

test('without a title no HTML report is written: a folder run has its own report', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-writer-'));
  const result = sampleResult();
  const framePaths = result.frames.map((_, k) => {
    const path = join(dir, `scratch-${String(k)}.png`);
    writeFileSync(path, solidPng(2, 2));
    return path;
  });
  const written = await writeResult(dir, 'cat', result, framePaths, null);
  assert.equal(written.reportPath, null);
  assert.deepEqual(
    readdirSync(dir)
      .filter((f) => !f.startsWith('scratch-'))
      .sort(),
    ['cat.frames', 'cat.propsweep.json'],
  );
  const titled = await writeResult(dir, 'dog', result, framePaths, 'a dog');
  assert.ok(readFileSync(titled.reportPath, 'utf8').includes('a dog'));
});
