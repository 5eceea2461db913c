// runExplain as the child runs it, with sharp and onnxruntime: a run whose disk fills up while it
// writes (a clear user error, the previous result whole, nothing of the failed run left), the
// preview of a run, sent before its frames are written, and classifiers kept loaded between runs.
import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mock, test } from 'node:test';

import { editorById } from '../../../src/extension/editors/registry';
import { readImage } from '../../../src/extension/images/io';
import { runExplain, WarmClassifiers } from '../../../src/extension/pipeline/explainRun';
import { StoreInputError } from '../../../src/extension/store/errors';
import type { ExplainRun, RunPreview } from '../../../src/shared/childProtocol';
import { PREVIEW_LIMITS } from '../../../src/shared/previewFrames';
import { distFile, ROOT } from '../../unit/helpers';
import { pngBytes } from '../../unit/images/builders';

const demo = join(ROOT, 'models', 'demo');

function request(outDir: string, cacheDir: string, factor: number): ExplainRun {
  return {
    type: 'explain/run',
    image: join(demo, 'images', 'dark-cat.png'),
    editor: 'brightness',
    params: { factor },
    steps: 5,
    seed: 0,
    permutations: 100,
    alpha: 0.01,
    models: [{ path: join(demo, 'unbiased.onnx') }],
    provider: 'cpu',
    cacheDir,
    outDir,
    name: 'cat',
  };
}

const context = {
  workerPath: distFile('permutationWorker.js'),
  signal: new AbortController().signal,
  progress: () => undefined,
  log: () => undefined,
};

test('a full disk: StoreInputError naming the folder, the previous result whole, no orphans', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-run-'));
  const out = join(root, 'out');
  const cache = join(root, 'cache');
  const first = await runExplain(request(out, cache, 1.5), context);
  const before = readdirSync(out).sort();
  const frames = readdirSync(join(out, 'cat.frames'));
  const writeFile = fs.writeFile.bind(fs);
  let writes = 0;
  // The probe passes; the disk fills up while the new frames are written out.
  mock.method(fs, 'writeFile', async (path: string, data: Uint8Array | string) => {
    if (path.startsWith(out) && !path.includes('probe') && ++writes > 2)
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC', path });
    await writeFile(path, data);
  });
  try {
    await assert.rejects(runExplain(request(out, cache, 1.8), context), (error: unknown) => {
      assert.ok(error instanceof StoreInputError);
      assert.match(
        error.message,
        new RegExp(`^Cannot write to ${out}.*no space left.*Free some space`),
      );
      return true;
    });
  } finally {
    mock.restoreAll();
  }
  assert.deepEqual(readdirSync(out).sort(), before, 'no temporary folder, no lock');
  assert.deepEqual(readdirSync(join(out, 'cat.frames')), frames, 'no partial version');
  assert.deepEqual(JSON.parse(readFileSync(first.resultPath, 'utf8')), first.result);
});

test('the preview comes before any frame or result is written, and is the saved answer', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-run-'));
  const out = join(root, 'out');
  const cache = join(root, 'cache');
  const pngsIn = (dir: string): string[] =>
    readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.png'));
  const previews: { preview: RunPreview; written: number; saved: boolean }[] = [];
  // blur: an editor whose frames are cached (cheap ones write theirs straight into the result).
  const done = await runExplain(
    { ...request(out, cache, 1.5), editor: 'blur', params: {} },
    {
      ...context,
      preview: (preview) => {
        previews.push({
          preview,
          written: pngsIn(root).length,
          saved: existsSync(join(out, 'cat.propsweep.json')),
        });
      },
    },
  );
  assert.equal(previews.length, 1);
  const [{ preview, written, saved } = assert.fail('no preview')] = previews;
  assert.equal(written, 0, 'no frame encoded before the preview');
  assert.equal(saved, false, 'no result written before the preview');
  assert.equal(pngsIn(cache).length, 5, 'then every frame is written');
  assert.deepEqual(preview.result.models, done.result.models);
  assert.deepEqual(
    preview.result.frames.map(({ strength, parameter }) => [strength, parameter]),
    done.result.frames.map(({ strength, parameter }) => [strength, parameter]),
  );
  const { width, height } = done.result.image;
  const side = Math.max(width, height);
  for (const frame of preview.frames) {
    assert.ok(Math.max(frame.width, frame.height) === Math.min(side, PREVIEW_LIMITS.maxSide));
    assert.equal(frame.pixels.length, frame.width * frame.height * 3);
  }
});

test("a cheap editor's frames go straight into the result, none into the cache; others' are cached", async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-run-'));
  const cache = join(root, 'cache');
  const entries = (): string[] =>
    readdirSync(cache, { recursive: true, encoding: 'utf8' }).filter((f) => /\.png/.test(f));
  const cheap = await runExplain(request(join(root, 'cheap'), cache, 1.5), context);
  assert.deepEqual(entries(), [], 'no cache entry, nor its metadata');
  const editor = editorById('brightness');
  const { image } = await readImage(join(demo, 'images', 'dark-cat.png'));
  const strengths = cheap.result.frames.map((f) => f.strength);
  const rendered: Uint8Array[] = [];
  for await (const frame of editor.edit(
    { source: image, params: editor.resolveParams({ factor: 1.5 }), seed: 0 },
    strengths,
  ))
    rendered.push(frame.image.data);
  assert.equal(rendered.length, 5);
  for (const [k, frame] of cheap.result.frames.entries()) {
    const saved = await readImage(join(root, 'cheap', frame.file));
    assert.deepEqual(saved.image.data, rendered[k], `frame ${k} as rendered`);
  }
  // The same run again: the same version folder, nothing cached still.
  const again = await runExplain(request(join(root, 'cheap'), cache, 1.5), context);
  assert.deepEqual(
    again.result.frames.map((f) => f.file),
    cheap.result.frames.map((f) => f.file),
  );
  assert.deepEqual(entries(), []);
  await runExplain(
    { ...request(join(root, 'blur'), cache, 1), editor: 'blur', params: {} },
    context,
  );
  assert.equal(entries().length, 10, 'a blur frame is cached: its PNG and its metadata');
});

test('a changed overlay file makes new frames: the cache keys frames on the files a parameter names', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-run-'));
  const cache = join(root, 'cache');
  const overlay = join(root, 'patch.png');
  const blend = (outDir: string): ExplainRun => ({
    ...request(outDir, cache, 1),
    editor: 'blend',
    params: { overlay, x: 0, y: 0 },
  });
  // The same name, the same parameters, another colour: only the file's content tells them apart.
  const framePixel = async (colour: readonly [number, number, number], outDir: string) => {
    writeFileSync(overlay, pngBytes(2, 2, 8, 2, [...colour, ...colour, ...colour, ...colour]));
    const run = await runExplain(blend(outDir), context);
    const last = run.result.frames.at(-1)?.file ?? '';
    return (await readImage(join(outDir, last))).image.data.slice(0, 3);
  };
  assert.deepEqual([...(await framePixel([255, 0, 0], join(root, 'a')))], [255, 0, 0]);
  assert.deepEqual([...(await framePixel([0, 0, 255], join(root, 'b')))], [0, 0, 255]);
});

test('the next run reuses the loaded classifier while its model file and sidecar are unchanged', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-run-'));
  const model = join(root, 'model.onnx');
  const sidecar = join(root, 'model.json');
  copyFileSync(join(demo, 'dark-cats.onnx'), model);
  copyFileSync(join(demo, 'dark-cats.json'), sidecar);
  const warm = new WarmClassifiers();
  const lines: string[] = [];
  const run = async (name: string) => {
    lines.length = 0;
    const value = await runExplain(
      { ...request(join(root, 'out'), join(root, 'cache'), 1.5), models: [{ path: model }], name },
      { ...context, log: (line) => lines.push(line), warm },
    );
    const [record] = value.result.models;
    assert.ok(record !== undefined);
    return { record, reused: lines.some((l) => l.includes('its loaded session reused')) };
  };
  try {
    const first = await run('first');
    assert.equal(first.reused, false);
    const second = await run('second');
    assert.equal(second.reused, true, 'the second run reuses the session');
    assert.deepEqual(second.record.predictions, first.record.predictions);
    assert.equal(second.record.sha256, first.record.sha256);
    // Another sidecar: the labels it names must reach the result, so the model is loaded anew.
    const values = JSON.parse(readFileSync(sidecar, 'utf8')) as Record<string, unknown>;
    writeFileSync(sidecar, JSON.stringify({ ...values, labels: ['kitten', 'puppy'] }));
    const relabelled = await run('relabelled');
    assert.equal(relabelled.reused, false);
    assert.deepEqual(relabelled.record.labels, ['kitten', 'puppy']);
    // Another model in the same file (a checkpoint written over): loaded anew, its own answers.
    copyFileSync(join(demo, 'unbiased.onnx'), model);
    const replaced = await run('replaced');
    assert.equal(replaced.reused, false);
    assert.notEqual(replaced.record.sha256, first.record.sha256);
    assert.notDeepEqual(replaced.record.predictions, first.record.predictions);
    assert.equal((await run('again')).reused, true);
    assert.equal(warm.size, 1);
    // A track run (Watch Checkpoints, propsweep track): its checkpoints are not kept.
    await warm.dispose();
    const tracked = new WarmClassifiers();
    await runExplain(
      {
        ...request(join(root, 'track'), join(root, 'cache'), 1.5),
        models: [{ path: model }],
        track: {
          order: 'mtime',
          checkpoints: [{ file: model, epoch: null, step: null, mtime: new Date(0).toISOString() }],
        },
      },
      { ...context, warm: tracked },
    );
    assert.equal(tracked.size, 0);
  } finally {
    await warm.dispose();
  }
});
