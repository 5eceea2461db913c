import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { loadResult, saveResultTo, staleModels } from '../../../src/extension/store/resultFiles';
import { stableStringify, type ResultFile } from '../../../src/shared/resultFile';
import { sampleResult } from '../builders';

/** Writes a sample result with its frames into a fresh folder; returns the JSON path. */
function writeSample(change: (r: ResultFile) => ResultFile = (r) => r): {
  dir: string;
  path: string;
  result: ResultFile;
} {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-result-'));
  mkdirSync(join(dir, 'frames'));
  const result = change(sampleResult());
  for (const f of result.frames)
    if (!f.file.includes('..')) writeFileSync(join(dir, f.file), 'png');
  writeFileSync(join(dir, 'cat.png'), 'image');
  writeFileSync(join(dir, 'tiny.onnx'), 'model bytes');
  const path = join(dir, 'x.propsweep.json');
  writeFileSync(path, stableStringify(result));
  return { dir, path, result };
}

test('a valid result loads with absolute frame paths and its source image', async () => {
  const { dir, path } = writeSample();
  const loaded = await loadResult(path);
  assert.equal(loaded.framePaths.length, 5);
  assert.ok(loaded.framePaths.every((p) => p.startsWith(dir)));
  assert.equal(loaded.sourcePath, join(dir, 'cat.png'));
});

test('untrusted results are refused with the reason', async () => {
  const tampered = writeSample((r) => ({
    ...r,
    frames: r.frames.map((f, k) => (k === 2 ? { ...f, file: '../outside.png' } : f)),
  }));
  await assert.rejects(loadResult(tampered.path), /frames\[2\]\.file must be a relative path/);
  const linked = writeSample();
  const outside = join(mkdtempSync(join(tmpdir(), 'propsweep-secret-')), 'secret.png');
  writeFileSync(outside, 'secret');
  symlinkSync(outside, join(linked.dir, 'frames', 'evil.png'));
  const withLink = {
    ...linked.result,
    frames: linked.result.frames.map((f, k) => (k === 0 ? { ...f, file: 'frames/evil.png' } : f)),
  };
  writeFileSync(linked.path, stableStringify(withLink));
  await assert.rejects(loadResult(linked.path), /points outside the result's folder/);
  const missing = writeSample((r) => ({
    ...r,
    frames: r.frames.map((f, k) => (k === 1 ? { ...f, file: 'frames/gone.png' } : f)),
  }));
  rmSync(join(missing.dir, 'frames', 'gone.png'));
  await assert.rejects(loadResult(missing.path), /frames\/gone\.png is missing/);
  const newer = writeSample((r) => ({ ...r, propsweep: 7 }));
  await assert.rejects(loadResult(newer.path), /newer propsweep/);
  const broken = writeSample();
  writeFileSync(broken.path, '{"propsweep": 1, ');
  await assert.rejects(loadResult(broken.path), /not valid JSON/);
  await assert.rejects(loadResult(join(broken.dir, 'nope.propsweep.json')), /does not exist/);
});

test('stale models: a changed or missing model file is reported; the recorded one is not', async () => {
  const { dir, path, result } = writeSample();
  assert.deepEqual(await staleModels(path, result), [
    { model: 'tiny <model>', reason: 'tiny.onnx changed since this result was made' },
  ]);
  const { createHash } = await import('node:crypto');
  const sha = createHash('sha256')
    .update(readFileSync(join(dir, 'tiny.onnx')))
    .digest('hex');
  const fresh = { ...result, models: result.models.map((m) => ({ ...m, sha256: sha })) };
  assert.deepEqual(await staleModels(path, fresh), []);
  const gone = { ...fresh, models: fresh.models.map((m) => ({ ...m, path: 'missing.onnx' })) };
  assert.match((await staleModels(path, gone))[0]?.reason ?? '', /missing\.onnx is not found/);
});

test('saving into the workspace copies the frames and keeps image and model paths right', async () => {
  const { dir, path } = writeSample();
  const workspace = mkdtempSync(join(tmpdir(), 'propsweep-ws-'));
  const target = await saveResultTo(
    await loadResult(path),
    join(workspace, 'explanations'),
    'cat-brightness',
  );
  const saved = JSON.parse(readFileSync(target, 'utf8')) as ResultFile;
  assert.match(saved.frames[0]?.file ?? '', /^cat-brightness\.frames\/[0-9a-f]{16}\/000\.png$/);
  const reloaded = await loadResult(target);
  assert.equal(reloaded.framePaths.length, 5);
  assert.equal(join(workspace, 'explanations', saved.image.path), join(dir, 'cat.png'));
  assert.equal(
    join(workspace, 'explanations', saved.models[0]?.path ?? ''),
    join(dir, 'tiny.onnx'),
  );
});
