// The diffusion fixture folders (test/fixtures/diffusion/README.md) in onnxruntime-node: each
// model of each variant against the README's formulas, worked out here from the formulas (not
// from the generator's tables), on a batch of two different items and a 16x24 image (2x3
// latents), so a swapped batch item, channel or axis shows.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import type * as Ort from 'onnxruntime-node';

import { fromFloat16Array, toFloat16Array, toHalfBits } from '../../../src/shared/float16';
import { loadOrt } from '../../../src/extension/natives/natives';
import { ROOT } from '../../unit/helpers';

const ort = loadOrt();
const fixture = (...parts: string[]): string =>
  join(ROOT, 'test', 'fixtures', 'diffusion', ...parts);

interface Variant {
  name: string;
  fp16: boolean;
  ids: 'int32' | 'int64';
  timestep: 'scalar' | 'batch';
  legacy: boolean;
}

const VARIANTS: readonly Variant[] = [
  { name: 'ip2p-fp32', fp16: false, ids: 'int32', timestep: 'scalar', legacy: false },
  { name: 'ip2p-fp16', fp16: true, ids: 'int64', timestep: 'scalar', legacy: false },
  { name: 'ip2p-legacy', fp16: false, ids: 'int64', timestep: 'batch', legacy: true },
];

const B = 2; // batch items
const H = 16; // image height
const W = 24; // image width
const LH = H / 8;
const LW = W / 8;
const TOKENS = 5;

const f = Math.fround;
/** What a float16 input holds: the value rounded to the nearest half. */
const half = (x: number): number => fromFloat16Array(Uint16Array.of(toHalfBits(x)))[0] ?? NaN;

/** README: E[id][d] = 0.5 sin(0.37 id + 1.3 d), with the graph's float32 roundings repeated. */
const embedding = (id: number, d: number): number =>
  0.5 * Math.sin(f(f(f(id) * f(0.37)) + f(1.3 * d)));
// README weights, restated from the formulas.
const A = (o: number, c: number): number => (((o + 3 * c) % 7) - 3) / 4;
const a = (o: number): number => (o - 4) / 8;
const C = (o: number, i: number): number => (((3 * o + i) % 5) - 2) / 4;
const P = (o: number, k: number): number => (((o + 2 * k) % 5) - 2) / 2;
const D = (o: number, c: number): number => (((o + 2 * c) % 5) - 2) / 4;
const e = [-0.25, 0, 0.25];

/** Distinct values for every index of a tensor, in [-0.9, 0.9]. */
const values = (count: number, seed: number): number[] =>
  Array.from({ length: count }, (_, i) => 0.9 * Math.sin(seed + 0.731 * i + 0.013 * i * i));

const sessions: Ort.InferenceSession[] = [];
after(async () => {
  for (const session of sessions) await session.release();
});

async function open(
  variant: Variant,
  model: string,
  options: Ort.InferenceSession.SessionOptions = {},
): Promise<Ort.InferenceSession> {
  const session = await ort.InferenceSession.create(
    fixture(variant.name, model, 'model.onnx'),
    options,
  );
  sessions.push(session);
  return session;
}

/** A float input in the variant's type; returns it with the values the model will see. */
function floatInput(
  variant: Variant,
  data: readonly number[],
  dims: readonly number[],
): { tensor: Ort.Tensor; seen: number[] } {
  if (!variant.fp16) {
    const f32 = Float32Array.from(data);
    return { tensor: new ort.Tensor('float32', f32, dims), seen: Array.from(f32) };
  }
  const bits = toFloat16Array(Float32Array.from(data));
  return {
    tensor: new ort.Tensor('float16', bits, dims),
    seen: Array.from(fromFloat16Array(bits)),
  };
}

/** An output as numbers, checking its element type and dims. */
function floatOutput(variant: Variant, tensor: Ort.Tensor | undefined, dims: number[]): number[] {
  assert.ok(tensor !== undefined);
  assert.equal(tensor.type, variant.fp16 ? 'float16' : 'float32');
  assert.deepEqual(tensor.dims, dims);
  const data = tensor.data;
  // Half bits arrive as Uint16Array (a Float16Array where the runtime has one).
  return data instanceof Uint16Array
    ? Array.from(fromFloat16Array(data))
    : Array.from(data as Float32Array);
}

/** Each actual value within `tolerance` of the expected one (relative above 1). */
function assertNear(
  actual: readonly number[],
  expected: readonly number[],
  tolerance: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  expected.forEach((x, i) => {
    const y = actual[i] ?? NaN;
    assert.ok(
      Math.abs(y - x) <= tolerance * Math.max(1, Math.abs(x)),
      `${what}[${i}]: ${y}, expected ${x}`,
    );
  });
}

/** The output rounding of the variant: float16 outputs hold the nearest half. */
const out = (variant: Variant, x: number): number => (variant.fp16 ? half(f(x)) : x);
/** float32 tolerance, or one float16 rounding of a value below 2 (2^-11 relative) plus slack. */
const tolerance = (variant: Variant): number => (variant.fp16 ? 2e-3 : 1e-5);

for (const variant of VARIANTS) {
  describe(`diffusion fixture ${variant.name}`, () => {
    test('text_encoder: last_hidden_state = E[input_ids], pooler_output = row 0', async () => {
      // Fatal-only log: the out-of-range id below would print onnxruntime's own error line.
      const session = await open(variant, 'text_encoder', { logSeverityLevel: 4 });
      // Two prompts that share no position, with the first and the last id of the table.
      const ids = [1023, 3, 77, 500, 0, 7, 1000, 250, 1, 0];
      const input =
        variant.ids === 'int32'
          ? new ort.Tensor('int32', Int32Array.from(ids), [B, TOKENS])
          : new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [B, TOKENS]);
      const result = await session.run({ input_ids: input });
      const hidden = floatOutput(variant, result.last_hidden_state, [B, TOKENS, 8]);
      const expected = ids.flatMap((id) =>
        Array.from({ length: 8 }, (_, d) => out(variant, embedding(id, d))),
      );
      assertNear(hidden, expected, variant.fp16 ? 1e-3 : 1e-6, 'last_hidden_state');
      const pooled = floatOutput(variant, result.pooler_output, [B, 8]);
      assert.deepEqual(pooled, [
        ...hidden.slice(0, 8),
        ...hidden.slice(TOKENS * 8, TOKENS * 8 + 8),
      ]);

      const tooLarge =
        variant.ids === 'int32'
          ? new ort.Tensor('int32', Int32Array.of(1024), [1, 1])
          : new ort.Tensor('int64', BigInt64Array.of(1024n), [1, 1]);
      await assert.rejects(session.run({ input_ids: tooLarge }), /indices|out of bounds|1024/i);
    });

    test(`vae_encoder: ${variant.legacy ? 'latent_sample = mean + 0.05 noise' : 'latent_parameters = A (8x8 means) + a'}`, async () => {
      const session = await open(variant, 'vae_encoder');
      const image = floatInput(variant, values(B * 3 * H * W, 1), [B, 3, H, W]);
      const pixel = (b: number, c: number, y: number, x: number): number =>
        image.seen[((b * 3 + c) * H + y) * W + x] ?? NaN;
      const blockMean = (b: number, c: number, Y: number, X: number): number => {
        let sum = 0;
        for (let y = 0; y < 8; y++)
          for (let x = 0; x < 8; x++) sum += pixel(b, c, 8 * Y + y, 8 * X + x);
        return sum / 64;
      };
      const moments = (channels: number): number[] => {
        const expected: number[] = [];
        for (let b = 0; b < B; b++)
          for (let o = 0; o < channels; o++)
            for (let Y = 0; Y < LH; Y++)
              for (let X = 0; X < LW; X++) {
                let v = a(o);
                for (let c = 0; c < 3; c++) v += A(o, c) * blockMean(b, c, Y, X);
                expected.push(v);
              }
        return expected;
      };
      if (!variant.legacy) {
        const result = await session.run({ sample: image.tensor });
        const actual = floatOutput(variant, result.latent_parameters, [B, 8, LH, LW]);
        assertNear(
          actual,
          moments(8).map((x) => out(variant, x)),
          tolerance(variant),
          'latent_parameters',
        );
        return;
      }
      // Sampled: mean + 0.05 n. RandomNormalLike has no seed attribute, so onnxruntime seeds it
      // with a number fixed when the process loaded it (plus the node's index): each run of a
      // session draws new noise, and a new session in the same process replays the same draws.
      const mean = moments(4);
      const draw = async (from: Ort.InferenceSession): Promise<number[]> =>
        floatOutput(variant, (await from.run({ sample: image.tensor })).latent_sample, [
          B,
          4,
          LH,
          LW,
        ]);
      const first = await draw(session);
      const second = await draw(session);
      assert.notDeepEqual(first, second);
      assert.deepEqual(await draw(await open(variant, 'vae_encoder')), first);
      for (const sample of [first, second]) {
        const noise = sample.map((x, i) => (x - (mean[i] ?? NaN)) / 0.05);
        const rms = Math.sqrt(noise.reduce((s, n) => s + n * n, 0) / noise.length);
        // 48 standard normal draws: an rms outside [0.5, 1.6] has odds far below 1e-6.
        assert.ok(rms > 0.5 && rms < 1.6, `noise rms ${rms}`);
      }
    });

    test('unet: out_sample = tanh(C sample + P mean_s(text) + 0.001 timestep)', async () => {
      const session = await open(variant, 'unet');
      const sample = floatInput(variant, values(B * 8 * LH * LW, 2), [B, 8, LH, LW]);
      const text = floatInput(variant, values(B * TOKENS * 8, 3), [B, TOKENS, 8]);
      const times = variant.timestep === 'scalar' ? [981, 981] : [981, 21];
      const timestep =
        variant.timestep === 'batch'
          ? new ort.Tensor('int64', BigInt64Array.from(times.map(BigInt)), [B])
          : variant.fp16
            ? new ort.Tensor('float16', Uint16Array.of(toHalfBits(981)), [])
            : new ort.Tensor('float32', Float32Array.of(981), []);
      const result = await session.run({
        sample: sample.tensor,
        timestep,
        encoder_hidden_states: text.tensor,
      });
      const actual = floatOutput(variant, result.out_sample, [B, 4, LH, LW]);
      const expected: number[] = [];
      for (let b = 0; b < B; b++) {
        const textMean = Array.from({ length: 8 }, (_, k) => {
          let sum = 0;
          for (let s = 0; s < TOKENS; s++) sum += text.seen[(b * TOKENS + s) * 8 + k] ?? NaN;
          return sum / TOKENS;
        });
        for (let o = 0; o < 4; o++)
          for (let p = 0; p < LH * LW; p++) {
            let v = 0.001 * (times[b] ?? NaN);
            for (let i = 0; i < 8; i++)
              v += C(o, i) * (sample.seen[(b * 8 + i) * LH * LW + p] ?? NaN);
            for (let k = 0; k < 8; k++) v += P(o, k) * (textMean[k] ?? NaN);
            expected.push(out(variant, Math.tanh(v)));
          }
      }
      assertNear(actual, expected, tolerance(variant), 'out_sample');
    });

    test('vae_decoder: sample = D latent + e, upsampled 8x (nearest)', async () => {
      const session = await open(variant, 'vae_decoder');
      const latent = floatInput(variant, values(B * 4 * LH * LW, 4), [B, 4, LH, LW]);
      const result = await session.run({ latent_sample: latent.tensor });
      const actual = floatOutput(variant, result.sample, [B, 3, H, W]);
      const expected: number[] = [];
      for (let b = 0; b < B; b++)
        for (let o = 0; o < 3; o++)
          for (let y = 0; y < H; y++)
            for (let x = 0; x < W; x++) {
              let v = e[o] ?? NaN;
              for (let c = 0; c < 4; c++) {
                v +=
                  D(o, c) *
                  (latent.seen[((b * 4 + c) * LH + Math.floor(y / 8)) * LW + Math.floor(x / 8)] ??
                    NaN);
              }
              expected.push(out(variant, v));
            }
      assertNear(actual, expected, tolerance(variant), 'sample');
    });
  });
}

test('the legacy UNet keeps its weights in model.onnx_data: it loads from its path, not from bytes', async () => {
  const path = fixture('ip2p-legacy', 'unet', 'model.onnx');
  // From bytes there is no folder to find model.onnx_data in.
  await assert.rejects(
    ort.InferenceSession.create(await readFile(path)),
    /external|onnx_data|path/i,
  );
  const session = await ort.InferenceSession.create(path);
  sessions.push(session);
  assert.deepEqual(
    session.inputMetadata.map((m) => m.name),
    ['sample', 'timestep', 'encoder_hidden_states'],
  );
});
