import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import type { ImageEditor } from '../../../src/extension/editors/types';
import type { RgbImage } from '../../../src/extension/images/image';
import type { Classifier } from '../../../src/extension/models/types';
import {
  explain,
  type Explanation,
  type ExplainRequest,
  type PipelineImaging,
} from '../../../src/extension/pipeline/explain';
import { FrameCache } from '../../../src/extension/store/frameCache';
import { FILE_CONCURRENCY } from '../../../src/extension/store/limited';
import type { FrameSource } from '../../../src/extension/store/publish';
import { validateResultFile } from '../../../src/shared/resultFile';
import { distFile } from '../helpers';

const source: RgbImage = { width: 2, height: 1, data: new Uint8Array([0, 0, 0, 0, 0, 0]) };

/** Brightens every pixel to 200 * t; counts the strengths it was asked for. */
function fakeEditor(calls: number[][], cheap = false): ImageEditor {
  return {
    id: 'fake',
    title: 'Fake brightening',
    identityAtZero: true,
    needsMask: false,
    parameterName: 'level',
    cheap,
    resolveParams: (p) => p,
    async *edit(input, strengths) {
      calls.push([...strengths]);
      for (const t of strengths) {
        await Promise.resolve();
        yield {
          image: { ...input.source, data: input.source.data.map(() => Math.round(200 * t)) },
          strength: t,
          parameter: 200 * t,
        };
      }
    },
  };
}

/** Class "bright" probability = mean pixel / 255 (or its square, for a second model). */
function fakeClassifier(name: string, seen: RgbImage[][], power = 1): Classifier {
  return {
    info: {
      kind: 'onnx',
      path: `${name}.onnx`,
      sha256: name.repeat(8),
      files: [],
      command: null,
      outputs: 2,
      labels: ['dark', 'bright'],
      provider: 'cpu',
      fallbackReason: null,
    },
    predict(images) {
      seen.push([...images]);
      return Promise.resolve(
        images.map((im) => {
          const p = ((im.data[0] ?? 0) / 255) ** power;
          return Float32Array.from([1 - p, p]);
        }),
      );
    },
    dispose: () => Promise.resolve(),
  };
}

const imaging: PipelineImaging = {
  encodePng: (image) =>
    Promise.resolve(
      new TextEncoder().encode(
        JSON.stringify({ w: image.width, h: image.height, d: Array.from(image.data) }),
      ),
    ),
  decodePng: (path) => {
    const { w, h, d } = JSON.parse(readFileSync(path, 'utf8')) as {
      w: number;
      h: number;
      d: number[];
    };
    return Promise.resolve({ width: w, height: h, data: Uint8Array.from(d) });
  },
  assessEdit: (src, frames) => ({
    steps: frames.map((f) => ({
      changeInside: Math.abs((f.data[0] ?? 0) - (src.data[0] ?? 0)) / 255,
      changeOutside: null,
    })),
    quality: { masked: false, leakage: null, clean: true, message: null },
  }),
};

/** An explanation with its frames written, as a run saves it: cached files (not a cheap editor). */
async function explainWritten(
  r: ExplainRequest,
): Promise<Explanation & { framePaths: readonly string[] }> {
  const explanation = await explain(r);
  return { ...explanation, framePaths: filesOf(await explanation.writeFrames()) };
}

/** Frames that must be files (in the cache), not bytes. */
function filesOf(frames: readonly FrameSource[]): string[] {
  return frames.map((f) => (typeof f === 'string' ? f : assert.fail('bytes, not a cached file')));
}

/** The entries (PNGs and their metadata) in a cache's folder. */
function entriesIn(cache: FrameCache): string[] {
  return readdirSync(cache.dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
    /\.png(\.json)?$/.test(f),
  );
}

function request(
  calls: number[][],
  seen: RgbImage[][],
  cache: FrameCache,
  strengths: number[],
): ExplainRequest {
  return {
    source: { image: source, path: 'src.png', sha256: 'f'.repeat(64) },
    mask: null,
    editor: fakeEditor(calls),
    params: {},
    strengths,
    seed: 5,
    classifiers: [
      { name: 'linear', classifier: fakeClassifier('linear', seen) },
      { name: 'square', classifier: fakeClassifier('square', seen, 2) },
    ],
    measure: { permutations: 200, alpha: 0.01 },
    cache,
    imaging,
    workerPath: distFile('permutationWorker.js'),
  };
}

test('edits once, classifies every model on the same frames, and reuses cached frames', async () => {
  const cache = new FrameCache(mkdtempSync(join(tmpdir(), 'propsweep-explain-')));
  const calls: number[][] = [];
  const seen: RgbImage[][] = [];
  const strengths = [0, 0.25, 0.5, 0.75, 1];
  const progress: string[] = [];
  const first = await explainWritten({
    ...request(calls, seen, cache, strengths),
    onProgress: (p) => progress.push(`${p.phase} ${p.done}/${p.total}`),
  });
  assert.deepEqual(calls, [strengths]);
  assert.equal(seen.length, 2);
  assert.deepEqual(seen[0], seen[1], 'both models see the same images');
  assert.deepEqual(validateResultFile(first.result), []);
  assert.deepEqual(
    first.result.frames.map((f) => f.parameter),
    [0, 50, 100, 150, 200],
  );
  const [linear, square] = first.result.models;
  assert.ok(linear !== undefined && square !== undefined);
  // p(bright) = 200 t / 255 along t: EPGM of a two-class softmax = |slope| = 200 / 255.
  assert.ok(Math.abs(linear.measure.epgm - 200 / 255) < 1e-6, String(linear.measure.epgm));
  assert.equal(linear.measure.flips, 1);
  assert.ok(progress.includes('edit 5/5') && progress.some((p) => p.startsWith('classify')));

  // Same path again, plus two new strengths: only those two are edited.
  const more = [0, 0.125, 0.25, 0.5, 0.75, 0.875, 1];
  const second = await explainWritten(request(calls, seen, cache, more));
  assert.deepEqual(calls[1], [0.125, 0.875]);
  assert.deepEqual(second.result.models[0]?.predictions[2], first.result.models[0]?.predictions[1]);
});

test('an aborted run stops between steps and rejects with AbortError', async () => {
  const cache = new FrameCache(mkdtempSync(join(tmpdir(), 'propsweep-explain-')));
  const controller = new AbortController();
  const base = request([], [], cache, [0, 0.5, 1]);
  const run = explain({
    ...base,
    signal: controller.signal,
    onProgress: (p) => {
      if (p.phase === 'edit' && p.done === 1) controller.abort();
    },
  });
  await assert.rejects(run, { name: 'AbortError' });
});

test('a cheap editor never uses the cache: it renders every frame and hands over its PNG bytes', async () => {
  const cache = new FrameCache(mkdtempSync(join(tmpdir(), 'propsweep-explain-')));
  const calls: number[][] = [];
  const io = { encoded: 0, decoded: 0 };
  const counting: PipelineImaging = {
    ...imaging,
    encodePng: (image) => {
      io.encoded++;
      return imaging.encodePng(image);
    },
    decodePng: (path) => {
      io.decoded++;
      return imaging.decodePng(path);
    },
  };
  const cheapRequest = (strengths: number[]): ExplainRequest => ({
    ...request(calls, [], cache, strengths),
    editor: fakeEditor(calls, true),
    imaging: counting,
  });
  const run = async (strengths: number[]) => {
    const explanation = await explain(cheapRequest(strengths));
    return { explanation, written: await explanation.writeFrames() };
  };
  const first = await run([0, 0.5, 1]);
  assert.deepEqual(io, { encoded: 3, decoded: 0 });
  assert.deepEqual(entriesIn(cache), [], 'no cache entry: no file per frame, nor its metadata');
  const second = await run([0, 0.25, 0.5, 1]);
  assert.deepEqual(calls, [
    [0, 0.5, 1],
    [0, 0.25, 0.5, 1],
  ]);
  assert.deepEqual(io, { encoded: 7, decoded: 0 }, 'each frame encoded once a run');
  assert.deepEqual(entriesIn(cache), []);
  for (const { explanation, written } of [first, second]) {
    assert.equal(written.length, explanation.frames.length);
    for (const [k, frame] of written.entries()) {
      assert.ok(frame instanceof Uint8Array, `frame ${k}: its bytes, not a file`);
      assert.deepEqual(await imaging.encodePng(explanation.frames[k] ?? source), frame);
    }
  }
  assert.deepEqual(
    second.explanation.result.models[0]?.predictions[3],
    first.explanation.result.models[0]?.predictions[2],
  );
  assert.deepEqual(
    second.explanation.result.frames.map((f) => f.parameter),
    [0, 50, 100, 200],
  );
});

test("a cheap editor's seeds leave nothing in the cache either", async () => {
  const cache = new FrameCache(mkdtempSync(join(tmpdir(), 'propsweep-explain-')));
  const calls: number[][] = [];
  const explanation = await explain({
    ...request(calls, [], cache, [0, 0.5, 1]),
    editor: { ...fakeEditor(calls, true), random: true },
    otherSeeds: [6, 7],
  });
  const written = await explanation.writeFrames();
  assert.equal(calls.length, 3, 'each seed edited its path');
  assert.ok(written.every((f) => f instanceof Uint8Array));
  assert.deepEqual(entriesIn(cache), []);
});

test('a cheap editor ignores what the cache holds for its frames, even a damaged entry', async () => {
  const cache = new FrameCache(mkdtempSync(join(tmpdir(), 'propsweep-explain-')));
  const calls: number[][] = [];
  const strengths = [0, 0.5, 1];
  const key = FrameCache.key({
    sourceSha256: 'f'.repeat(64),
    maskSha256: null,
    content: null,
    editor: 'fake',
    params: {},
    strength: 0.5,
    seed: 5,
  });
  const entry = cache.pathFor(key);
  mkdirSync(join(cache.dir, key.slice(0, 2)));
  writeFileSync(entry, 'cut sho');
  writeFileSync(`${entry}.json`, JSON.stringify({ parameter: 7 }));
  const explanation = await explain({
    ...request(calls, [], cache, strengths),
    editor: fakeEditor(calls, true),
  });
  const written = await explanation.writeFrames();
  assert.deepEqual(calls, [strengths], 'every frame rendered');
  assert.equal(explanation.result.frames[1]?.parameter, 100, 'not the cached parameter');
  assert.deepEqual(written[1], await imaging.encodePng(explanation.frames[1] ?? source));
  assert.equal(
    readFileSync(entry, 'utf8'),
    'cut sho',
    'the entry not even read: pruning ages it out',
  );
});

test('frames are written after every classifier has run, never during inference', async () => {
  const cache = new FrameCache(mkdtempSync(join(tmpdir(), 'propsweep-explain-')));
  const events: string[] = [];
  const base = request([], [], cache, [0, 0.5, 1]);
  await explainWritten({
    ...base,
    imaging: {
      ...imaging,
      encodePng: (image) => {
        events.push('encode');
        return imaging.encodePng(image);
      },
    },
    classifiers: base.classifiers.map(({ name, classifier }) => ({
      name,
      classifier: {
        ...classifier,
        predict: (images, signal) => {
          events.push(`predict ${name}`);
          return classifier.predict(images, signal);
        },
      },
    })),
  });
  assert.deepEqual(events, ['predict linear', 'predict square', 'encode', 'encode', 'encode']);
});

test('a truncated cached frame is dropped and made again', async () => {
  const cache = new FrameCache(mkdtempSync(join(tmpdir(), 'propsweep-explain-')));
  const calls: number[][] = [];
  const strengths = [0, 0.5, 1];
  const run = (): ReturnType<typeof explainWritten> =>
    explainWritten({ ...request(calls, [], cache, strengths), editor: fakeEditor(calls) });
  const first = await run();
  const cut = first.framePaths[1] ?? '';
  const whole = readFileSync(cut);
  writeFileSync(cut, whole.subarray(0, whole.length - 5)); // a copy or a write cut short
  const second = await run();
  assert.deepEqual(calls.at(-1), [0.5], 'only the bad frame edited again');
  assert.deepEqual(readFileSync(second.framePaths[1] ?? ''), whole, 'the entry is rewritten');
  for (const path of second.framePaths) await imaging.decodePng(path); // every frame decodes
  assert.deepEqual(second.result.frames[1]?.parameter, 100);
  assert.deepEqual(second.result.models[0]?.predictions, first.result.models[0]?.predictions);
});

test(`a long path reads and writes at most ${FILE_CONCURRENCY} frame files at a time`, async () => {
  const strengths = Array.from(
    { length: 5 * FILE_CONCURRENCY },
    (_, k) => k / (5 * FILE_CONCURRENCY - 1),
  );
  const inFlight = { now: 0, most: 0 };
  const counted = async <T>(work: () => Promise<T>): Promise<T> => {
    inFlight.most = Math.max(inFlight.most, ++inFlight.now);
    try {
      await new Promise((resolve) => setImmediate(resolve)); // stays open across other work
      return await work();
    } finally {
      inFlight.now--;
    }
  };
  class CountingCache extends FrameCache {
    override lookup(key: string): ReturnType<FrameCache['lookup']> {
      return counted(() => super.lookup(key));
    }
  }
  const cache = new CountingCache(mkdtempSync(join(tmpdir(), 'propsweep-explain-')));
  const limited: ExplainRequest = {
    ...request([], [], cache, strengths),
    imaging: { ...imaging, encodePng: (image) => counted(() => imaging.encodePng(image)) },
  };
  await explainWritten(limited);
  assert.equal(inFlight.most, FILE_CONCURRENCY, 'writes: bounded, and as many as allowed');
  inFlight.most = 0;
  await explainWritten({
    ...limited,
    imaging: { ...imaging, decodePng: (path) => counted(() => imaging.decodePng(path)) },
  });
  assert.equal(inFlight.most, FILE_CONCURRENCY, 'cached reads and decodes: bounded');
});

/** An encoder that waits for `release()` before it answers: the writes stay pending until then. */
function gatedImaging(): { imaging: PipelineImaging; started: () => number; release: () => void } {
  let started = 0;
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    imaging: {
      ...imaging,
      encodePng: async (image) => {
        started++;
        await gate;
        return imaging.encodePng(image);
      },
    },
    started: () => started,
    release: () => {
      open();
    },
  };
}

test(
  'explain() answers before any frame is encoded; writeFrames then writes them',
  { timeout: 20_000 },
  async () => {
    const cache = new FrameCache(mkdtempSync(join(tmpdir(), 'propsweep-explain-')));
    const strengths = [0, 0.5, 1];
    const slow = gatedImaging();
    // Were explain() to wait for the encoder, this would never resolve (the gate opens below).
    const explanation = await explain({
      ...request([], [], cache, strengths),
      imaging: slow.imaging,
    });
    assert.equal(slow.started(), 0, 'nothing encoded before the answer');
    assert.equal(explanation.frames.length, 3);
    assert.deepEqual(
      explanation.frames.map((f) => f.data[0]),
      [0, 100, 200],
      'the raw frames, in path order',
    );
    assert.equal(explanation.result.models.length, 2, 'the answer is complete');
    const keys = strengths.map((strength) =>
      FrameCache.key({
        sourceSha256: 'f'.repeat(64),
        maskSha256: null,
        content: null,
        editor: 'fake',
        params: {},
        strength,
        seed: 5,
      }),
    );
    for (const key of keys) assert.equal(await cache.lookup(key), undefined, 'no file yet');

    const writing = explanation.writeFrames();
    assert.equal(explanation.writeFrames(), writing, 'one writing, however often asked');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(slow.started(), 3, 'encoding started on request');
    slow.release();
    const paths = filesOf(await writing);
    assert.equal(paths.length, 3);
    for (const [k, path] of paths.entries()) {
      assert.equal((await cache.lookup(keys[k] ?? ''))?.path, path);
      assert.deepEqual(await imaging.decodePng(path), explanation.frames[k]);
    }
  },
);

test('a run cancelled while its frames are written stops between frames, leaving no write running', async () => {
  const cache = new FrameCache(mkdtempSync(join(tmpdir(), 'propsweep-explain-')));
  const controller = new AbortController();
  const strengths = Array.from(
    { length: 3 * FILE_CONCURRENCY },
    (_, k) => k / (3 * FILE_CONCURRENCY - 1),
  );
  const inFlight = { now: 0, encoded: 0 };
  const explanation = await explain({
    ...request([], [], cache, strengths),
    signal: controller.signal,
    imaging: {
      ...imaging,
      encodePng: async (image) => {
        inFlight.now++;
        await new Promise((resolve) => setImmediate(resolve));
        if (++inFlight.encoded === 1) controller.abort();
        inFlight.now--;
        return imaging.encodePng(image);
      },
    },
  });
  await assert.rejects(explanation.writeFrames(), { name: 'AbortError' });
  assert.equal(inFlight.now, 0, 'every started write settled before the rejection');
  assert.equal(inFlight.encoded, FILE_CONCURRENCY, 'only the frames already started were encoded');
});

test('with more seeds, the files the parameters name are fingerprinted once, not once per seed', async () => {
  const cache = new FrameCache(mkdtempSync(join(tmpdir(), 'propsweep-explain-')));
  const calls: number[][] = [];
  let fingerprints = 0;
  const editor: ImageEditor = {
    ...fakeEditor(calls),
    random: true,
    fingerprint: () => {
      fingerprints++;
      return Promise.resolve({ sha256: 'c'.repeat(64), files: [] });
    },
  };
  const explanation = await explain({
    ...request(calls, [], cache, [0, 0.5, 1]),
    editor,
    otherSeeds: [6, 7],
  });
  assert.equal(fingerprints, 1);
  assert.equal(calls.length, 3, 'each seed edited its path');
  assert.deepEqual(explanation.result.models[0]?.seedSpread?.seeds, [5, 6, 7]);
});
