import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import fsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mock, test } from 'node:test';

import { markdownSnippet } from '../../../src/extension/share/markdown';
import { renderReport } from '../../../src/extension/share/reportHtml';
import {
  loadResult,
  ResultFileError,
  saveResultTo,
  staleModels,
} from '../../../src/extension/store/resultFiles';
import {
  isHostMessage,
  EMPTY_SNAPSHOT,
  PANEL_PROTOCOL_VERSION,
} from '../../../src/shared/protocol';
import { stableStringify, type ResultFile } from '../../../src/shared/resultFile';
import { solidPng } from '../share/pngBuilders';
import { writeSample } from './resultFilesBuilders';

/** Rewrites frame k of a sample to `file`. */
function frameAt(k: number, file: string): (r: ResultFile) => ResultFile {
  return (r) => ({ ...r, frames: r.frames.map((f, i) => (i === k ? { ...f, file } : f)) });
}

async function refused(path: string, why: RegExp): Promise<void> {
  await assert.rejects(loadResult(path), (error: unknown) => {
    assert.ok(error instanceof ResultFileError, String(error));
    assert.match(error.message, why);
    return true;
  });
}

test('a valid result loads with real frame paths and its source image', async () => {
  const { dir, path } = writeSample();
  const loaded = await loadResult(path);
  assert.equal(loaded.framePaths.length, 5);
  assert.ok(loaded.framePaths.every((p) => p.startsWith(join(loaded.folder, 'x.frames'))));
  assert.equal(loaded.framesDir, join(loaded.folder, 'x.frames'));
  assert.equal(loaded.sourcePath, join(loaded.folder, 'cat.png'));
  assert.ok(loaded.folder.endsWith(dir.split('/').at(-1) ?? ''));
});

test('untrusted results are refused with the reason, always as a ResultFileError', async () => {
  await refused(
    writeSample(frameAt(2, '../outside.png')).path,
    /frames\[2\]\.file must be a relative path/,
  );
  const missing = writeSample();
  rmSync(join(missing.dir, 'x.frames', 'v1', '001.png'));
  await refused(missing.path, /x\.frames\/v1\/001\.png is missing/);
  await refused(writeSample((r) => ({ ...r, propsweep: 7 })).path, /newer propsweep/);
  const broken = writeSample();
  writeFileSync(broken.path, '{"propsweep": 1, ');
  await refused(broken.path, /not valid JSON/);
  await refused(join(broken.dir, 'nope.propsweep.json'), /does not exist/);
  await refused(broken.dir, /not a regular file/);
  const huge = writeSample();
  writeFileSync(huge.path, Buffer.alloc(64 * 1024 * 1024 + 1, 32));
  await refused(huge.path, /larger than 64 MiB, the most/);
  await refused(writeSample(() => ({ propsweep: 1 })).path, /cannot be shown/);
});

test("a frame must be a decodable PNG in the result's own frames folder", async () => {
  // Secrets beside the result: not in x.frames/, so never read.
  const git = writeSample(frameAt(0, '.git/config'));
  mkdirSync(join(git.dir, '.git'));
  writeFileSync(join(git.dir, '.git', 'config'), '[remote "origin"]\n\turl = https://token@host\n');
  await refused(git.path, /the frame \.git\/config is not in x\.frames\//);
  const env = writeSample(frameAt(1, '.env'));
  writeFileSync(join(env.dir, '.env'), 'SECRET=1\n');
  await refused(env.path, /the frame \.env is not in x\.frames\//);
  // Another result's frames beside it.
  const other = writeSample(frameAt(0, 'other.frames/v1/000.png'));
  mkdirSync(join(other.dir, 'other.frames', 'v1'), { recursive: true });
  writeFileSync(join(other.dir, 'other.frames', 'v1', '000.png'), solidPng(2, 2));
  await refused(other.path, /other\.frames\/v1\/000\.png is not in x\.frames\//);
  // A secret copied into the frames folder under a frame's name: not a PNG, so not embedded.
  const renamed = writeSample();
  writeFileSync(join(renamed.dir, 'x.frames', 'v1', '003.png'), 'SECRET=1\n');
  await refused(renamed.path, /x\.frames\/v1\/003\.png is not a decodable PNG: .*signature/);
  const truncated = writeSample();
  writeFileSync(join(truncated.dir, 'x.frames', 'v1', '002.png'), solidPng(4, 4).subarray(0, 50));
  await refused(truncated.path, /002\.png is not a decodable PNG/);
  // Links out of the frames folder, and a linked frames folder.
  const linked = writeSample();
  const secret = join(mkdtempSync(join(tmpdir(), 'propsweep-secret-')), 'secret.png');
  writeFileSync(secret, solidPng(2, 2));
  rmSync(join(linked.dir, 'x.frames', 'v1', '000.png'));
  symlinkSync(secret, join(linked.dir, 'x.frames', 'v1', '000.png'));
  await refused(linked.path, /000\.png points outside the result's frames folder/);
  const folderLink = writeSample();
  rmSync(join(folderLink.dir, 'x.frames'), { recursive: true });
  mkdirSync(join(folderLink.dir, 'elsewhere', 'v1'), { recursive: true });
  for (let k = 0; k < 5; k++)
    writeFileSync(join(folderLink.dir, 'elsewhere', 'v1', `00${k}.png`), solidPng(2, 2));
  symlinkSync(join(folderLink.dir, 'elsewhere'), join(folderLink.dir, 'x.frames'));
  await refused(folderLink.path, /frames folder x\.frames is a link/);
  // A FIFO in place of a frame is refused at once, not waited on.
  const fifo = writeSample();
  rmSync(join(fifo.dir, 'x.frames', 'v1', '004.png'));
  execFileSync('mkfifo', [join(fifo.dir, 'x.frames', 'v1', '004.png')]);
  await refused(fifo.path, /004\.png cannot be read: it is not a regular file/);
  // A folder where a frame should be.
  const folder = writeSample();
  rmSync(join(folder.dir, 'x.frames', 'v1', '004.png'));
  mkdirSync(join(folder.dir, 'x.frames', 'v1', '004.png'));
  await refused(folder.path, /004\.png cannot be read: it is not a regular file/);
});

test('the source image is shown only when it is an image file inside the allowed folders', async () => {
  const outside = join(mkdtempSync(join(tmpdir(), 'propsweep-elsewhere-')), 'cat.png');
  writeFileSync(outside, solidPng(2, 2));
  const away = writeSample((r) => ({ ...r, image: { ...r.image, path: outside } }));
  assert.equal((await loadResult(away.path)).sourcePath, null);
  const up = writeSample((r) => ({ ...r, image: { ...r.image, path: '../cat.png' } }));
  assert.equal((await loadResult(up.path)).sourcePath, null);
  // With the workspace as a root, the same file one folder up is shown.
  const inWorkspace = writeSample((r) => ({ ...r, image: { ...r.image, path: 'sub/../cat.png' } }));
  assert.ok((await loadResult(inWorkspace.path, { roots: [inWorkspace.dir] })).sourcePath !== null);
  const env = writeSample((r) => ({ ...r, image: { ...r.image, path: '.env' } }));
  writeFileSync(join(env.dir, '.env'), 'SECRET=1');
  assert.equal((await loadResult(env.path)).sourcePath, null);
  const fifo = writeSample((r) => ({ ...r, image: { ...r.image, path: 'pipe.png' } }));
  execFileSync('mkfifo', [join(fifo.dir, 'pipe.png')]);
  assert.equal((await loadResult(fifo.path)).sourcePath, null);
});

test('stale models: a changed or missing model file is reported; the recorded one is not', async () => {
  const { dir, path, result } = writeSample();
  assert.deepEqual(await staleModels(path, result), [
    {
      model: 'tiny <model>',
      kind: 'stale',
      reason: 'tiny.onnx changed since this result was made',
    },
  ]);
  const sha = createHash('sha256')
    .update(readFileSync(join(dir, 'tiny.onnx')))
    .digest('hex');
  const fresh = { ...result, models: result.models.map((m) => ({ ...m, sha256: sha })) };
  assert.deepEqual(await staleModels(path, fresh), []);
  const gone = { ...fresh, models: fresh.models.map((m) => ({ ...m, path: 'missing.onnx' })) };
  assert.match((await staleModels(path, gone))[0]?.reason ?? '', /missing\.onnx is not found/);
});

test('a model file named many times is read once', async () => {
  const { dir, path, result } = writeSample();
  const [model] = result.models;
  assert.ok(model !== undefined);
  // A result from someone else: one large file named as 512 models, each with 256 more files.
  const files = Array.from({ length: 256 }, () => ({
    role: 'prompts',
    path: 'tiny.onnx',
    sha256: model.sha256,
  }));
  const many = {
    ...result,
    models: Array.from({ length: 512 }, (_, i) => ({ ...model, name: `m${i}`, files })),
  };
  const open = fsPromises.open.bind(fsPromises);
  const opened: string[] = [];
  mock.method(fsPromises, 'open', (file: string, ...rest: [string]) => {
    opened.push(file);
    return open(file, ...rest);
  });
  try {
    const checks = await staleModels(path, many);
    assert.equal(checks.length, 512);
    assert.ok(checks.every((c) => c.kind === 'stale'));
  } finally {
    mock.restoreAll();
  }
  assert.deepEqual(
    opened.filter((f) => f.endsWith('tiny.onnx')),
    [realpathSync(join(dir, 'tiny.onnx'))],
  );
});

// The timeout turns a hang (what a FIFO or /dev/zero did before) into a failure.
test(
  'model paths that are not regular files inside the workspace are not hashed: "cannot check"',
  { timeout: 60_000 },
  async () => {
    const { dir, path, result } = writeSample();
    execFileSync('mkfifo', [join(dir, 'fifo.onnx')]);
    symlinkSync('/dev/zero', join(dir, 'zero.onnx'));
    const at = (p: string): ResultFile => ({
      ...result,
      models: result.models.map((m) => ({ ...m, path: p })),
    });
    // Each returns at once; before the fix the FIFO waited for a writer and /dev/zero never ended.
    const fifo = await staleModels(path, at('fifo.onnx'));
    assert.deepEqual(
      fifo.map((c) => c.kind),
      ['unchecked'],
    );
    assert.match(fifo[0]?.reason ?? '', /cannot check fifo\.onnx: it is not a regular file/);
    assert.match(
      (await staleModels(path, at('/dev/zero')))[0]?.reason ?? '',
      /cannot check \/dev\/zero: it is outside the workspace/,
    );
    assert.match(
      (await staleModels(path, at('zero.onnx'), ['/']))[0]?.reason ?? '',
      /cannot check zero\.onnx: it is not a regular file/,
    );
    assert.match(
      (await staleModels(path, at('../../etc/hostname')))[0]?.reason ?? '',
      /outside the workspace/,
    );
    assert.match((await staleModels(path, at('')))[0]?.reason ?? '', /no model path recorded/);
  },
);

test('results the loader accepts are normalised once: every export renders them', async () => {
  const loose = [
    (r: ResultFile) => ({ ...r, quality: undefined }),
    (r: ResultFile) => ({ ...r, image: undefined }),
    (r: ResultFile) => ({ ...r, editor: { ...r.editor, params: null, title: 2024 } }),
    (r: ResultFile) => ({
      ...r,
      models: r.models.map((m) => ({
        ...m,
        labels: [0, 1],
        notes: null,
        measure: { ...m.measure, flip_details: [{ from: 'x' }], labels: 7 },
      })),
    }),
    (r: ResultFile) => ({ ...r, mask: 'nope', timings: null, created: 5 }),
  ];
  for (const change of loose) {
    const { path } = writeSample(change);
    const loaded = await loadResult(path);
    const { result } = loaded;
    assert.equal(typeof result.editor.title, 'string');
    assert.ok(result.models.every((m) => m.labels.every((l) => typeof l === 'string')));
    assert.doesNotThrow(() => markdownSnippet(result));
    assert.doesNotThrow(() =>
      renderReport('t', [{ title: 't', result, frameUris: result.frames.map(() => '') }]),
    );
    // What the loader returns passes the webview's check of a snapshot.
    const snapshot = {
      ...EMPTY_SNAPSHOT,
      result,
      frameUris: result.frames.map((_, k) => `uri${k}`),
    };
    assert.ok(isHostMessage({ type: 'panel/snapshot', version: PANEL_PROTOCOL_VERSION, snapshot }));
  }
  const numeric = await loadResult(writeSample(loose[2]).path);
  assert.equal(numeric.result.editor.title, '2024');
  assert.deepEqual(numeric.result.editor.params, {});
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
  assert.ok(stableStringify(saved).length > 0);
});

test('stale models of every kind: a changed prompts file, a command checkpoint, a command without one', async () => {
  const { dir, path, result } = writeSample();
  const sha = (file: string): string =>
    createHash('sha256')
      .update(readFileSync(join(dir, file)))
      .digest('hex');
  writeFileSync(join(dir, 'prompts.txt'), 'cat: a photo of a cat\ndog: a photo of a dog\n');
  const clip = {
    ...result,
    models: result.models.map((m) => ({
      ...m,
      kind: 'clip' as const,
      sha256: sha('tiny.onnx'),
      files: [{ role: 'prompts', path: 'prompts.txt', sha256: sha('prompts.txt') }],
    })),
  };
  assert.deepEqual(await staleModels(path, clip), []);
  writeFileSync(join(dir, 'prompts.txt'), 'cat: a cat\ndog: a dog\n');
  assert.match(
    (await staleModels(path, clip))[0]?.reason ?? '',
    /prompts\.txt changed since this result was made/,
  );
  const command = {
    ...result,
    models: result.models.map((m) => ({
      ...m,
      kind: 'command' as const,
      path: '',
      command: ['python', 'predict.py'],
    })),
  };
  assert.deepEqual(await staleModels(path, command), [], 'nothing to check, nothing reported');
});

test('a result of every kind survives loading and saving: kind, command, files and track paths kept right', async () => {
  const { dir, path } = writeSample((r) => ({
    ...r,
    models: r.models.map((m) => ({
      ...m,
      kind: 'clip',
      files: [{ role: 'prompts', path: 'prompts.txt', sha256: 'a'.repeat(64) }],
    })),
    track: {
      order: 'epoch',
      checkpoints: r.models.map(() => ({
        file: 'runs/ep1.onnx',
        epoch: 1,
        step: null,
        mtime: '2026-12-07T00:00:00.000Z',
      })),
    },
  }));
  const loaded = await loadResult(path);
  const [clip] = loaded.result.models;
  assert.equal(clip?.kind, 'clip');
  assert.equal(clip.files?.[0]?.path, 'prompts.txt');
  const workspace = mkdtempSync(join(tmpdir(), 'propsweep-ws-'));
  const target = await saveResultTo(loaded, join(workspace, 'explanations'), 'kinds');
  const saved = JSON.parse(readFileSync(target, 'utf8')) as ResultFile;
  const from = (p: string | undefined) => join(workspace, 'explanations', p ?? '');
  assert.equal(from(saved.models[0]?.files?.[0]?.path), join(dir, 'prompts.txt'));
  assert.equal(from(saved.track?.checkpoints[0]?.file), join(dir, 'runs', 'ep1.onnx'));
  const command = writeSample((r) => ({
    ...r,
    models: r.models.map((m) => ({ ...m, kind: 'command', path: '', command: ['python', 'p.py'] })),
  }));
  const reloaded = await loadResult(command.path);
  assert.deepEqual(reloaded.result.models[0]?.command, ['python', 'p.py']);
  const copy = await saveResultTo(reloaded, join(workspace, 'other'), 'command');
  assert.equal((JSON.parse(readFileSync(copy, 'utf8')) as ResultFile).models[0]?.path, '');
});

test('model kinds, command lines and model files from others are checked', async () => {
  for (const [change, message] of [
    [{ kind: 'torch' }, /models\[0\]\.kind must be onnx, command or clip/],
    [{ command: [] }, /models\[0\]\.command must be 1 to 256 words/],
    [{ command: ['x', 3] }, /models\[0\]\.command must be/],
    [
      { files: [{ role: 'prompts', path: 'p' }] },
      /models\[0\]\.files\[0\] must be \{role, path, sha256\}/,
    ],
    [{ files: 'p.txt' }, /models\[0\]\.files must list at most/],
  ] as const) {
    const { path } = writeSample((r) => ({
      ...r,
      models: r.models.map((m) => ({ ...m, ...change })),
    }));
    await assert.rejects(loadResult(path), message);
  }
});
