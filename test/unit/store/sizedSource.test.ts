// The source at the frames' size (a diffusion editor's `reconstruction.file`): written beside the
// frames, read back with the frames' checks, and carried along when a result is saved elsewhere.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  loadResult,
  ResultFileError,
  saveResultTo,
} from '../../../src/extension/store/resultFiles';
import { writeResult } from '../../../src/extension/store/resultWriter';
import type { ResultFile } from '../../../src/shared/resultFile';
import { diffusionResult } from '../diffusionBuilders';
import { sampleResult } from '../builders';
import { solidPng } from '../share/pngBuilders';
import { writeSample } from './resultFilesBuilders';

/** The sample laid out on disk with a reconstruction whose source is `file`. */
function withSource(file: string): ReturnType<typeof writeSample> {
  return writeSample((r) => ({ ...r, reconstruction: { change: 0.04, file } }));
}

async function refused(path: string, why: RegExp): Promise<void> {
  await assert.rejects(loadResult(path), (error: unknown) => {
    assert.ok(error instanceof ResultFileError, String(error));
    assert.match(error.message, why);
    return true;
  });
}

test('writeResult publishes the source beside the frames and records it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-writer-'));
  const result = diffusionResult();
  const framePaths = result.frames.map((_, k) => {
    const path = join(dir, `scratch-${String(k)}.png`);
    writeFileSync(
      path,
      solidPng(2, 2, () => [k * 40, 0, 0]),
    );
    return path;
  });
  const source = join(dir, 'scratch-source.png');
  writeFileSync(
    source,
    solidPng(2, 2, () => [9, 9, 9]),
  );
  const out = join(dir, 'out');
  const written = await writeResult(out, 'cat', result, framePaths, 'a cat', undefined, source);
  const file = written.result.reconstruction?.file ?? '';
  assert.match(file, /^cat\.frames\/[0-9a-f]{16}\/source\.png$/);
  assert.equal(file.split('/')[1], written.result.frames[0]?.file.split('/')[1], 'same folder');
  assert.deepEqual(readFileSync(join(out, file)), readFileSync(source));
  const saved = JSON.parse(readFileSync(written.resultPath, 'utf8')) as ResultFile;
  assert.equal(saved.reconstruction?.file, file);
  assert.equal(saved.reconstruction.change, result.reconstruction?.change);
  // The report shows it: one more embedded image than the frames.
  const report = readFileSync(written.reportPath, 'utf8');
  assert.match(report, /alt="Source"/);
  const loaded = await loadResult(written.resultPath);
  assert.equal(loaded.sizedSourcePath, join(loaded.folder, file));
  await assert.rejects(
    writeResult(join(dir, 'other'), 'cat', sampleResult(), framePaths, 't', undefined, source),
    /only for a reconstruction/,
  );
});

test('the source beside the reconstruction is read with the checks of a frame', async () => {
  const ok = withSource('x.frames/v1/source.png');
  writeFileSync(join(ok.dir, 'x.frames', 'v1', 'source.png'), solidPng(4, 4));
  const loaded = await loadResult(ok.path);
  assert.equal(loaded.sizedSourcePath, join(loaded.folder, 'x.frames', 'v1', 'source.png'));
  assert.equal((await loadResult(writeSample().path)).sizedSourcePath, null);

  await refused(withSource('../../id_rsa').path, /reconstruction\.file must be a relative path/);
  const beside = withSource('.env');
  writeFileSync(join(beside.dir, '.env'), 'SECRET=1\n');
  await refused(beside.path, /the source image \.env is not in x\.frames\//);
  await refused(
    withSource('x.frames/v1/source.png').path,
    /the source image x\.frames\/v1\/source\.png is missing/,
  );
  const linked = withSource('x.frames/v1/source.png');
  const secret = join(mkdtempSync(join(tmpdir(), 'propsweep-secret-')), 'key.png');
  writeFileSync(secret, solidPng(2, 2));
  symlinkSync(secret, join(linked.dir, 'x.frames', 'v1', 'source.png'));
  await refused(linked.path, /source image .* points outside the result's frames folder/);
  const text = withSource('x.frames/v1/source.png');
  writeFileSync(join(text.dir, 'x.frames', 'v1', 'source.png'), 'not a png');
  await refused(text.path, /source image x\.frames\/v1\/source\.png/);
  const fifo = withSource('x.frames/v1/source.png');
  execFileSync('mkfifo', [join(fifo.dir, 'x.frames', 'v1', 'source.png')]);
  await refused(fifo.path, /source\.png cannot be read: it is not a regular file/);
  const folder = withSource('x.frames/v1/source.png');
  mkdirSync(join(folder.dir, 'x.frames', 'v1', 'source.png'));
  await refused(folder.path, /source\.png cannot be read: it is not a regular file/);
});

test('saving a result elsewhere carries its source beside the new frames', async () => {
  const { dir, path } = withSource('x.frames/v1/source.png');
  writeFileSync(
    join(dir, 'x.frames', 'v1', 'source.png'),
    solidPng(4, 4, () => [1, 2, 3]),
  );
  const workspace = mkdtempSync(join(tmpdir(), 'propsweep-ws-'));
  const target = await saveResultTo(await loadResult(path), join(workspace, 'ex'), 'cat-ip2p');
  const saved = JSON.parse(readFileSync(target, 'utf8')) as ResultFile;
  assert.match(saved.reconstruction?.file ?? '', /^cat-ip2p\.frames\/[0-9a-f]{16}\/source\.png$/);
  assert.equal(saved.reconstruction?.change, 0.04);
  const reloaded = await loadResult(target);
  assert.deepEqual(
    readFileSync(reloaded.sizedSourcePath ?? ''),
    readFileSync(join(dir, 'x.frames', 'v1', 'source.png')),
  );
  // Without a source file, the record keeps its change only.
  const plain = writeSample((r) => ({ ...r, reconstruction: { change: 0.1 } }));
  const again = await saveResultTo(await loadResult(plain.path), join(workspace, 'ex'), 'plain');
  assert.deepEqual((JSON.parse(readFileSync(again, 'utf8')) as ResultFile).reconstruction, {
    change: 0.1,
  });
});
