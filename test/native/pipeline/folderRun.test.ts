// runFolder as the child runs it, with sharp and onnxruntime, on a folder of the demo's small
// images: skipped and failed images, a shard, a cancel and its resume, and a refused resume.
import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';

import { readImage } from '../../../src/extension/images/io';
import { InferenceChild } from '../../../src/extension/inference/childClient';
import { runFolder } from '../../../src/extension/pipeline/folderRun';
import { StoreInputError } from '../../../src/extension/store/errors';
import type { ExplainFolderRun, RunProgress } from '../../../src/shared/childProtocol';
import { parseFolderFile, validateFolderFile } from '../../../src/shared/folderFile';
import type { ResultFile } from '../../../src/shared/resultFile';
import { distFile, ROOT } from '../../unit/helpers';

const demo = join(ROOT, 'models', 'demo');

/** dark-cat and light-cat with masks, dark-dog without, and a PNG that is not one. */
function imageFolder(root: string): string {
  const dir = join(root, 'images');
  mkdirSync(dir);
  for (const name of ['dark-cat', 'light-cat']) {
    copyFileSync(join(demo, 'images', `${name}.png`), join(dir, `${name}.png`));
    copyFileSync(join(demo, 'images', `${name}.mask.png`), join(dir, `${name}.mask.png`));
  }
  copyFileSync(join(demo, 'images', 'dark-dog.png'), join(dir, 'dark-dog.png'));
  writeFileSync(join(dir, 'broken.png'), 'not a png at all');
  copyFileSync(join(demo, 'images', 'dark-cat.mask.png'), join(dir, 'broken.mask.png'));
  return dir;
}

function request(
  root: string,
  folder: string,
  changes: Partial<ExplainFolderRun> = {},
): ExplainFolderRun {
  return {
    type: 'explainFolder/run',
    folder,
    recursive: false,
    limit: null,
    shard: null,
    adjustment: 'holm',
    editor: 'masked-brightness',
    params: {},
    steps: 5,
    seed: 0,
    permutations: 100,
    alpha: 0.05,
    models: [{ path: join(demo, 'unbiased.onnx') }],
    provider: 'cpu',
    cacheDir: join(root, 'cache'),
    outDir: join(root, 'out'),
    name: 'run',
    ...changes,
  };
}

function context(
  signal = new AbortController().signal,
  progress: (p: RunProgress) => void = () => undefined,
): Parameters<typeof runFolder>[1] {
  return { workerPath: distFile('permutationWorker.js'), signal, progress, log: () => undefined };
}

test('every image: done with its files, skipped without its mask, failed when unreadable', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-folder-'));
  const folder = imageFolder(root);
  const messages: string[] = [];
  const value = await runFolder(
    request(root, folder),
    context(undefined, (p) => messages.push(p.message)),
  );
  const { file } = value;
  assert.deepEqual(validateFolderFile(file), []);
  assert.deepEqual(parseFolderFile(readFileSync(value.summaryPath, 'utf8')), file);
  assert.deepEqual(
    file.rows.map((r) => [r.image, r.status]),
    [
      ['broken.png', 'failed'],
      ['dark-cat.png', 'done'],
      ['dark-dog.png', 'skipped'],
      ['light-cat.png', 'done'],
    ],
  );
  assert.match(file.rows[0]?.reason ?? '', /broken\.png/);
  assert.match(file.rows[2]?.reason ?? '', /dark-dog\.mask\.png/);
  for (const row of file.rows.filter((r) => r.status === 'done')) {
    assert.ok(existsSync(join(root, 'out', row.result_file ?? '')), row.result_file ?? '');
    assert.ok(existsSync(join(root, 'out', row.thumbnail ?? '')), row.thumbnail ?? '');
    // A cheap editor's frames are encoded straight into the result: every one there and whole.
    const resultPath = join(root, 'out', row.result_file ?? '');
    const result = JSON.parse(readFileSync(resultPath, 'utf8')) as ResultFile;
    const source = await readImage(join(folder, row.image));
    for (const [k, frame] of result.frames.entries()) {
      const { image } = await readImage(join(dirname(resultPath), frame.file));
      assert.deepEqual([image.width, image.height], [source.image.width, source.image.height]);
      if (k === 0) assert.deepEqual(image.data, source.image.data, 'frame 0 is the source');
    }
  }
  assert.deepEqual(
    readdirSync(join(root, 'cache'), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.includes('.png'),
    ),
    [],
    'nothing in the frame cache',
  );
  assert.deepEqual(
    { done: file.summary.done, skipped: file.summary.skipped, failed: file.summary.failed },
    { done: 2, skipped: 1, failed: 1 },
  );
  assert.ok(messages.includes('Image 2 of 4: dark-cat.png'), messages.join('\n'));
});

// Started together on one new cache, as shards on one machine are.
test('the shards of a folder are disjoint and together its images', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-folder-'));
  const folder = imageFolder(root);
  const images = await Promise.all(
    [1, 2].map(async (index) => {
      const { file } = await runFolder(
        request(root, folder, {
          editor: 'brightness',
          params: { factor: 1.5 },
          shard: { index, count: 2 },
          outDir: join(root, `out-${index}`),
        }),
        context(),
      );
      assert.deepEqual(file.shard, { index, count: 2 });
      return file.rows.map((r) => r.image);
    }),
  );
  assert.deepEqual(images, [
    ['broken.png', 'dark-dog.png'],
    ['dark-cat.png', 'light-cat.png'],
  ]);
});

test('a cancelled run keeps what it did; the next resumes it and recomputes nothing done', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-folder-'));
  const folder = imageFolder(root);
  const controller = new AbortController();
  const brightness = { editor: 'brightness', params: { factor: 1.5 } };
  // Cancelled when the third image (dark-dog) starts: broken failed, dark-cat done.
  await assert.rejects(
    runFolder(
      request(root, folder, brightness),
      context(controller.signal, (p) => {
        if (p.message.startsWith('Image 3 of 4')) controller.abort();
      }),
    ),
    { name: 'AbortError' },
  );
  const summaryPath = join(root, 'out', 'run.propsweep-folder.json');
  const cancelled = parseFolderFile(readFileSync(summaryPath, 'utf8'));
  assert.deepEqual(
    cancelled.rows.map((r) => [r.image, r.status]),
    [
      ['broken.png', 'failed'],
      ['dark-cat.png', 'done'],
    ],
  );
  const resultFile = join(root, 'out', cancelled.rows[1]?.result_file ?? '');
  const written = statSync(resultFile).mtimeMs;
  const { file } = await runFolder(request(root, folder, brightness), context());
  assert.deepEqual(
    file.rows.map((r) => [r.image, r.status, r.resumed]),
    [
      ['broken.png', 'failed', false],
      ['dark-cat.png', 'done', true],
      ['dark-dog.png', 'done', false],
      ['light-cat.png', 'done', false],
    ],
  );
  assert.equal(file.summary.resumed, 1);
  assert.equal(statSync(resultFile).mtimeMs, written, 'the resumed image was not written again');
  assert.deepEqual(
    file.rows[1]?.models.map((m) => m.epgm),
    cancelled.rows[1]?.models.map((m) => m.epgm),
  );
});

test('a folder holding a run with other settings is refused, naming the difference', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-folder-'));
  const folder = imageFolder(root);
  const brightness = { editor: 'brightness', params: { factor: 1.5 }, limit: 2 };
  await runFolder(request(root, folder, brightness), context());
  await assert.rejects(
    runFolder(request(root, folder, { ...brightness, steps: 6 }), context()),
    (error: unknown) => {
      assert.ok(error instanceof StoreInputError);
      assert.match(error.message, /steps: 6 now, 5 before/);
      assert.match(error.message, /another --out/);
      return true;
    },
  );
});

test('an overlay changed under the same name is a difference: its edits are not resumed', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-folder-'));
  const folder = imageFolder(root);
  const overlay = join(root, 'patch.png');
  copyFileSync(join(demo, 'images', 'light-cat.mask.png'), overlay);
  const blend = { editor: 'blend', params: { overlay }, limit: 2 };
  const { file } = await runFolder(request(root, folder, blend), context());
  assert.match(file.settings.content ?? '', /^[0-9a-f]{64}$/);
  copyFileSync(join(demo, 'images', 'dark-cat.mask.png'), overlay);
  await assert.rejects(runFolder(request(root, folder, blend), context()), (error: unknown) => {
    assert.ok(error instanceof StoreInputError);
    assert.match(
      error.message,
      /the content of the editor's files: [0-9a-f]{12}… now, [0-9a-f]{12}… before/,
    );
    return true;
  });
});

test('through the inference child: progress per image, then the summary it wrote', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-folder-'));
  const folder = imageFolder(root);
  const child = await InferenceChild.start(distFile('inferenceChild.js'));
  try {
    const messages: string[] = [];
    const value = await child.explainFolder(request(root, folder), {
      onProgress: (p) => messages.push(`${p.done ?? ''}/${p.total ?? ''} ${p.message}`),
    });
    assert.deepEqual(parseFolderFile(readFileSync(value.summaryPath, 'utf8')), value.file);
    assert.equal(value.file.summary.done, 2);
    // Progress is coalesced (an image skipped in a moment may not be shown); each image explained
    // is, with its index and the count.
    for (const [i, image] of [
      [1, 'dark-cat.png'],
      [3, 'light-cat.png'],
    ] as const) {
      const prefix = `${i}/4 Image ${i + 1} of 4: ${image}`;
      assert.ok(
        messages.some((m) => m.startsWith(prefix)),
        messages.join('\n'),
      );
    }
  } finally {
    child.dispose();
  }
});

test('a shard of a folder with fewer images than shards writes a valid, empty summary', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-folder-'));
  const folder = imageFolder(root);
  const value = await runFolder(
    request(root, folder, { editor: 'brightness', shard: { index: 5, count: 8 } }),
    context(),
  );
  const { file } = value;
  assert.deepEqual([file.listed, file.rows.length, file.summary.images], [0, 0, 0]);
  assert.deepEqual(file.shard, { index: 5, count: 8 });
  assert.deepEqual(parseFolderFile(readFileSync(value.summaryPath, 'utf8')), file);
});

test('a summary lists the images its run selected, also when it was stopped before them all', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-folder-'));
  const folder = imageFolder(root);
  const brightness = { editor: 'brightness', params: { factor: 1.5 }, limit: 3 };
  const controller = new AbortController();
  await assert.rejects(
    runFolder(
      request(root, folder, brightness),
      context(controller.signal, (p) => {
        if (p.message.startsWith('Image 3 of 3')) controller.abort();
      }),
    ),
    { name: 'AbortError' },
  );
  const stopped = parseFolderFile(
    readFileSync(join(root, 'out', 'run.propsweep-folder.json'), 'utf8'),
  );
  assert.deepEqual([stopped.rows.length, stopped.listed], [2, 3]);
  const { file } = await runFolder(request(root, folder, brightness), context());
  assert.deepEqual([file.rows.length, file.listed], [3, 3]);
});

test('a shard into the --out of another shard is refused, and that shard is left as it was', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-folder-'));
  const folder = imageFolder(root);
  const brightness = { editor: 'brightness', params: { factor: 1.5 } };
  const first = await runFolder(
    request(root, folder, { ...brightness, shard: { index: 1, count: 3 } }),
    context(),
  );
  const summary = readFileSync(first.summaryPath, 'utf8');
  for (const shard of [{ index: 2, count: 3 }, null]) {
    await assert.rejects(
      runFolder(request(root, folder, { ...brightness, shard }), context()),
      (error: unknown) => {
        assert.ok(error instanceof StoreInputError);
        assert.equal(
          error.message,
          `${join(root, 'out')} holds shard 1/3 of this folder; give each shard its own --out.`,
        );
        return true;
      },
    );
  }
  assert.equal(readFileSync(first.summaryPath, 'utf8'), summary);
});

test('a run whose summary would be too large to open again is refused before any work', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-folder-'));
  const folder = join(root, 'many');
  mkdirSync(folder);
  // Never read: the run is refused from the listing, the classifiers and the steps.
  for (let i = 0; i < 200; i++)
    writeFileSync(join(folder, `${String(i).padStart(3, '0')}.png`), '');
  const models = Array.from({ length: 64 }, () => ({ path: join(demo, 'unbiased.onnx') }));
  const messages: string[] = [];
  await assert.rejects(
    runFolder(
      request(root, folder, { editor: 'brightness', steps: 1001, models }),
      context(undefined, (p) => messages.push(p.message)),
    ),
    (error: unknown) => {
      assert.ok(error instanceof Error && error.name === 'EditorInputError', String(error));
      assert.match(
        error.message,
        /^The summary of 200 images x 64 classifiers x 1001 steps would take about .* MiB, more than the 256 MiB .*--shard i\/n.*fewer --steps/,
      );
      return true;
    },
  );
  assert.deepEqual(messages, [], 'no classifier was loaded');
  assert.ok(!existsSync(join(root, 'out')), 'nothing was written');
});

test('classifiers on their own thread give the same rows; image folders have no HTML report', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-folder-'));
  const folder = imageFolder(root);
  const here = await runFolder(request(root, folder, { outDir: join(root, 'here') }), context());
  const there = await runFolder(request(root, folder, { outDir: join(root, 'there') }), {
    ...context(),
    classifierWorkerPath: distFile('classifierWorker.js'),
  });
  assert.deepEqual(there.file.rows, here.file.rows);
  assert.deepEqual(there.file.summary, here.file.summary);
  for (const row of there.file.rows.filter((r) => r.status === 'done')) {
    const dir = join(root, 'there', row.result_file ?? '', '..');
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.html')),
      [],
      `${dir}: the folder's summary is its report`,
    );
  }
});
