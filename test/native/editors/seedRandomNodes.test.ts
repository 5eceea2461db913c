// The legacy fixture VAE encoder (test/fixtures/diffusion/README.md: latent_sample = mean + 0.05 n,
// n from a RandomNormalLike without a seed) under onnxruntime-node, before and after
// seedRandomNodes. Unseeded, onnxruntime seeds the node from a number fixed when the process loads
// the library, so only a second process tells a seeded model from an unseeded one: each test that
// matters draws once here and once in a child process. The mean is the ip2p-fp32 encoder's
// latent_parameters channels 0-3 (the same weights, without the draw).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import type * as Ort from 'onnxruntime-node';

import { seedRandomNodes } from '../../../src/extension/editors/diffusion/seedRandomNodes';
import { loadOrt } from '../../../src/extension/natives/natives';
import { ROOT } from '../../unit/helpers';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'diffusion');
const LEGACY = join(FIXTURES, 'ip2p-legacy', 'vae_encoder', 'model.onnx');
const MEAN = join(FIXTURES, 'ip2p-fp32', 'vae_encoder', 'model.onnx');
// Two 16x24 images: 2 x 4 x 2 x 3 = 48 latent values, each with its own draw.
const SHAPE = [2, 3, 16, 24];
const COUNT = SHAPE.reduce((n, d) => n * d, 1);
// The same pixels here and in the child: sin(i), rounded to float32.
const PIXELS = `Float32Array.from({ length: ${COUNT} }, (_, i) => Math.sin(i))`;

const ort = loadOrt();
const image = (): Ort.Tensor =>
  new ort.Tensor(
    'float32',
    Float32Array.from({ length: COUNT }, (_, i) => Math.sin(i)),
    SHAPE,
  );

/** The legacy encoder's bytes, seeded when a seed is given. */
const encoder = (seed?: number): Uint8Array => {
  const model = readFileSync(LEGACY);
  return seed === undefined ? model : seedRandomNodes(model, seed).bytes;
};

const draw = async (session: Ort.InferenceSession): Promise<number[]> => {
  const out = (await session.run({ sample: image() })).latent_sample;
  assert.ok(out !== undefined && out.data instanceof Float32Array);
  return Array.from(out.data);
};

const fresh = (bytes: Uint8Array): Promise<Ort.InferenceSession> =>
  ort.InferenceSession.create(bytes);

/** The first draw of a fresh session in a process of its own. */
function drawInChild(seed?: number): number[] {
  const module = (path: string): string => JSON.stringify(join(ROOT, path));
  const script = `
const { readFileSync } = require('node:fs');
const { seedRandomNodes } = require(${module('src/extension/editors/diffusion/seedRandomNodes.ts')});
const ort = require(${module('src/extension/natives/natives.ts')}).loadOrt();
(async () => {
  const model = readFileSync(${JSON.stringify(LEGACY)});
  const bytes = ${seed === undefined ? 'model' : `seedRandomNodes(model, ${seed}).bytes`};
  const session = await ort.InferenceSession.create(bytes);
  const sample = new ort.Tensor('float32', ${PIXELS}, ${JSON.stringify(SHAPE)});
  const out = await session.run({ sample });
  console.log(JSON.stringify(Array.from(out.latent_sample.data)));
})();
`;
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return JSON.parse(stdout) as number[];
}

describe('seedRandomNodes on the legacy VAE encoder (onnxruntime-node)', () => {
  test('seeded: every fresh session draws the same noise, here and in another process', async () => {
    const five = await draw(await fresh(encoder(5)));
    assert.deepEqual(await draw(await fresh(encoder(5))), five);
    assert.deepEqual(drawInChild(5), five);
    assert.notDeepEqual(await draw(await fresh(encoder(6))), five);
    // Still mean + 0.05 n with standard normal n: the seed changed which draw, not the formula.
    const parameters = (await (await fresh(readFileSync(MEAN))).run({ sample: image() }))
      .latent_parameters;
    assert.ok(parameters !== undefined && parameters.data instanceof Float32Array);
    const means = parameters.data;
    // Channels 0-3 of the 8 of each image (6 latent pixels per channel).
    const mean = five.map((_, i) => means[Math.floor(i / 24) * 48 + (i % 24)] ?? NaN);
    const noise = five.map((x, i) => (x - (mean[i] ?? NaN)) / 0.05);
    const rms = Math.sqrt(noise.reduce((s, n) => s + n * n, 0) / noise.length);
    assert.ok(rms > 0.5 && rms < 1.6, `noise rms ${rms}`);
  });

  test('unseeded: another process draws other noise (why the seed is needed)', async () => {
    assert.notDeepEqual(drawInChild(), await draw(await fresh(encoder())));
  });

  test('one session draws new noise at every run, seeded or not: the seed fixes the sequence', async () => {
    // So the caller opens a fresh seeded session for each encoding that must repeat.
    for (const seed of [5, undefined]) {
      const session = await fresh(encoder(seed));
      const first = await draw(session);
      const second = await draw(session);
      assert.notDeepEqual(second, first);
      if (seed === undefined) continue;
      const again = await fresh(encoder(seed));
      assert.deepEqual([await draw(again), await draw(again)], [first, second]);
    }
  });
});
