// Publishing a result: the JSON and its frames always match, whatever fails and whenever.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mock, test } from 'node:test';

import { publishResult } from '../../../src/extension/store/publish';

/** Frame files with the given contents, somewhere else (a cache). */
function frames(...contents: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-cache-'));
  return contents.map((c, k) => {
    const path = join(dir, `${k}.png`);
    writeFileSync(path, c);
    return path;
  });
}

/** A JSON naming its frames, so the test can check they are the ones beside it. */
function publish(folder: string, paths: string[], label: string): ReturnType<typeof publishResult> {
  return publishResult(folder, 'cat', paths, ({ frameFiles }) => ({
    json: JSON.stringify({ label, frames: frameFiles }),
    extras: [{ name: 'report.html', contents: `<p>${label}</p>` }],
  }));
}

/** The published JSON, with the contents of every frame it names. */
function read(folder: string): { label: string; contents: string[] } {
  const json = JSON.parse(readFileSync(join(folder, 'cat.propsweep.json'), 'utf8')) as {
    label: string;
    frames: string[];
  };
  return {
    label: json.label,
    contents: json.frames.map((f) => readFileSync(join(folder, f), 'utf8')),
  };
}

test('frames go into NAME.frames/VERSION, named in the JSON, with the extras beside it', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'propsweep-publish-'));
  const seen: string[] = [];
  const { resultPath, names } = await publishResult(
    folder,
    'cat',
    frames('a', 'b', 'c'),
    ({ frameFiles }) => ({
      json: JSON.stringify({ label: 'first', frames: frameFiles }),
      extras: [{ name: 'report.html', contents: '<p>first</p>' }],
    }),
    (k, bytes) => seen.push(`${k}:${new TextDecoder().decode(bytes)}`),
  );
  assert.deepEqual(seen, ['0:a', '1:b', '2:c'], 'every frame handed over once, in order');
  assert.equal(resultPath, join(folder, 'cat.propsweep.json'));
  assert.match(names.framesDir, /^cat\.frames\/[0-9a-f]{16}$/);
  assert.deepEqual(
    names.frameFiles,
    ['000', '001', '002'].map((k) => `${names.framesDir}/${k}.png`),
  );
  assert.deepEqual(read(folder), { label: 'first', contents: ['a', 'b', 'c'] });
  assert.equal(readFileSync(join(folder, 'report.html'), 'utf8'), '<p>first</p>');
  assert.deepEqual(
    readdirSync(folder).sort(),
    ['cat.frames', 'cat.propsweep.json', 'report.html'],
    'no temporary files left',
  );
});

test('the same frames keep their folder; new frames replace it once the JSON has switched', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'propsweep-publish-'));
  const first = await publish(folder, frames('a', 'b', 'c'), 'first');
  const before = statSync(join(folder, first.names.frameFiles[0] ?? '')).mtimeMs;
  const again = await publish(folder, frames('a', 'b', 'c'), 'again');
  assert.equal(again.names.framesDir, first.names.framesDir);
  assert.equal(
    statSync(join(folder, again.names.frameFiles[0] ?? '')).mtimeMs,
    before,
    'not copied again',
  );
  const changed = await publish(folder, frames('a', 'B', 'c'), 'changed');
  assert.notEqual(changed.names.framesDir, first.names.framesDir);
  assert.deepEqual(read(folder), { label: 'changed', contents: ['a', 'B', 'c'] });
  assert.deepEqual(readdirSync(join(folder, 'cat.frames')), [
    changed.names.framesDir.split('/')[1],
  ]);
});

test('frames of the flat layout (NAME.frames/000.png) are removed once the new JSON is in place', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'propsweep-publish-'));
  mkdirSync(join(folder, 'cat.frames'));
  writeFileSync(join(folder, 'cat.frames', '000.png'), 'old');
  const { names } = await publish(folder, frames('a', 'b', 'c'), 'new');
  assert.deepEqual(readdirSync(join(folder, 'cat.frames')), [names.framesDir.split('/')[1]]);
});

test('a failure before the switch leaves the previous result whole', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'propsweep-publish-'));
  await publish(folder, frames('a', 'b', 'c'), 'kept');
  await assert.rejects(
    publishResult(folder, 'cat', frames('x', 'y', 'z'), () => {
      throw new Error('rendering the report failed');
    }),
    /rendering the report failed/,
  );
  assert.deepEqual(read(folder), { label: 'kept', contents: ['a', 'b', 'c'] });
  // Fails after the new frames are in place, just before the JSON would switch.
  await assert.rejects(
    publishResult(folder, 'cat', frames('x', 'y', 'z'), () => ({
      json: '{}',
      extras: [{ name: join('no-such-folder', 'report.html'), contents: '' }],
    })),
    { code: 'ENOENT' },
  );
  assert.deepEqual(read(folder), { label: 'kept', contents: ['a', 'b', 'c'] });
  await assert.rejects(publish(folder, [...frames('x', 'y'), join(folder, 'gone.png')], 'never'), {
    code: 'ENOENT',
  });
  assert.deepEqual(read(folder), { label: 'kept', contents: ['a', 'b', 'c'] });
  assert.ok(!readdirSync(folder).some((n) => n.endsWith('.tmp')), 'no temporary folder left');
});

test('a failure of the switch itself (the JSON rename) leaves the previous result whole', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'propsweep-publish-'));
  await publish(folder, frames('a', 'b', 'c'), 'kept');
  const rename = fs.rename.bind(fs);
  mock.method(fs, 'rename', async (from: string, to: string) => {
    if (to.endsWith('.propsweep.json'))
      throw Object.assign(new Error('disk full'), { code: 'ENOSPC' });
    await rename(from, to);
  });
  try {
    await assert.rejects(publish(folder, frames('x', 'y', 'z'), 'never'), { code: 'ENOSPC' });
  } finally {
    mock.restoreAll();
  }
  assert.deepEqual(read(folder), { label: 'kept', contents: ['a', 'b', 'c'] });
});
