// The InstructPix2Pix sweep over plain functions for networks and a hand-written scheduler: the
// guidance formula as diffusers writes it (never switched off), the evaluations it saves (shared
// first step, branches of weight 0 skipped, batches), batched against unbatched, determinism,
// shared step noise and cancel. The fakes tell the three branches apart by what they are given:
// the hidden states carry the prompt's first token id, and the empty branch gets zero image
// latents. Every fake value is a multiple of a power of two, so the first step is exact in
// float32 and compared with ===.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  branchWeights,
  sweep,
  toModelPixels,
  toRgbBytes,
  type Branch,
  type DiffusionModels,
  type StepScheduler,
  type SweepRequest,
  type SweepResult,
} from '../../../../src/extension/editors/diffusion/sampler';

const H = 16; // image height
const W = 24; // image width
const PLANE = 4 * (H / 8) * (W / 8);
const TEXT_ID = 7;
const EMPTY_ID = 3;
/** Hidden state values per prompt row (the fake text encoder repeats the row's first id). */
const HIDDEN = 2;
/** Each branch's own offset in the fake UNet's output. */
const K: Readonly<Record<Branch, number>> = { text: 3, image: 2, empty: 1 };
const TIMESTEPS = [900, 500, 100, 20];
const SIGMA = 2; // initNoiseSigma
/** Dyadic scale_model_input factors: 1/2, 1/4, ... */
const inputScale = (i: number): number => 2 ** -(i + 1);

/** Initial noise, source pixels and image latents: multiples of 1/8 (exact in float32). */
const NOISE = Float32Array.from({ length: PLANE }, (_, j) => ((j * 5) % 17) / 8 - 1);
const SOURCE = Float32Array.from({ length: 3 * H * W }, (_, j) => ((j * 3) % 17) / 8 - 1);
const imageLatent = (j: number): number => 0.5 + (SOURCE[j * 7] ?? NaN) / 4;

/** One UNet call as the fake saw it. */
interface Call {
  readonly timestep: number;
  readonly branches: readonly Branch[];
  readonly sample: readonly number[];
}

/** The fake UNet's output for one branch: e = K[branch] + x_in / 4 + c / 8 + t / 1024. */
function branchOutput(branch: Branch, xIn: number, j: number, timestep: number): number {
  const c = branch === 'empty' ? 0 : imageLatent(j);
  return K[branch] + xIn / 4 + c / 8 + timestep / 1024;
}

/** Which branch a batch item is, from its hidden states and conditioning channels. */
function branchOf(hidden: number, condition: Float32Array): Branch {
  const withImage = condition.some((v) => v !== 0);
  if (hidden === TEXT_ID) {
    assert.ok(withImage, 'the text branch is conditioned on the image');
    return 'text';
  }
  assert.equal(hidden, EMPTY_ID);
  if (withImage) {
    condition.forEach((v, j) => {
      assert.equal(v, imageLatent(j), 'image latents, unscaled');
    });
  }
  return withImage ? 'image' : 'empty';
}

interface Fakes {
  readonly models: DiffusionModels;
  readonly calls: Call[];
  readonly decoded: Float32Array[];
}

/** The four networks as plain functions; `onDenoise` runs after each UNet call (n from 1). */
function fakeModels(onDenoise?: (n: number) => void): Fakes {
  const calls: Call[] = [];
  const decoded: Float32Array[] = [];
  const models: DiffusionModels = {
    encodeText: (rows) =>
      Promise.resolve(
        Float32Array.from(rows.flatMap((row) => Array<number>(HIDDEN).fill(row[0] ?? NaN))),
      ),
    encodeImage: (pixels, height, width) => {
      assert.equal(pixels, SOURCE);
      assert.deepEqual([height, width], [H, W]);
      return Promise.resolve(Float32Array.from({ length: PLANE }, (_, j) => imageLatent(j)));
    },
    denoise: (sample, timestep, hidden, batch, lh, lw) => {
      assert.deepEqual([lh, lw], [H / 8, W / 8]);
      assert.equal(sample.length, batch * 2 * PLANE);
      assert.equal(hidden.length, batch * HIDDEN);
      const out = new Float32Array(batch * PLANE);
      const branches: Branch[] = [];
      for (let b = 0; b < batch; b++) {
        const item = sample.subarray(b * 2 * PLANE, (b + 1) * 2 * PLANE);
        const branch = branchOf(hidden[b * HIDDEN] ?? NaN, item.subarray(PLANE));
        branches.push(branch);
        for (let j = 0; j < PLANE; j++) {
          out[b * PLANE + j] = branchOutput(branch, item[j] ?? NaN, j, timestep);
        }
      }
      calls.push({ timestep, branches, sample: Array.from(sample) });
      onDenoise?.(calls.length);
      return Promise.resolve(out);
    },
    decode: (latents, batch, lh, lw) => {
      decoded.push(latents.slice());
      const area = 8 * lh * 8 * lw;
      const out = new Float32Array(batch * 3 * area);
      for (let b = 0; b < batch; b++)
        for (let c = 0; c < 3; c++)
          for (let p = 0; p < area; p++) {
            const y = Math.floor(p / (8 * lw) / 8);
            const x = Math.floor((p % (8 * lw)) / 8);
            const v = latents[((b * 4 + c) * lh + y) * lw + x] ?? NaN;
            out[(b * 3 + c) * area + p] = Math.tanh(v / 4);
          }
      return Promise.resolve(out);
    },
  };
  return { models, calls, decoded };
}

/** One scheduler step as the fake scheduler saw it. */
interface Step {
  readonly i: number;
  readonly eps: Float32Array;
  readonly sample: Float32Array;
  readonly out: Float32Array;
  readonly noise: Float32Array | undefined;
}

/** x_next = x - eps / 8 (+ noise / 16 when stochastic); records every call. */
function fakeScheduler(
  steps: number,
  stochastic = false,
): StepScheduler & { readonly seen: Step[] } {
  const seen: Step[] = [];
  return {
    timesteps: TIMESTEPS.slice(0, steps),
    initNoiseSigma: SIGMA,
    stochastic,
    inputScale,
    seen,
    step(i, modelOutput, sample, out, noise) {
      assert.equal(noise !== undefined, stochastic);
      for (let j = 0; j < out.length; j++) {
        out[j] = (sample[j] ?? NaN) - (modelOutput[j] ?? NaN) / 8 + (noise?.[j] ?? 0) / 16;
      }
      seen.push({ i, eps: modelOutput.slice(), sample: sample.slice(), out, noise });
    },
  };
}

function request(
  guidances: readonly number[],
  scheduler: StepScheduler,
  more: Partial<SweepRequest> = {},
): SweepRequest {
  return {
    guidances,
    imageGuidance: 1.5,
    scheduler,
    textIds: Int32Array.of(TEXT_ID, 49407),
    emptyIds: Int32Array.of(EMPTY_ID, 49407),
    source: SOURCE,
    height: H,
    width: W,
    initialNoise: NOISE,
    stepNoise: (i) => Float32Array.from({ length: PLANE }, (_, j) => Math.sin(i + j)),
    scalingFactor: 0.25,
    maxBatch: 64,
    ...more,
  };
}

/** diffusers: noise_pred_uncond + gT (text - image) + gI (image - uncond), in float64. */
function diffusersEps(gT: number, gI: number, e: Readonly<Record<Branch, number>>): number {
  return e.empty + gT * (e.text - e.image) + gI * (e.image - e.empty);
}

/** The scheduler's steps of one strength (after the first, each strength steps in order). */
function stepsOf(seen: readonly Step[], k: number, strengths: number): Step[] {
  return seen.filter((_, n) => n % strengths === k);
}

async function run(
  guidances: readonly number[],
  steps: number,
  more: Partial<SweepRequest> = {},
): Promise<{ result: SweepResult; fakes: Fakes; scheduler: ReturnType<typeof fakeScheduler> }> {
  const fakes = fakeModels();
  const scheduler = fakeScheduler(steps);
  const result = await sweep(fakes.models, request(guidances, scheduler, more));
  return { result, fakes, scheduler };
}

describe('guidance formula', () => {
  // gT from 0 (the reconstruction) through 0.5 and 1 (diffusers turns guidance off at <= 1).
  const GUIDANCES = [0, 0.5, 1, 2.5, 7.25];
  for (const gI of [1.5, 1, 0.75]) {
    test(`eps = e_empty + gT (e_text - e_img) + gI (e_img - e_empty) for every gT, gI = ${gI}`, async () => {
      const { scheduler } = await run(GUIDANCES, 4, { imageGuidance: gI });
      assert.equal(scheduler.seen.length, GUIDANCES.length * 4);
      GUIDANCES.forEach((gT, k) => {
        stepsOf(scheduler.seen, k, GUIDANCES.length).forEach((step, i) => {
          assert.equal(step.i, i);
          const t = TIMESTEPS[i] ?? NaN;
          for (let j = 0; j < PLANE; j++) {
            const xIn = (step.sample[j] ?? NaN) * inputScale(i);
            const e = {
              text: branchOutput('text', xIn, j, t),
              image: branchOutput('image', xIn, j, t),
              empty: branchOutput('empty', xIn, j, t),
            };
            const expected = diffusersEps(gT, gI, e);
            const actual = step.eps[j] ?? NaN;
            if (i === 0) {
              // Dyadic inputs: the first step is exact.
              assert.equal(step.sample[j], (NOISE[j] ?? NaN) * SIGMA);
              assert.equal(actual, expected, `gT ${gT}, eps[${j}] at the first step`);
            } else {
              // Later latents carry float32 roundings of x - eps / 8.
              assert.ok(
                Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected)),
                `gT ${gT}, step ${i}, eps[${j}]: ${actual} vs ${expected}`,
              );
            }
          }
        });
      });
    });
  }

  test('branchWeights sum to 1 and restate the formula', () => {
    assert.deepEqual(branchWeights(7.5, 1.5), { text: 7.5, image: -6, empty: -0.5 });
    assert.deepEqual(branchWeights(0, 1), { text: 0, image: 1, empty: 0 });
    assert.deepEqual(branchWeights(0.5, 1.5), { text: 0.5, image: 1, empty: -0.5 });
  });

  test('gT = 0 is the image-only reconstruction: the text never enters', async () => {
    const { result, fakes } = await run([0], 3);
    assert.ok(fakes.calls.every((c) => !c.branches.includes('text')));
    // The same as a sweep whose instruction is another prompt.
    const other = await run([0], 3, { textIds: Int32Array.of(EMPTY_ID, 49407) });
    assert.deepEqual(other.result.images, result.images);
  });

  test('the decoder gets the final latents divided by the scaling factor', async () => {
    const { fakes, scheduler } = await run([0, 2.5, 5], 3, { scalingFactor: 0.25 });
    const last = scheduler.seen.filter((s) => s.i === 2);
    assert.equal(last.length, 3);
    const expected = last.flatMap((s) => Array.from(s.out, (x) => Math.fround(x / 0.25)));
    assert.deepEqual(
      fakes.decoded.flatMap((d) => Array.from(d)),
      expected,
    );
  });
});

describe('evaluations', () => {
  for (const guidances of [
    [7.5],
    [0, 10],
    [0, 2.5, 5, 7.5, 10],
    Array.from({ length: 17 }, (_, k) => k),
  ]) {
    test(`the first step evaluates 3 images for ${guidances.length} strength(s)`, async () => {
      const { fakes } = await run(guidances, 2, { maxBatch: 64 });
      const first = fakes.calls.filter((c) => c.timestep === TIMESTEPS[0]);
      assert.equal(first.length, 1);
      assert.deepEqual([...(first[0]?.branches ?? [])].sort(), ['empty', 'image', 'text']);
    });
  }

  // Worked out by hand. Work items per step after the first: each strength's branches of
  // non-zero weight (text gT, image gI - gT, empty 1 - gI); calls = ceil(items / maxBatch).
  const CASES: {
    what: string;
    guidances: number[];
    gI: number;
    steps: number;
    maxBatch: number;
    calls: number;
    evaluations: number;
  }[] = [
    // First step 3 items; then gT = 0 has 2 (no text), the four others 3: 14 items a step.
    {
      what: '5 strengths, 4 steps, batch 4',
      guidances: [0, 2.5, 5, 7.5, 10],
      gI: 1.5,
      steps: 4,
      maxBatch: 4,
      calls: 1 + 3 * 4,
      evaluations: 3 + 3 * 14,
    },
    {
      what: '5 strengths, 4 steps, batch 1',
      guidances: [0, 2.5, 5, 7.5, 10],
      gI: 1.5,
      steps: 4,
      maxBatch: 1,
      calls: 45,
      evaluations: 45,
    },
    {
      what: '5 strengths, 4 steps, batch 64',
      guidances: [0, 2.5, 5, 7.5, 10],
      gI: 1.5,
      steps: 4,
      maxBatch: 64,
      calls: 1 + 3,
      evaluations: 45,
    },
    // Batch 3: ceil(3 / 3) = 1 first, ceil(14 / 3) = 5 after.
    {
      what: '5 strengths, 4 steps, batch 3',
      guidances: [0, 2.5, 5, 7.5, 10],
      gI: 1.5,
      steps: 4,
      maxBatch: 3,
      calls: 1 + 3 * 5,
      evaluations: 45,
    },
    // gI = 1: no empty branch. First step text + image = 2; then 2 per strength = 6, in 2 calls.
    {
      what: 'gI = 1, 3 strengths, 3 steps, batch 5',
      guidances: [2, 4, 6],
      gI: 1,
      steps: 3,
      maxBatch: 5,
      calls: 1 + 2 * 2,
      evaluations: 2 + 2 * 6,
    },
    // gI = 1 and gT = 0: eps = e_image alone, 1 item; gT = 1: e_text alone.
    {
      what: 'gI = 1 with gT = 0 and 1',
      guidances: [0, 1],
      gI: 1,
      steps: 2,
      maxBatch: 8,
      calls: 2,
      evaluations: 2 + 2,
    },
    // gT = 0 alone: image and empty, every step.
    {
      what: 'gT = 0 alone',
      guidances: [0],
      gI: 1.5,
      steps: 3,
      maxBatch: 8,
      calls: 3,
      evaluations: 6,
    },
  ];
  for (const c of CASES) {
    test(`unetCalls and imageEvaluations: ${c.what}`, async () => {
      const { result, fakes } = await run(c.guidances, c.steps, {
        imageGuidance: c.gI,
        maxBatch: c.maxBatch,
      });
      assert.equal(result.unetCalls, c.calls);
      assert.equal(result.imageEvaluations, c.evaluations);
      assert.equal(fakes.calls.length, c.calls);
      assert.equal(
        fakes.calls.reduce((n, call) => n + call.branches.length, 0),
        c.evaluations,
      );
      assert.ok(fakes.calls.every((call) => call.branches.length <= c.maxBatch));
    });
  }

  test('gI = 1 evaluates no empty branch, gT = 0 no text branch', async () => {
    const noEmpty = await run([0, 2.5, 5], 3, { imageGuidance: 1 });
    assert.ok(noEmpty.fakes.calls.every((c) => !c.branches.includes('empty')));
    const noText = await run([0], 3, { imageGuidance: 1.5 });
    assert.ok(noText.fakes.calls.every((c) => !c.branches.includes('text')));
  });
});

describe('batches, order, determinism', () => {
  const GUIDANCES = [0, 2.5, 5, 7.5, 10];

  test('maxBatch 1, 3 and 64 give the same latents and images', async () => {
    const runs = await Promise.all([1, 3, 64].map((maxBatch) => run(GUIDANCES, 4, { maxBatch })));
    const [one, ...others] = runs;
    assert.ok(one !== undefined);
    for (const other of others) {
      assert.deepEqual(other.result.images, one.result.images);
      assert.deepEqual(
        other.scheduler.seen.map((s) => s.out),
        one.scheduler.seen.map((s) => s.out),
      );
    }
    // The strengths do part: not every image is the same.
    assert.notDeepEqual(one.result.images[0], one.result.images[4]);
  });

  test('the same request gives the same images and the same UNet inputs', async () => {
    const a = await run(GUIDANCES, 4, { maxBatch: 4 });
    const b = await run(GUIDANCES, 4, { maxBatch: 4 });
    assert.deepEqual(b.result.images, a.result.images);
    assert.deepEqual(b.fakes.calls, a.fakes.calls);
  });

  test('images come in the order of the guidances, each as its own one-strength sweep', async () => {
    const forward = await run(GUIDANCES, 3, { maxBatch: 4 });
    const backward = await run([...GUIDANCES].reverse(), 3, { maxBatch: 4 });
    assert.deepEqual([...backward.result.images].reverse(), forward.result.images);
    for (const [k, gT] of GUIDANCES.entries()) {
      const alone = await run([gT], 3);
      assert.deepEqual(alone.result.images[0], forward.result.images[k], `gT ${gT}`);
    }
  });

  test('a stochastic scheduler gets the same noise for every strength, asked in step order', async () => {
    const asked: number[] = [];
    const given: Float32Array[] = [];
    const scheduler = fakeScheduler(4, true);
    const fakes = fakeModels();
    await sweep(
      fakes.models,
      request(GUIDANCES, scheduler, {
        maxBatch: 4,
        stepNoise: (i) => {
          asked.push(i);
          const noise = Float32Array.from({ length: PLANE }, (_, j) => Math.cos(i * 31 + j));
          given.push(noise);
          return noise;
        },
      }),
    );
    assert.deepEqual(asked, [0, 1, 2, 3]);
    for (let i = 0; i < 4; i++) {
      const atStep = scheduler.seen.filter((s) => s.i === i);
      assert.equal(atStep.length, GUIDANCES.length);
      for (const s of atStep) assert.equal(s.noise, given[i]);
    }
  });

  test('a deterministic scheduler asks for no step noise', async () => {
    const asked: number[] = [];
    await run(GUIDANCES, 3, {
      stepNoise: (i) => {
        asked.push(i);
        return new Float32Array(PLANE);
      },
    });
    assert.deepEqual(asked, []);
  });

  test('progress after each denoising step', async () => {
    const reports: [number, number][] = [];
    await run(GUIDANCES, 4, { onStep: (done, total) => reports.push([done, total]) });
    assert.deepEqual(reports, [
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ]);
  });
});

describe('cancel', () => {
  // 5 strengths, gI 1.5, batch 2: 2 calls at the first step, 7 at each later one.
  for (const k of [1, 2, 3, 9, 10]) {
    test(`aborted inside UNet call ${k}: no further call, rejects with the reason`, async () => {
      const controller = new AbortController();
      const reason = new Error('stop here');
      const fakes = fakeModels((n) => {
        if (n === k) controller.abort(reason);
      });
      await assert.rejects(
        sweep(
          fakes.models,
          request([0, 2.5, 5, 7.5, 10], fakeScheduler(3), {
            maxBatch: 2,
            signal: controller.signal,
          }),
        ),
        (error) => error === reason,
      );
      assert.equal(fakes.calls.length, k);
      assert.equal(fakes.decoded.length, 0);
    });
  }

  test('aborted in the last UNet call: nothing is decoded', async () => {
    const controller = new AbortController();
    // 3 strengths, batch 64, 2 steps: one call per step.
    const fakes = fakeModels((n) => {
      if (n === 2) controller.abort(new Error('late'));
    });
    await assert.rejects(
      sweep(fakes.models, request([0, 5, 10], fakeScheduler(2), { signal: controller.signal })),
      /late/,
    );
    assert.equal(fakes.calls.length, 2);
    assert.equal(fakes.decoded.length, 0);
  });

  test('aborted while the text is encoded: no UNet call', async () => {
    const controller = new AbortController();
    const fakes = fakeModels();
    const models: DiffusionModels = {
      ...fakes.models,
      encodeText: (rows) => {
        controller.abort(new Error('early'));
        return fakes.models.encodeText(rows);
      },
    };
    await assert.rejects(
      sweep(models, request([0, 5], fakeScheduler(2), { signal: controller.signal })),
      /early/,
    );
    assert.equal(fakes.calls.length, 0);
  });
});

describe('pixels', () => {
  test('toRgbBytes: NCHW to HWC, clamped to [-1, 1], (x + 1) / 2 * 255 rounded', () => {
    // 1 x 4 image; channel planes r, g, b.
    const r = [-3, -1, 0, 1];
    const g = [-0.5, 0.5, 2, -Infinity];
    const b = [Infinity, 0.999, -0.999, -0.9];
    const bytes = toRgbBytes(Float32Array.from([...r, ...g, ...b]), 1, 4);
    // 0 -> 127.5 -> 128; -0.5 -> 63.75 -> 64; 0.5 -> 191.25 -> 191; 0.999 -> 254.87 -> 255;
    // -0.999 -> 0.1275 -> 0; -0.9 -> 12.75 -> 13.
    assert.deepEqual(Array.from(bytes), [0, 64, 255, 0, 191, 255, 128, 255, 0, 255, 0, 13]);
  });

  test('toRgbBytes refuses NaN', () => {
    assert.throws(() => toRgbBytes(Float32Array.of(0, 0, NaN), 1, 1), /NaN/);
  });

  test('toModelPixels: HWC bytes to NCHW in [-1, 1], and back to the same bytes', () => {
    const rgb = Uint8Array.of(0, 255, 51, 102, 204, 128);
    assert.deepEqual(
      Array.from(toModelPixels(rgb, 1, 2)),
      [
        -1,
        (102 / 255) * 2 - 1,
        1,
        (204 / 255) * 2 - 1,
        (51 / 255) * 2 - 1,
        (128 / 255) * 2 - 1,
      ].map(Math.fround),
    );
    const all = Uint8Array.from({ length: 256 * 3 }, (_, i) => i % 256);
    assert.deepEqual(toRgbBytes(toModelPixels(all, 16, 16), 16, 16), all);
  });
});

describe('refused requests', () => {
  const BAD: [string, Partial<SweepRequest>, RegExp][] = [
    [
      'a height not a multiple of 8',
      { height: 12, source: new Float32Array(3 * 12 * W) },
      /multiples of 8/,
    ],
    ['a zero width', { width: 0, source: new Float32Array(0) }, /multiples of 8/],
    [
      'noise of the wrong length',
      { initialNoise: new Float32Array(PLANE + 1) },
      /initial noise has 25 values for 24/,
    ],
    ['a source of the wrong length', { source: new Float32Array(10) }, /source has 10 values/],
    ['maxBatch 0', { maxBatch: 0 }, /maxBatch/],
    ['maxBatch 1.5', { maxBatch: 1.5 }, /maxBatch/],
    ['no guidance', { guidances: [] }, /at least one finite guidance/],
    ['a NaN guidance', { guidances: [1, NaN] }, /finite guidance/],
  ];
  for (const [what, change, message] of BAD) {
    test(`refuses ${what} before running a network`, async () => {
      const fakes = fakeModels();
      let texts = 0;
      const models: DiffusionModels = {
        ...fakes.models,
        encodeText: (rows) => {
          texts++;
          return fakes.models.encodeText(rows);
        },
      };
      await assert.rejects(sweep(models, request([0, 5], fakeScheduler(2), change)), (error) => {
        assert.ok(error instanceof RangeError);
        assert.match(error.message, message);
        return true;
      });
      assert.equal(texts, 0);
    });
  }

  test('a network answering the wrong size is an error, not a wrong image', async () => {
    const fakes = fakeModels();
    const short = (models: Partial<DiffusionModels>): DiffusionModels => ({
      ...fakes.models,
      ...models,
    });
    await assert.rejects(
      sweep(
        short({ encodeImage: () => Promise.resolve(new Float32Array(PLANE - 1)) }),
        request([0], fakeScheduler(1)),
      ),
      /VAE encoder gave 23 values for 24/,
    );
    await assert.rejects(
      sweep(
        short({ denoise: () => Promise.resolve(new Float32Array(1)) }),
        request([0], fakeScheduler(1)),
      ),
      /UNet gave 1 values/,
    );
    await assert.rejects(
      sweep(
        short({ decode: () => Promise.resolve(new Float32Array(1)) }),
        request([0], fakeScheduler(1)),
      ),
      /VAE decoder gave 1 values/,
    );
  });
});
