// The CLIP zero-shot classifier on the fixture exports (test/fixtures/clip/README.md): scores equal
// the README's formulas worked out here by hand, the text tower runs once per prompt set (runs
// counted through a wrapped onnxruntime), an export without embeddings falls back to the logits,
// a provider failing its first run falls back to the CPU, and bad folders and prompts are refused.
import assert from 'node:assert/strict';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type * as Ort from 'onnxruntime-node';

import { IMAGE_WEIGHT, LOGIT_SCALE, tokenRow } from '../../../scripts/clip/fixtures';
import {
  loadClipClassifier,
  loadClipClassifierWith,
  type ClipClassifierInfo,
  type ClipTuning,
} from '../../../src/extension/models/clipClassifier';
import { CLIP_MEAN, CLIP_STD } from '../../../src/extension/models/clipPreprocess';
import type { LoadModelOptions } from '../../../src/extension/models/loadModel';
import type { Classifier } from '../../../src/extension/models/types';
import { loadOrt } from '../../../src/extension/natives/natives';
import { TokenizerInputError } from '../../../src/extension/text/errors';
import type { ClipModelSpec } from '../../../src/shared/childProtocol';
import { ROOT } from '../../unit/helpers';
import { assertRejects, assertRowsNear, painted, solid } from '../../unit/models/helpers';
import { tempDir } from '../images/fixtures';

const fixture = (name: string): string => join(ROOT, 'test', 'fixtures', 'clip', name);
const dir = tempDir('clip');
after(() => {
  dir.dispose();
});

// Token ids of the fixture tokenizer (scripts/diffusion/tokenizerFixture.ts): <|startoftext|> 536,
// <|endoftext|> 537, a</w> 256 + 97 = 353, cat</w> 524, white</w> 522, do 535, g</w> 256 + 103 =
// 359, the</w> 513, beach</w> 528.
const IDS: Record<string, number[]> = {
  'a cat': [536, 353, 524, 537],
  'a white cat': [536, 353, 522, 524, 537],
  dog: [536, 535, 359, 537],
  'the beach': [536, 513, 528, 537],
};

const unit = (v: readonly number[]): number[] => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const dotp = (a: readonly number[], b: readonly number[]): number =>
  a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
const softmaxOf = (v: readonly number[]): number[] => {
  const m = Math.max(...v);
  const e = v.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};

/** text_embeds: unit(sum over the prompt's own tokens of T[id]). */
function textEmbed(prompt: string): number[] {
  const sum = [0, 0, 0, 0];
  for (const id of IDS[prompt] ?? []) tokenRow(id).forEach((x, d) => (sum[d] = (sum[d] ?? 0) + x));
  return unit(sum);
}

/** image_embeds of channel means m: unit(W m). */
function imageEmbed(means: readonly number[]): number[] {
  return unit([0, 1, 2, 3].map((d) => dotp(IMAGE_WEIGHT.slice(3 * d, 3 * d + 3), means)));
}

/** The channel means of a solid colour as CLIP feeds it: (p / 255 - mean) / std. */
const solidMeans = (rgb: readonly number[]): number[] =>
  rgb.map((p, c) => (p / 255 - (CLIP_MEAN[c] ?? 0)) / (CLIP_STD[c] ?? 1));

const RED = solid(16, 16, [255, 0, 0]);
const TEAL = solid(16, 16, [0, 128, 128]);
// 32x32 grey: resized to 16x16 (bicubic keeps a flat image flat).
const GREY = solid(32, 32, [90, 90, 90]);
// 24x16 with 4-column blue bands at both ends and white inside: no resize (its shortest edge is
// 16), the 16x16 centre crop (left = (24 - 16) // 2 = 4) keeps only the white.
const BANDED = painted(24, 16, (x) => (x < 4 || x >= 20 ? [0, 0, 255] : [255, 255, 255]));
const IMAGES = [RED, TEAL, GREY, BANDED];
const MEANS = [
  [255, 0, 0],
  [0, 128, 128],
  [90, 90, 90],
  [255, 255, 255],
].map(solidMeans);

function promptsFile(name: string, text: string): string {
  return dir.file(name, text);
}

const GROUPED = promptsFile(
  'grouped.txt',
  'cat: a cat\ndog\ncat: a white cat\n# the place\nthe beach\n',
);
const PLAIN = promptsFile('plain.txt', 'a cat\ndog\nthe beach\n');

const options = (logs: string[] = []): LoadModelOptions => ({
  provider: 'cpu',
  workDir: dir.path,
  log: (m) => logs.push(m),
});

function spec(variant: string, prompts: string, output?: 'softmax' | 'similarity'): ClipModelSpec {
  return {
    kind: 'clip',
    path: fixture(variant),
    prompts,
    ...(output === undefined ? {} : { output }),
  };
}

async function rows(
  classifier: Classifier<ClipClassifierInfo>,
  images = IMAGES,
): Promise<number[][]> {
  try {
    return (await classifier.predict(images)).map((r) => Array.from(r));
  } finally {
    await classifier.dispose();
  }
}

/** Expected softmax over the classes of GROUPED: cat = unit(mean of its unit prompts). */
function groupedSoftmax(means: readonly number[]): number[] {
  const cat = unit(textEmbed('a cat').map((x, d) => x + (textEmbed('a white cat')[d] ?? 0)));
  const image = imageEmbed(means);
  return softmaxOf(
    [cat, textEmbed('dog'), textEmbed('the beach')].map((t) => LOGIT_SCALE * dotp(image, t)),
  );
}

describe('scores equal the hand formula', () => {
  test('softmax over classes, a class averaging its prompts (embeddings export)', async () => {
    const classifier = await loadClipClassifier(spec('clip-embeds', GROUPED), options());
    const { info } = classifier;
    assert.deepEqual(info.labels, ['cat', 'dog', 'the beach']);
    assert.equal(info.outputs, 3);
    assert.equal(info.mode, 'embeddings');
    assert.ok(Math.abs((info.logitScale ?? 0) - LOGIT_SCALE) < 1e-4);
    assertRowsNear(await rows(classifier), MEANS.map(groupedSoftmax), 1e-4, 'softmax');
  });

  test('cosine similarity per prompt, labelled by the prompts', async () => {
    const classifier = await loadClipClassifier(
      spec('clip-embeds', GROUPED, 'similarity'),
      options(),
    );
    assert.deepEqual(classifier.info.labels, ['a cat', 'dog', 'a white cat', 'the beach']);
    const expected = MEANS.map((m) =>
      ['a cat', 'dog', 'a white cat', 'the beach'].map((p) => dotp(imageEmbed(m), textEmbed(p))),
    );
    assertRowsNear(await rows(classifier), expected, 1e-4, 'similarity');
  });

  test('float16 pixels and outputs give the same within float16 rounding', async () => {
    const classifier = await loadClipClassifier(spec('clip-fp16', GROUPED), options());
    assertRowsNear(await rows(classifier), MEANS.map(groupedSoftmax), 2e-3, 'fp16 softmax');
  });

  test('info: the model file, the prompts and preprocessor files with their sha256', async () => {
    const classifier = await loadClipClassifier(spec('clip-embeds', GROUPED), options());
    await classifier.dispose();
    const { info } = classifier;
    assert.equal(info.kind, 'clip');
    assert.equal(info.path, join(fixture('clip-embeds'), 'model.onnx'));
    assert.match(info.sha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(
      info.files.map((f) => [f.role, f.path]),
      [
        ['prompts', GROUPED],
        ['preprocessor', join(fixture('clip-embeds'), 'preprocessor_config.json')],
      ],
    );
    assert.equal(
      info.files[0]?.sha256,
      // sha256 of the file written above; computed independently:
      (await import('node:crypto'))
        .createHash('sha256')
        .update('cat: a cat\ndog\ncat: a white cat\n# the place\nthe beach\n')
        .digest('hex'),
    );
    assert.deepEqual([info.provider, info.fallbackReason, info.command], ['cpu', null, null]);
  });
});

/** onnxruntime whose sessions record the input_ids dims of every run. */
function countingOrt(runs: number[][]): typeof Ort {
  const real = loadOrt();
  const create = async (
    path: string,
    opts?: Ort.InferenceSession.SessionOptions,
  ): Promise<Ort.InferenceSession> => {
    const session = await real.InferenceSession.create(path, opts);
    return new Proxy(session, {
      get(target, key): unknown {
        if (key === 'run') {
          return (feeds: Record<string, Ort.Tensor>, ...rest: unknown[]) => {
            runs.push([...(feeds.input_ids?.dims ?? [])]);
            return (target.run as (...a: unknown[]) => Promise<unknown>).call(
              target,
              feeds,
              ...rest,
            );
          };
        }
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
  };
  return { ...real, InferenceSession: { ...real.InferenceSession, create } } as typeof real;
}

describe('the text tower runs once per prompt set', () => {
  const tuning: ClipTuning = { batchSize: 2, promptsPerRun: 3 };

  test('prompts at load in runs of promptsPerRun; each image batch with one empty prompt', async () => {
    const runs: number[][] = [];
    const classifier = await loadClipClassifierWith(
      () => countingOrt(runs),
      spec('clip-embeds', GROUPED),
      options(),
      tuning,
    );
    // 4 prompts, 3 per run: [3, 5] (padded to "a white cat", 5 tokens) and [1, 4].
    assert.deepEqual(runs, [
      [3, 5],
      [1, 4],
    ]);
    runs.length = 0;
    const first = (await classifier.predict(IMAGES)).map((r) => Array.from(r));
    const again = (await classifier.predict(IMAGES.slice(0, 3))).map((r) => Array.from(r));
    await classifier.dispose();
    // Batches of 2: the empty prompt is <|startoftext|> <|endoftext|>, 2 tokens.
    assert.deepEqual(runs, [
      [1, 2],
      [1, 2],
      [1, 2],
      [1, 2],
    ]);
    assertRowsNear(first, MEANS.map(groupedSoftmax), 1e-4, 'first predict');
    assertRowsNear(again, MEANS.slice(0, 3).map(groupedSoftmax), 1e-4, 'second predict');
  });

  test('an export without embeddings runs every prompt in every batch, and says so', async () => {
    const runs: number[][] = [];
    const logs: string[] = [];
    const classifier = await loadClipClassifierWith(
      () => countingOrt(runs),
      spec('clip-logits', PLAIN),
      options(logs),
      tuning,
    );
    assert.equal(classifier.info.mode, 'logits');
    assert.equal(classifier.info.logitScale, null);
    assert.match(
      logs.join('\n'),
      /has no image_embeds and text_embeds outputs: every batch runs all 3 prompts/,
    );
    runs.length = 0;
    const got = await rows(classifier);
    assert.deepEqual(runs, [
      [3, 4],
      [3, 4],
    ]);
    const expected = MEANS.map((m) =>
      softmaxOf(
        ['a cat', 'dog', 'the beach'].map((p) => LOGIT_SCALE * dotp(imageEmbed(m), textEmbed(p))),
      ),
    );
    assertRowsNear(got, expected, 1e-4, 'logits softmax');
    // The same prompts through the embeddings export give the same scores.
    const viaEmbeddings = await rows(
      await loadClipClassifier(spec('clip-embeds', PLAIN), options()),
    );
    assertRowsNear(viaEmbeddings, got, 1e-5, 'embeddings vs logits');
  });

  test('without embeddings, grouped prompts and similarity are refused with the export command', async () => {
    await assertRejects(loadClipClassifier(spec('clip-logits', GROUPED), options()), {
      names: GROUPED,
      says: [
        /groups 2 prompts into the class "cat"/,
        /no text_embeds output/,
        /optimum-cli export onnx/,
      ],
    });
    await assertRejects(loadClipClassifier(spec('clip-logits', PLAIN, 'similarity'), options()), {
      names: join(fixture('clip-logits'), 'model.onnx'),
      says: [/no image_embeds and text_embeds outputs/, /--clip-output softmax/],
    });
  });
});

test('a provider that opens the model but fails its first run falls back to the CPU', async () => {
  const real = loadOrt();
  const create = async (
    path: string,
    opts?: Ort.InferenceSession.SessionOptions,
  ): Promise<Ort.InferenceSession> => {
    const session = await real.InferenceSession.create(path);
    if (opts?.executionProviders?.[0] !== 'webgpu') return session;
    return new Proxy(session, {
      get(target, key): unknown {
        if (key === 'run') return () => Promise.reject(new Error('webgpu: device lost\n  at run'));
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
  };
  const ort = { ...real, InferenceSession: { ...real.InferenceSession, create } } as typeof real;
  const logs: string[] = [];
  const classifier = await loadClipClassifierWith(() => ort, spec('clip-embeds', GROUPED), {
    ...options(logs),
    provider: 'webgpu',
  });
  assert.deepEqual(
    [classifier.info.provider, classifier.info.fallbackReason],
    ['cpu', 'webgpu: device lost'],
  );
  assert.match(
    logs.join('\n'),
    /the webgpu provider failed its first run \(webgpu: device lost\); using CPU/,
  );
  assertRowsNear(await rows(classifier), MEANS.map(groupedSoftmax), 1e-4, 'on the CPU');
});

describe('refusals', () => {
  const copy = (name: string, drop: string[]): string => {
    const to = join(dir.path, name);
    cpSync(fixture('clip-embeds'), to, { recursive: true });
    for (const file of drop) rmSync(join(to, file));
    return to;
  };

  test('a missing folder, a file, a folder without model.onnx or preprocessor_config.json', async () => {
    const missing = join(dir.path, 'nowhere');
    await assertRejects(loadClipClassifier({ ...spec('x', PLAIN), path: missing }, options()), {
      names: missing,
      says: [
        /does not exist/,
        /optimum-cli export onnx --model openai\/clip-vit-base-patch32 --task zero-shot-image-classification DIR/,
      ],
    });
    const file = join(fixture('clip-embeds'), 'model.onnx');
    await assertRejects(loadClipClassifier({ ...spec('x', PLAIN), path: file }, options()), {
      names: file,
      says: [/is not a folder/, /give the folder/],
    });
    const noModel = copy('no-model', ['model.onnx']);
    await assertRejects(loadClipClassifier({ ...spec('x', PLAIN), path: noModel }, options()), {
      names: noModel,
      says: [/has no model\.onnx/, /optimum-cli/],
    });
    const noConfig = copy('no-config', ['preprocessor_config.json']);
    await assertRejects(loadClipClassifier({ ...spec('x', PLAIN), path: noConfig }, options()), {
      names: noConfig,
      says: [/has no preprocessor_config\.json/, /optimum-cli/],
    });
  });

  test('a broken model.onnx, a bad preprocessor config', async () => {
    const broken = copy('broken', []);
    writeFileSync(join(broken, 'model.onnx'), 'not a model');
    await assertRejects(loadClipClassifier({ ...spec('x', PLAIN), path: broken }, options()), {
      names: join(broken, 'model.onnx'),
      says: [/is not a valid ONNX model/, /optimum-cli/],
    });
    const bad = copy('bad-config', []);
    writeFileSync(join(bad, 'preprocessor_config.json'), '{"resample": 5}');
    await assertRejects(loadClipClassifier({ ...spec('x', PLAIN), path: bad }, options()), {
      names: join(bad, 'preprocessor_config.json'),
      says: [/resample is 5/],
    });
  });

  test('no tokenizer: the tokenizer error as it is', async () => {
    const noTokenizer = copy('no-tokenizer', ['tokenizer.json']);
    await assert.rejects(
      loadClipClassifier({ ...spec('x', PLAIN), path: noTokenizer }, options()),
      (error: unknown) =>
        error instanceof TokenizerInputError && error.message.includes(noTokenizer),
    );
  });

  test('one class with softmax; a missing prompts file', async () => {
    const one = promptsFile('one.txt', 'cat: a cat\ncat: a white cat\n');
    await assertRejects(loadClipClassifier(spec('clip-embeds', one), options()), {
      names: one,
      says: [/has one class \("cat"\)/, /--clip-output similarity/],
    });
    const classifier = await loadClipClassifier(spec('clip-embeds', one, 'similarity'), options());
    await classifier.dispose();
    assert.equal(classifier.info.outputs, 2);
    const missing = join(dir.path, 'none.txt');
    await assertRejects(loadClipClassifier(spec('clip-embeds', missing), options()), {
      names: missing,
      says: [/cannot be read: it does not exist/],
    });
  });
});
