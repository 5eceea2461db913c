// A CLIP zero-shot classifier through runExplain, as the child runs it, on the fixture export
// (test/fixtures/clip/README.md): the result's model record names the kind, the model file, the
// prompts with their sha256 and the classes as labels, and its predictions are probabilities; kept
// loaded between runs while its files are unchanged.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { runExplain, WarmClassifiers } from '../../../src/extension/pipeline/explainRun';
import type { ExplainRun } from '../../../src/shared/childProtocol';
import { distFile, ROOT } from '../../unit/helpers';

const demo = join(ROOT, 'models', 'demo');
const fixture = join(ROOT, 'test', 'fixtures', 'clip', 'clip-embeds');

/** A brightness path of the dark cat, `steps` images, classified by the CLIP export in `folder`. */
function clipRun(
  root: string,
  folder: string,
  prompts: string,
  name: string,
  steps: number,
): ExplainRun {
  return {
    type: 'explain/run',
    image: join(demo, 'images', 'dark-cat.png'),
    editor: 'brightness',
    params: { factor: 1.5 },
    steps,
    seed: 0,
    permutations: 50,
    alpha: 0.01,
    models: [{ kind: 'clip', path: folder, prompts }],
    provider: 'cpu',
    cacheDir: join(root, 'cache'),
    outDir: join(root, 'out'),
    name,
  };
}

test('a CLIP classifier in a run: kind, files with the prompts sha256, the classes as labels', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-clip-run-'));
  const prompts = join(root, 'prompts.txt');
  const text = 'cat: a cat\ncat: a white cat\ndog\n';
  writeFileSync(prompts, text);
  const { result } = await runExplain(clipRun(root, fixture, prompts, 'cat', 5), {
    workerPath: distFile('permutationWorker.js'),
    signal: new AbortController().signal,
    progress: () => undefined,
    log: () => undefined,
  });
  const model = result.models[0];
  assert.ok(model !== undefined);
  assert.equal(model.kind, 'clip');
  assert.equal(model.name, 'clip-embeds');
  assert.deepEqual(model.labels, ['cat', 'dog']);
  const sha256 = (bytes: Buffer | string): string =>
    createHash('sha256').update(bytes).digest('hex');
  assert.equal(model.sha256, sha256(readFileSync(join(fixture, 'model.onnx'))));
  const files = new Map((model.files ?? []).map((f) => [f.role, f]));
  assert.equal(files.get('prompts')?.sha256, sha256(text));
  assert.equal(
    files.get('preprocessor')?.sha256,
    sha256(readFileSync(join(fixture, 'preprocessor_config.json'))),
  );
  assert.equal(model.predictions.length, 5);
  for (const row of model.predictions) {
    assert.equal(row.length, 2);
    assert.ok(Math.abs((row[0] ?? 0) + (row[1] ?? 0) - 1) < 1e-5, 'a softmax over the classes');
  }
});

test('a kept CLIP classifier is reused while its folder and prompts are unchanged', async () => {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-clip-run-'));
  const folder = join(root, 'clip');
  cpSync(fixture, folder, { recursive: true });
  const prompts = join(root, 'prompts.txt');
  writeFileSync(prompts, 'cat\ndog\n');
  const warm = new WarmClassifiers();
  const lines: string[] = [];
  const run = async (name: string) => {
    lines.length = 0;
    const { result } = await runExplain(clipRun(root, folder, prompts, name, 3), {
      workerPath: distFile('permutationWorker.js'),
      signal: new AbortController().signal,
      progress: () => undefined,
      log: (line) => lines.push(line),
      warm,
    });
    return {
      labels: result.models[0]?.labels,
      reused: lines.some((l) => l.includes('its loaded session reused')),
    };
  };
  try {
    assert.deepEqual(await run('a'), { labels: ['cat', 'dog'], reused: false });
    assert.deepEqual(await run('b'), { labels: ['cat', 'dog'], reused: true });
    writeFileSync(prompts, 'kitten\npuppy\nbird\n');
    assert.deepEqual(await run('c'), { labels: ['kitten', 'puppy', 'bird'], reused: false });
    // Any file of the export (here its preprocessing) changed: loaded anew.
    const config = join(folder, 'preprocessor_config.json');
    writeFileSync(config, `${readFileSync(config, 'utf8')}\n`);
    assert.equal((await run('d')).reused, false);
    assert.equal((await run('e')).reused, true);
  } finally {
    await warm.dispose();
  }
});
