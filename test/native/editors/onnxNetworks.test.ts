// The ONNX adapter of the diffusion editor over the fixture folders (test/fixtures/diffusion/
// README.md): each variant's networks through DiffusionModels against the README's formulas
// (restated here as plain functions, on a 16x24 image: 2x3 latents), so int32 and int64 ids, a
// 0-d float and an int64 [batch] timestep, float16 and float32 tensors and both VAE encoder
// outputs are each driven correctly; batched UNet calls equal single ones; and whole sweeps
// through the real networks with the real schedulers give the same frames batched and unbatched,
// and the same as the formulas.
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { gaussianField } from '../../../src/extension/editors/pixels';
import { Rng } from '../../../src/extension/measures/rng';
import { openDiffusionFolder } from '../../../src/extension/editors/diffusion/modelFolder';
import {
  openNetworks,
  type OpenedNetworks,
} from '../../../src/extension/editors/diffusion/onnxNetworks';
import {
  sweep,
  toModelPixels,
  type DiffusionModels,
  type StepScheduler,
  type SweepResult,
} from '../../../src/extension/editors/diffusion/sampler';
import { readSchedulerConfig } from '../../../src/extension/editors/diffusion/schedulerConfig';
import {
  createScheduler,
  type SchedulerKind,
} from '../../../src/extension/editors/diffusion/schedulers';
import { loadClipTokenizer } from '../../../src/extension/text/tokenizerFiles';
import { EditorInputError } from '../../../src/extension/editors/types';
import { loadOrt } from '../../../src/extension/natives/natives';
import { fromFloat16Array, toHalfBits } from '../../../src/shared/float16';
import { ROOT } from '../../unit/helpers';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'diffusion');
const H = 16;
const W = 24;
const LH = H / 8;
const LW = W / 8;
const PLANE = 4 * LH * LW;
const TOKENS = 5;
const WIDTH = 8; // hidden feature

interface Variant {
  readonly name: string;
  readonly fp16: boolean;
  readonly timestep: 'scalar' | 'batch';
  readonly legacy: boolean;
}

const VARIANTS: readonly Variant[] = [
  { name: 'ip2p-fp32', fp16: false, timestep: 'scalar', legacy: false },
  { name: 'ip2p-fp16', fp16: true, timestep: 'scalar', legacy: false },
  { name: 'ip2p-legacy', fp16: false, timestep: 'batch', legacy: true },
];

const f = Math.fround;
/** The nearest float16 of a float32 value. */
const half = (x: number): number => fromFloat16Array(Uint16Array.of(toHalfBits(f(x))))[0] ?? NaN;

// The README's weights.
const A = (o: number, c: number): number => (((o + 3 * c) % 7) - 3) / 4;
const a = (o: number): number => (o - 4) / 8;
const C = (o: number, i: number): number => (((3 * o + i) % 5) - 2) / 4;
const P = (o: number, k: number): number => (((o + 2 * k) % 5) - 2) / 2;
const D = (o: number, c: number): number => (((o + 2 * c) % 5) - 2) / 4;
const E = [-0.25, 0, 0.25];
/** E[id][d] = 0.5 sin(0.37 id + 1.3 d), with the graph's float32 roundings repeated. */
const embedding = (id: number, d: number): number =>
  0.5 * Math.sin(f(f(f(id) * f(0.37)) + f(1.3 * d)));

/**
 * The README's four networks as plain functions (float64 inside). `round` is what a boundary
 * tensor holds: a float16 export rounds every float input and output to float16.
 */
function formulaModels(variant: Variant): DiffusionModels {
  const round = (x: number): number => (variant.fp16 ? half(x) : f(x));
  const rounded = (data: Float32Array): number[] => Array.from(data, round);
  return {
    encodeText: (rows) =>
      Promise.resolve(
        Float32Array.from(
          rows.flatMap((row) =>
            Array.from(row).flatMap((id) =>
              Array.from({ length: WIDTH }, (_, d) => round(embedding(id, d))),
            ),
          ),
        ),
      ),
    encodeImage: (pixels, height, width) => {
      const seen = rounded(pixels);
      const lh = height / 8;
      const lw = width / 8;
      const out = new Float32Array(4 * lh * lw);
      for (let o = 0; o < 4; o++)
        for (let Y = 0; Y < lh; Y++)
          for (let X = 0; X < lw; X++) {
            let v = a(o);
            for (let c = 0; c < 3; c++) {
              let sum = 0;
              for (let y = 0; y < 8; y++)
                for (let x = 0; x < 8; x++)
                  sum += seen[(c * height + 8 * Y + y) * width + 8 * X + x] ?? NaN;
              v += A(o, c) * (sum / 64);
            }
            out[(o * lh + Y) * lw + X] = round(v);
          }
      return Promise.resolve(out);
    },
    denoise: (sample, timestep, hidden, batch, lh, lw) => {
      const x = rounded(sample);
      const states = rounded(hidden);
      const tokens = hidden.length / batch / WIDTH;
      const t = variant.timestep === 'batch' ? Math.trunc(timestep) : round(timestep);
      const area = lh * lw;
      const out = new Float32Array(batch * 4 * area);
      for (let b = 0; b < batch; b++) {
        const mean = Array.from({ length: WIDTH }, (_, k) => {
          let sum = 0;
          for (let s = 0; s < tokens; s++) sum += states[(b * tokens + s) * WIDTH + k] ?? NaN;
          return sum / tokens;
        });
        for (let o = 0; o < 4; o++)
          for (let p = 0; p < area; p++) {
            let v = 0.001 * t;
            for (let i = 0; i < 8; i++) v += C(o, i) * (x[(b * 8 + i) * area + p] ?? NaN);
            for (let k = 0; k < WIDTH; k++) v += P(o, k) * (mean[k] ?? NaN);
            out[(b * 4 + o) * area + p] = round(Math.tanh(v));
          }
      }
      return Promise.resolve(out);
    },
    decode: (latents, batch, lh, lw) => {
      const z = rounded(latents);
      const height = 8 * lh;
      const width = 8 * lw;
      const out = new Float32Array(batch * 3 * height * width);
      for (let b = 0; b < batch; b++)
        for (let o = 0; o < 3; o++)
          for (let y = 0; y < height; y++)
            for (let x = 0; x < width; x++) {
              let v = E[o] ?? NaN;
              for (let c = 0; c < 4; c++) {
                const at = ((b * 4 + c) * lh + Math.floor(y / 8)) * lw + Math.floor(x / 8);
                v += D(o, c) * (z[at] ?? NaN);
              }
              out[((b * 3 + o) * height + y) * width + x] = round(v);
            }
      return Promise.resolve(out);
    },
  };
}

/** Distinct values for every index, in [-0.9, 0.9]. */
const values = (count: number, seed: number): Float32Array =>
  Float32Array.from({ length: count }, (_, i) => 0.9 * Math.sin(seed + 0.731 * i + 0.013 * i * i));

/** Each actual value within `tolerance` of the expected one (relative above 1). */
function assertNear(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const x = expected[i] ?? NaN;
    const y = actual[i] ?? NaN;
    assert.ok(
      Math.abs(y - x) <= tolerance * Math.max(1, Math.abs(x)),
      `${what}[${i}]: ${y}, expected ${x}`,
    );
  }
}

/** float32 tolerance, or one float16 rounding of a value below 2 plus slack. */
const tolerance = (variant: Variant): number => (variant.fp16 ? 2e-3 : 1e-5);

const ort = loadOrt();
const logged: string[] = [];
const opened: OpenedNetworks[] = [];
const temp = mkdtempSync(join(tmpdir(), 'propsweep-onnx-networks-'));
after(async () => {
  for (const networks of opened) await networks.release();
  rmSync(temp, { recursive: true, force: true });
});

async function open(dir: string): Promise<OpenedNetworks> {
  const networks = await openNetworks(
    ort,
    await openDiffusionFolder(dir),
    'cpu',
    undefined,
    (message) => logged.push(message),
  );
  opened.push(networks);
  return networks;
}

/** Two prompts of TOKENS ids that share no position, up to the table's last id. */
const ROWS = [Int32Array.of(1023, 3, 77, 500, 0), Int32Array.of(7, 1000, 250, 1, 537)];

for (const variant of VARIANTS) {
  describe(`openNetworks ${variant.name}`, () => {
    let networks: OpenedNetworks;
    const formulas = formulaModels(variant);
    before(async () => {
      networks = await open(join(FIXTURES, variant.name));
    });

    test('what the sessions declare', () => {
      assert.equal(networks.provider, 'cpu');
      assert.equal(networks.fallbackReason, null);
      // The process's first CPU session says how many threads they run on; nothing else is logged.
      const fallbacks = logged.filter((line) => !line.startsWith('CPU inference runs on '));
      assert.deepEqual(fallbacks, [], 'no fallback on the CPU');
      assert.equal(networks.unetBatch, null);
      assert.equal(networks.latentSize, null);
      assert.equal(networks.sequenceLength, null);
      assert.equal(networks.randomImageLatents, variant.legacy);
      assert.equal(networks.floatType, variant.fp16 ? 'float16' : 'float32');
    });

    test('encodeText: E[input_ids], row after row', async () => {
      const hidden = await networks.encodeText(ROWS);
      assertNear(
        hidden,
        await formulas.encodeText(ROWS),
        variant.fp16 ? 1e-3 : 1e-6,
        'hidden states',
      );
      // One row alone gives that row's block.
      const second = await networks.encodeText([ROWS[1] ?? Int32Array.of()]);
      assert.deepEqual(second, hidden.slice(TOKENS * WIDTH));
    });

    test(`encodeImage: ${variant.legacy ? 'a sampled latent, random at every run' : 'the mean of latent_parameters'}`, async () => {
      const pixels = values(3 * H * W, 1);
      const latents = await networks.encodeImage(pixels, H, W);
      const mean = await formulas.encodeImage(pixels, H, W);
      if (!variant.legacy) {
        assertNear(latents, mean, tolerance(variant), 'image latents');
        return;
      }
      // latent_sample = mean + 0.05 n: near the mean, and another draw at the next run.
      assertNear(latents, mean, 0.3, 'sampled image latents');
      assert.notDeepEqual(await networks.encodeImage(pixels, H, W), latents);
    });

    test(`denoise: tanh(C sample + P mean(text) + 0.001 t), ${variant.timestep === 'batch' ? 'int64 [batch] timestep, truncated' : `0-d ${variant.fp16 ? 'float16' : 'float32'} timestep`}`, async () => {
      await networks.encodeText([ROWS[0] ?? Int32Array.of()]); // learns [sequence, width]
      const batch = 3;
      const sample = values((batch * 8 * PLANE) / 4, 2);
      const hidden = values(batch * TOKENS * WIDTH, 3);
      for (const t of [981, 20.5]) {
        const actual = await networks.denoise(sample, t, hidden, batch, LH, LW);
        const expected = await formulas.denoise(sample, t, hidden, batch, LH, LW);
        assertNear(actual, expected, tolerance(variant), `out_sample at t ${t}`);
      }
      // The timestep reaches the network: 0.001 t moves the output.
      const at = async (t: number): Promise<Float32Array> =>
        networks.denoise(sample, t, hidden, batch, LH, LW);
      assert.notDeepEqual(await at(981), await at(1));
    });

    test('a batched UNet call equals single calls within 1e-5', async () => {
      await networks.encodeText([ROWS[0] ?? Int32Array.of()]);
      const batch = 5;
      const sample = values(batch * 2 * PLANE, 4);
      const hidden = values(batch * TOKENS * WIDTH, 5);
      const together = await networks.denoise(sample, 500, hidden, batch, LH, LW);
      const alone: number[] = [];
      for (let b = 0; b < batch; b++) {
        const one = await networks.denoise(
          sample.subarray(b * 2 * PLANE, (b + 1) * 2 * PLANE),
          500,
          hidden.subarray(b * TOKENS * WIDTH, (b + 1) * TOKENS * WIDTH),
          1,
          LH,
          LW,
        );
        alone.push(...one);
      }
      assertNear(together, alone, 1e-5, 'batched vs single');
    });

    test('decode: D latent + e, upsampled 8x', async () => {
      const latents = values(2 * PLANE, 6);
      const actual = await networks.decode(latents, 2, LH, LW);
      assertNear(
        actual,
        await formulas.decode(latents, 2, LH, LW),
        tolerance(variant),
        'decoded pixels',
      );
    });
  });
}

/** A scheduler that records the latents of the last step (what is decoded), per strength. */
function recording(inner: StepScheduler): StepScheduler & { readonly last: Float32Array[] } {
  const last: Float32Array[] = [];
  return {
    timesteps: inner.timesteps,
    initNoiseSigma: inner.initNoiseSigma,
    stochastic: inner.stochastic,
    inputScale: (i) => inner.inputScale(i),
    last,
    step(i, modelOutput, sample, out, noise) {
      inner.step(i, modelOutput, sample, out, noise);
      if (i === inner.timesteps.length - 1) last.push(out);
    },
  };
}

/** A 16x24 RGB picture: a gradient with a bright square. */
function picture(): Uint8Array {
  const rgb = new Uint8Array(H * W * 3);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let c = 0; c < 3; c++) {
        const square = x >= 8 && x < 16 && y < 8;
        rgb[(y * W + x) * 3 + c] = square ? 240 : Math.round((x * 10 + y * 5 + c * 40) % 256);
      }
  return rgb;
}

const GUIDANCES = [0, 2.5, 5, 7.5, 10];
/**
 * Latents are divided by this before decoding, so that the frames are not clamped: the fixture's
 * untrained UNet leaves final latents up to about 12 (DDIM) and 47 (Euler ancestral, which starts
 * at sigma_max), and SD's 0.18215 would clamp every pixel, making any two frames equal.
 */
const FRAME_SCALING: Readonly<Record<SchedulerKind, number>> = { ddim: 24, 'euler-ancestral': 96 };
const STEPS = 4;

async function runSweep(
  models: DiffusionModels,
  dir: string,
  kind: SchedulerKind,
  maxBatch: number,
): Promise<{ result: SweepResult; latents: Float32Array[]; sigma: number }> {
  const folder = await openDiffusionFolder(dir);
  const tokenizer = await loadClipTokenizer(folder.tokenizer);
  const scheduler = recording(
    createScheduler(kind, await readSchedulerConfig(folder.schedulerConfig), STEPS),
  );
  const stepRng = new Rng(7, 2);
  const stepNoises: Float32Array[] = [];
  const result = await sweep(models, {
    guidances: GUIDANCES,
    imageGuidance: 1.5,
    scheduler,
    textIds: tokenizer.encode('make the fur white'),
    emptyIds: tokenizer.encode(''),
    source: toModelPixels(picture(), H, W),
    height: H,
    width: W,
    initialNoise: gaussianField(PLANE, new Rng(7, 1)),
    stepNoise: (i) => {
      while (stepNoises.length <= i) stepNoises.push(gaussianField(PLANE, stepRng));
      return stepNoises[i] ?? new Float32Array(PLANE);
    },
    scalingFactor: FRAME_SCALING[kind],
    maxBatch,
  });
  return { result, latents: scheduler.last, sigma: scheduler.initNoiseSigma };
}

/** Every byte of every frame within `levels` grey levels. */
function assertFramesNear(
  actual: readonly Uint8Array[],
  expected: readonly Uint8Array[],
  levels: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: frames`);
  actual.forEach((frame, k) => {
    const other = expected[k] ?? new Uint8Array();
    assert.equal(frame.length, other.length);
    let worst = 0;
    frame.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(v - (other[i] ?? NaN)));
    });
    assert.ok(worst <= levels, `${what}: frame ${k} differs by ${worst} grey levels`);
  });
}

describe('sweeps through the fixture networks', () => {
  for (const variant of VARIANTS) {
    for (const kind of ['ddim', 'euler-ancestral'] as const) {
      test(`${variant.name}, ${kind}: maxBatch 1 and 64 give the same frames${variant.legacy ? '' : ', and the formulas give them too'}`, async () => {
        const dir = join(FIXTURES, variant.name);
        const networks = await open(dir);
        // The legacy encoder draws new image latents at every run: fixed here, so that the two
        // runs differ only in their batches.
        const fixed = await networks.encodeImage(toModelPixels(picture(), H, W), H, W);
        const models: DiffusionModels = variant.legacy
          ? { ...networks, encodeImage: () => Promise.resolve(fixed) }
          : networks;
        const one = await runSweep(models, dir, kind, 1);
        const many = await runSweep(models, dir, kind, 64);
        // 3 at the first step, then 2 for gT = 0 and 3 for each other strength: 14 a step.
        assert.equal(one.result.imageEvaluations, 3 + (STEPS - 1) * 14);
        assert.equal(one.result.unetCalls, one.result.imageEvaluations);
        assert.equal(many.result.imageEvaluations, one.result.imageEvaluations);
        assert.equal(many.result.unetCalls, STEPS);
        assert.equal(one.latents.length, GUIDANCES.length);
        // Relative to the initial latents' scale: Euler's start at sigma_max (about 14.6) times the
        // noise, so a float32 rounding of a sum in the network is that much larger.
        const latentTolerance = 1e-5 * Math.max(1, one.sigma);
        one.latents.forEach((x, k) => {
          assertNear(
            many.latents[k] ?? new Float32Array(),
            x,
            latentTolerance,
            `latents of strength ${k}`,
          );
        });
        for (const frame of one.result.images) {
          const clamped = frame.filter((v) => v === 0 || v === 255).length;
          assert.ok(clamped < frame.length / 20, `${clamped} of ${frame.length} bytes clamped`);
        }
        assertFramesNear(many.result.images, one.result.images, 1, 'batched vs unbatched');
        // The strengths do differ.
        assert.notDeepEqual(one.result.images[0], one.result.images[GUIDANCES.length - 1]);
        if (variant.legacy) return;
        const formulas = await runSweep(formulaModels(variant), dir, kind, 64);
        assertFramesNear(one.result.images, formulas.result.images, 1, 'onnx vs formulas');
      });
    }
  }
});

describe('refused and released networks', () => {
  test('a UNet that is not an instruction editor (4 input channels) is refused', async () => {
    const dir = join(temp, 'four-channels');
    cpSync(join(FIXTURES, 'ip2p-fp32'), dir, { recursive: true });
    // The VAE decoder's one input, [batch, 4, h, w], where the UNet should be.
    copyFileSync(join(dir, 'vae_decoder', 'model.onnx'), join(dir, 'unet', 'model.onnx'));
    await assert.rejects(
      openNetworks(ort, await openDiffusionFolder(dir), 'cpu', undefined, () => undefined),
      (error) => {
        assert.ok(error instanceof EditorInputError);
        assert.match(error.message, /takes 4-channel latents/);
        return true;
      },
    );
  });

  test('a file that is not an ONNX model is refused with the export command', async () => {
    const dir = join(temp, 'garbage');
    cpSync(join(FIXTURES, 'ip2p-fp32'), dir, { recursive: true });
    writeFileSync(join(dir, 'vae_encoder', 'model.onnx'), 'not a model');
    await assert.rejects(
      openNetworks(ort, await openDiffusionFolder(dir), 'cpu', undefined, () => undefined),
      (error) => {
        assert.ok(error instanceof EditorInputError);
        assert.match(error.message, /vae_encoder[\\/]model\.onnx is not a valid ONNX model/);
        assert.match(error.message, /optimum-cli export onnx/);
        return true;
      },
    );
  });

  test('release() closes the sessions', async () => {
    const networks = await openNetworks(
      ort,
      await openDiffusionFolder(join(FIXTURES, 'ip2p-fp32')),
      'cpu',
      undefined,
      () => undefined,
    );
    await networks.encodeText(ROWS);
    await networks.release();
    await assert.rejects(networks.encodeText(ROWS));
  });

  test('denoise before encodeText is a programming error', async () => {
    const networks = await open(join(FIXTURES, 'ip2p-fp32'));
    await assert.rejects(
      networks.denoise(new Float32Array(2 * PLANE), 1, new Float32Array(TOKENS * WIDTH), 1, LH, LW),
      /denoise before encodeText/,
    );
  });
});
