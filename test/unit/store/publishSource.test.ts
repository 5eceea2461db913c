// Publishing the source image beside the frames (a diffusion editor's reconstruction): in the
// frames' version folder, part of its digest, compared and cleaned up as the frames are.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { StoreInputError } from '../../../src/extension/store/errors';
import { publishResult, SOURCE_FILE } from '../../../src/extension/store/publish';

function files(...contents: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-cache-'));
  return contents.map((c, k) => {
    const path = join(dir, `${k}.png`);
    writeFileSync(path, c);
    return path;
  });
}

function publish(folder: string, frames: string[], source: string | undefined) {
  const seen: string[] = [];
  const published = publishResult(
    folder,
    'cat',
    frames,
    ({ frameFiles, sourceFile }) => ({ json: JSON.stringify({ frames: frameFiles, sourceFile }) }),
    {
      source,
      onSource: (bytes) => seen.push(new TextDecoder().decode(bytes)),
    },
  );
  return published.then((p) => ({ ...p, seen }));
}

test('the source goes into the version folder as source.png and is named to the JSON', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'propsweep-publish-'));
  const [source] = files('S');
  const { names, seen } = await publish(folder, files('a', 'b', 'c'), source);
  assert.equal(names.sourceFile, `${names.framesDir}/${SOURCE_FILE}`);
  assert.equal(readFileSync(join(folder, names.sourceFile), 'utf8'), 'S');
  assert.deepEqual(seen, ['S'], 'handed over once');
  const json = JSON.parse(readFileSync(join(folder, 'cat.propsweep.json'), 'utf8')) as {
    sourceFile: string;
  };
  assert.equal(json.sourceFile, names.sourceFile);
  const without = await publish(mkdtempSync(join(tmpdir(), 'p-')), files('a', 'b', 'c'), undefined);
  assert.equal(without.names.sourceFile, undefined);
  assert.notEqual(without.names.framesDir, names.framesDir, 'the source is part of the digest');
});

test('another source makes another version; the old ones are cleaned up as frames are', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'propsweep-publish-'));
  const frames = files('a', 'b', 'c');
  const first = await publish(folder, frames, files('S1')[0]);
  const again = await publish(folder, frames, files('S1')[0]);
  assert.equal(again.names.framesDir, first.names.framesDir, 'unchanged: same folder');
  const second = await publish(folder, frames, files('S2')[0]);
  assert.notEqual(second.names.framesDir, first.names.framesDir);
  const third = await publish(folder, frames, files('S3')[0]);
  assert.deepEqual(
    readdirSync(join(folder, 'cat.frames')).sort(),
    [second.names.framesDir, third.names.framesDir].map((d) => d.split('/')[1]).sort(),
    'a version folder holding a source is ours to remove',
  );
});

test('a version folder whose source was damaged is replaced, not reused', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'propsweep-publish-'));
  const frames = files('a', 'b', 'c');
  const [source] = files('SS');
  const { names } = await publish(folder, frames, source);
  const placed = join(folder, names.sourceFile ?? '');
  writeFileSync(placed, 'XX');
  await publish(folder, frames, source);
  assert.equal(readFileSync(placed, 'utf8'), 'SS');
  rmSync(placed);
  await publish(folder, frames, source);
  assert.equal(readFileSync(placed, 'utf8'), 'SS');
});

test('a source that cannot be read leaves the previous result whole and says so', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'propsweep-publish-'));
  const frames = files('a', 'b', 'c');
  await publish(folder, frames, undefined);
  const before = readFileSync(join(folder, 'cat.propsweep.json'), 'utf8');
  await assert.rejects(publish(folder, frames, join(folder, 'gone.png')), (error: unknown) => {
    assert.ok(error instanceof StoreInputError, String(error));
    assert.match(error.message, /source image at the frames' size .*gone\.png.* cannot be read/);
    return true;
  });
  await assert.rejects(publish(folder, frames, folder), StoreInputError);
  assert.equal(readFileSync(join(folder, 'cat.propsweep.json'), 'utf8'), before);
});
