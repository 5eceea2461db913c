// The two samplers against diffusers' formulas. Every expected number below was computed with a
// float64 numpy (2.4) re-implementation of diffusers' DDIMScheduler (eta 0) and
// EulerAncestralDiscreteScheduler (huggingface/diffusers main, src/diffusers/schedulers/): betas
// np.linspace(sqrt(0.00085), sqrt(0.012), 1000) ** 2, alphas_cumprod np.cumprod(1 - betas),
// timesteps by each set_timesteps' numpy expressions, sigmas
// np.interp(timesteps, np.arange(1000), sqrt((1 - ac) / ac)) + [0], and the step formulas of each
// class's step() written out in numpy. diffusers itself computes in float32; these are float64.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Rng } from '../../../../src/extension/measures/rng';
import { gaussianField } from '../../../../src/extension/editors/pixels';
import { alphasCumprod } from '../../../../src/extension/editors/diffusion/noiseSchedule';
import {
  parseSchedulerConfig,
  type SchedulerConfig,
} from '../../../../src/extension/editors/diffusion/schedulerConfig';
import {
  createScheduler,
  type Scheduler,
} from '../../../../src/extension/editors/diffusion/schedulers';
import { ddimTimesteps } from '../../../../src/extension/editors/diffusion/timesteps';
import { EditorInputError } from '../../../../src/extension/editors/types';
import { PIX2PIX_SCHEDULER } from '../../../../scripts/diffusion/fixtures';

function config(overrides: Record<string, unknown> = {}): SchedulerConfig {
  return parseSchedulerConfig({ ...PIX2PIX_SCHEDULER, ...overrides }, 'scheduler_config.json');
}

function assertClose(
  actual: ArrayLike<number>,
  expected: readonly number[],
  relative = 1e-6,
  what = '',
): void {
  assert.equal(actual.length, expected.length, `${what} length`);
  for (let k = 0; k < expected.length; k++) {
    const a = actual[k] as number;
    const e = expected[k] as number;
    assert.ok(
      Math.abs(a - e) <= relative * Math.max(1, Math.abs(e)),
      `${what}[${String(k)}]: ${String(a)} vs ${String(e)}`,
    );
  }
}

/** One step of `scheduler` on fresh float32 copies. */
function stepOnce(
  scheduler: Scheduler,
  i: number,
  model: readonly number[],
  sample: readonly number[],
  noise?: readonly number[],
): Float32Array {
  const out = new Float32Array(sample.length);
  scheduler.step(
    i,
    Float32Array.from(model),
    Float32Array.from(sample),
    out,
    noise === undefined ? undefined : Float32Array.from(noise),
  );
  return out;
}

const X = [0.5, -1.2, 2.0, 0.1];
const M = [0.3, 0.7, -1.5, 0.0];
const Z = [-0.4, 1.1, 0.25, -2.0];

test('alphas_cumprod of each beta schedule', () => {
  // np.cumprod(1 - betas) at t = 0, 1, 499, 999.
  const ac = alphasCumprod(config());
  assertClose(
    [ac[0], ac[1], ac[499], ac[999]] as number[],
    [0.99915, 0.9982960278384514, 0.27766965045646763, 0.004660098513077238],
    1e-12,
  );
  // diffusers' defaults: linear from 0.0001 to 0.02.
  const linear = alphasCumprod(parseSchedulerConfig({}, 'c.json'));
  assertClose([linear[0], linear[999]] as number[], [0.9999, 4.035829765375676e-5], 1e-12);
  // betas_for_alpha_bar(1000): min(1 - abar(t2) / abar(t1), 0.999), abar the squared cosine.
  const cosine = alphasCumprod(config({ beta_schedule: 'squaredcos_cap_v2' }));
  assertClose(
    [cosine[0], cosine[500], cosine[999]] as number[],
    [0.999958715775178, 0.49228517244880304, 2.4287669070348567e-9],
    1e-10,
  );
  const trained = alphasCumprod(
    config({ num_train_timesteps: 4, steps_offset: 0, trained_betas: [0.1, 0.2, 0.3, 0.4] }),
  );
  assertClose(trained, [0.9, 0.72, 0.504, 0.3024], 1e-15);
});

test('DDIM timesteps per spacing, 20 steps, the instruct-pix2pix config', () => {
  const at = (spacing: string | undefined): readonly number[] =>
    createScheduler('ddim', config({ timestep_spacing: spacing }), 20).timesteps;
  // No timestep_spacing: DDIMScheduler's default 'leading', plus steps_offset 1.
  const leading = [
    951, 901, 851, 801, 751, 701, 651, 601, 551, 501, 451, 401, 351, 301, 251, 201, 151, 101, 51, 1,
  ];
  assert.deepEqual(at(undefined), leading);
  assert.deepEqual(at('leading'), leading);
  // np.linspace(0, 999, 20).round()[::-1]
  assert.deepEqual(
    at('linspace'),
    [
      999, 946, 894, 841, 789, 736, 684, 631, 578, 526, 473, 421, 368, 315, 263, 210, 158, 105, 53,
      0,
    ],
  );
  // np.round(np.arange(1000, 0, -50)) - 1
  assert.deepEqual(
    at('trailing'),
    [
      999, 949, 899, 849, 799, 749, 699, 649, 599, 549, 499, 449, 399, 349, 299, 249, 199, 149, 99,
      49,
    ],
  );
});

test('Euler ancestral timesteps per spacing: float32 values, linspace by default', () => {
  const at = (spacing: string | undefined): readonly number[] =>
    createScheduler('euler-ancestral', config({ timestep_spacing: spacing }), 20).timesteps;
  // np.linspace(0, 999, 20, dtype=np.float32)[::-1], each float32 written out exactly.
  const linspace = [
    999, 946.42108154296875, 893.84210205078125, 841.26318359375, 788.6842041015625,
    736.10528564453125, 683.52630615234375, 630.9473876953125, 578.368408203125, 525.78948974609375,
    473.210540771484375, 420.631591796875, 368.052642822265625, 315.47369384765625,
    262.894744873046875, 210.3157958984375, 157.736846923828125, 105.15789794921875,
    52.578948974609375, 0,
  ];
  assert.deepEqual(at(undefined), linspace);
  assert.deepEqual(at('linspace'), linspace);
  assert.deepEqual(
    at('leading'),
    [
      951, 901, 851, 801, 751, 701, 651, 601, 551, 501, 451, 401, 351, 301, 251, 201, 151, 101, 51,
      1,
    ],
  );
  assert.deepEqual(
    at('trailing'),
    [
      999, 949, 899, 849, 799, 749, 699, 649, 599, 549, 499, 449, 399, 349, 299, 249, 199, 149, 99,
      49,
    ],
  );
});

test("timesteps round half to even, and trailing keeps numpy's first steps only", () => {
  const spaced = (train: number, steps: number, spacing: 'linspace' | 'trailing'): number[] =>
    ddimTimesteps({ numTrainTimesteps: train, steps, spacing, stepsOffset: 0 });
  // np.linspace(0, 997, 3).round(): 498.5 rounds to 498 (Math.round would give 499).
  assert.deepEqual(spaced(998, 3, 'linspace'), [997, 498, 0]);
  // np.round(np.arange(1000, 0, -62.5)) - 1: 937.5 -> 938, 812.5 -> 812.
  assert.deepEqual(
    spaced(1000, 16, 'trailing'),
    [999, 937, 874, 811, 749, 687, 624, 561, 499, 437, 374, 311, 249, 187, 124, 61],
  );
  // np.arange(1000, 0, -1000 / 61) has 62 values, the last rounding to 0 (timestep -1 in
  // diffusers); its first 61 start 999, 983, 966 and end 48, 32, 15.
  const sixtyOne = spaced(1000, 61, 'trailing');
  assert.equal(sixtyOne.length, 61);
  assert.deepEqual(sixtyOne.slice(0, 3), [999, 983, 966]);
  assert.deepEqual(sixtyOne.slice(-3), [48, 32, 15]);
});

test('Euler ancestral sigmas, input scales and init_noise_sigma per spacing', () => {
  // np.interp(timesteps, np.arange(1000), sqrt((1 - ac) / ac)), then a final 0.
  const sigmas = {
    linspace: [
      14.614641229333639, 10.746845738770224, 8.081533897808761, 6.204949219105014,
      4.8556631218640645, 3.8653826744962325, 3.123767394280139, 2.557167057186659,
      2.1156607105669196, 1.7648243366503742, 1.4805820235025535, 1.245814773841833,
      1.0481423725133654, 0.8784294554759694, 0.7297191715030918, 0.596434637870457,
      0.4735857782250184, 0.35554636367440895, 0.23216763474129531, 0.029167158151720367,
    ],
    leading: [
      11.02833116477522, 8.390684770218579, 6.5063978375308205, 5.134431117517536,
      4.116696479276065, 3.3477635806615926, 2.7561958540300786, 2.292853821788702,
      1.9234433148710193, 1.623692081515863, 1.3761789107458724, 1.1682159550479787,
      0.9904088768268802, 0.8356528080331495, 0.6983980911630334, 0.5740502594628525,
      0.458332700961321, 0.34618670638077037, 0.2281467364477799, 0.04131441199678309,
    ],
    trailing: [
      14.614641229333639, 10.904235383317124, 8.302803191053336, 6.442955086741442,
      5.087763182678662, 4.081729363724308, 3.321083129846573, 2.7354691219641074,
      2.2764630657646574, 1.910250729459602, 1.612886194303876, 1.3671727316461477,
      1.1605783219528756, 0.9838172169257704, 0.8298595281753968, 0.6932048996386885,
      0.5692848883499537, 0.45381852445623216, 0.3416738322812819, 0.22300313793410365,
    ],
  };
  // init_noise_sigma: max sigma for linspace and trailing, sqrt(max^2 + 1) for leading.
  const init = {
    linspace: 14.614641229333639,
    leading: 11.073576128782985,
    trailing: 14.614641229333639,
  };
  for (const spacing of ['linspace', 'leading', 'trailing'] as const) {
    const euler = createScheduler('euler-ancestral', config({ timestep_spacing: spacing }), 20);
    assertClose([euler.initNoiseSigma], [init[spacing]], 1e-12, `${spacing} init`);
    assertClose(
      sigmas[spacing].map((_, i) => euler.inputScale(i)),
      sigmas[spacing].map((s) => 1 / Math.sqrt(s * s + 1)),
      1e-12,
      `${spacing} scales`,
    );
    assert.equal(euler.stochastic, true);
  }
  const ddim = createScheduler('ddim', config(), 20);
  assert.equal(ddim.initNoiseSigma, 1);
  assert.equal(ddim.inputScale(7), 1);
  assert.equal(ddim.stochastic, false);
});

test('one DDIM step per prediction type, first and last (final alpha) step', () => {
  const expected = {
    epsilon: [
      [0.561592650266666, -1.7910684279026383, 3.089162419101261, 0.1310472371207687],
      [0.4965711846826685, -1.209012611272226, 2.019068382175265, 0.1000427623464135],
    ],
    v_prediction: [
      [0.491344830231201, -1.2192549569860107, 2.041487689913569, 0.09996026313487942],
      [0.4963236816032848, -1.2084039078722657, 2.01805042674119, 0.09999264077239141],
    ],
    sample: [
      [0.507014500674312, -1.176643220440738, 1.9516373905989737, 0.09970466431045631],
      [0.44130949769496186, -0.641812202054678, 0.9717220756279308, 0.07062821253561645],
    ],
  };
  for (const prediction of ['epsilon', 'v_prediction', 'sample'] as const) {
    const ddim = createScheduler('ddim', config({ prediction_type: prediction }), 20);
    const [first, last] = expected[prediction];
    assertClose(stepOnce(ddim, 0, M, X), first as number[], 1e-6, `${prediction} step 0`);
    assertClose(stepOnce(ddim, 19, M, X), last as number[], 1e-6, `${prediction} step 19`);
  }
});

test('DDIM clip_sample clamps the predicted x0 to clip_sample_range, not eps', () => {
  // set_alpha_to_one true, clip range 1.5: at step 19 only the third x0 is clipped, at step 5 all.
  const ddim = createScheduler(
    'ddim',
    config({ clip_sample: true, clip_sample_range: 1.5, set_alpha_to_one: true }),
    20,
  );
  assertClose(
    stepOnce(ddim, 19, M, X),
    [0.4880322146257678, -1.2299437801372746, 1.5, 0.10008530764496056],
  );
  assertClose(
    stepOnce(ddim, 5, M, X),
    [0.5352979537049183, 0.14643155113747786, -0.8984635300977966, 0.1191653482336141],
  );
  // prediction 'sample' computes eps from the unclipped x0 (model output 4 * M, range 0.5).
  const sample = createScheduler(
    'ddim',
    config({ clip_sample: true, clip_sample_range: 0.5, prediction_type: 'sample' }),
    20,
  );
  assertClose(
    stepOnce(
      sample,
      3,
      M.map((m) => 4 * m),
      X,
    ),
    [0.38591273737473997, -1.599903075634774, 2.997534402529397, 0.09900001150478481],
  );
});

test('one Euler ancestral step per prediction type, first and last step', () => {
  const expected = {
    // Step 0 starts from X * init_noise_sigma; step 19 goes to sigma 0 (no noise).
    epsilon: [
      [2.3805182816577255, -14.224618502863873, 41.11799556893767, -13.104591368238156],
      [0.4912498525544839, -1.2204170107062042, 2.0437507372275805, 0.1],
    ],
    v_prediction: [
      [0.9163057147627223, -1.8301426268241414, 18.375942884577615, -13.772660601990045],
      [0.49082857215773196, -1.2193883316319587, 2.04203213921134, 0.099915],
    ],
  };
  for (const prediction of ['epsilon', 'v_prediction'] as const) {
    const euler = createScheduler('euler-ancestral', config({ prediction_type: prediction }), 20);
    const [first, last] = expected[prediction];
    const start = X.map((x) => x * euler.initNoiseSigma);
    assertClose(stepOnce(euler, 0, M, start, Z), first as number[], 1e-6, `${prediction} 0`);
    assertClose(stepOnce(euler, 19, M, X, Z), last as number[], 1e-6, `${prediction} 19`);
  }
});

/** A toy UNet: eps = 0.9 tanh(x_in) + 0.001 t, elementwise. */
function toyModel(input: Float32Array, t: number): Float32Array {
  return input.map((x) => 0.9 * Math.tanh(x) + 0.001 * t);
}

const START = [1.3, -0.7, 0.2, -1.9, 0.05, 0.8, -0.35, 2.4];

/** A whole sampling loop as the pipeline runs it, stepping in place. */
function run(scheduler: Scheduler): Float32Array {
  const x = Float32Array.from(START, (v) => v * scheduler.initNoiseSigma);
  scheduler.timesteps.forEach((t, i) => {
    const input = x.map((v) => v * scheduler.inputScale(i));
    // A deterministic stand-in for the N(0, 1) draws: sin(1.7 k + i).
    const noise = Float32Array.from(x, (_, k) => Math.sin(k * 1.7 + i));
    scheduler.step(i, toyModel(input, t), x, x, scheduler.stochastic ? noise : undefined);
  });
  return x;
}

test('20-step runs on a toy model match the numpy re-implementation', () => {
  // The same loop in float64 numpy (x_in = x * scale_i; x = step(eps, t, x)).
  assertClose(
    run(createScheduler('ddim', config(), 20)),
    [
      -0.11473683817721161, -7.728630573202683, -2.4013783236369384, -19.609882078744885,
      -3.013784206151245, -0.8191366639188116, -5.167811733665771, 8.40075899156439,
    ],
    1e-5,
    'ddim',
  );
  assertClose(
    run(createScheduler('euler-ancestral', config(), 20)),
    [
      -1.6593662548902866, -9.04763683576637, -11.471907681315576, -29.046004270067932,
      -3.9494153375432814, -5.25016076223209, -15.825115695108863, -0.37776898884060683,
    ],
    1e-5,
    'euler',
  );
});

test('runs are deterministic, and stepping in place equals stepping into another array', () => {
  for (const kind of ['ddim', 'euler-ancestral'] as const) {
    assert.deepEqual(
      run(createScheduler(kind, config(), 20)),
      run(createScheduler(kind, config(), 20)),
    );
    const scheduler = createScheduler(kind, config({ clip_sample: true }), 20);
    const apart = stepOnce(scheduler, 3, M, X, Z);
    const inPlace = Float32Array.from(X);
    scheduler.step(3, Float32Array.from(M), inPlace, inPlace, Float32Array.from(Z));
    assert.deepEqual(inPlace, apart);
  }
});

test("the editor's noise is the seeded standard normal field", () => {
  const a = gaussianField(100_001, new Rng(7));
  assert.deepEqual(a, gaussianField(100_001, new Rng(7)));
  let sum = 0;
  let squares = 0;
  for (const v of a) {
    sum += v;
    squares += v * v;
  }
  const mean = sum / a.length;
  // For 100,001 N(0, 1) draws the mean has sd 0.003 and the variance sd 0.0045.
  assert.ok(Math.abs(mean) < 0.015, `mean ${String(mean)}`);
  assert.ok(Math.abs(squares / a.length - mean * mean - 1) < 0.025, 'variance');
});

function refused(run: () => unknown, why: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof EditorInputError, String(error));
    assert.match(error.message, why);
    return true;
  });
}

test('refused: bad step counts, Euler with sample prediction, a steps_offset past the end', () => {
  for (const steps of [0, -1, 2.5, 1001, Number.NaN])
    refused(() => createScheduler('ddim', config(), steps), /whole number from 1 to 1000, got/);
  refused(
    () => createScheduler('ddim', config({ num_train_timesteps: 50, steps_offset: 0 }), 51),
    /from 1 to 50 \(the model's num_train_timesteps\), got 51/,
  );
  assert.equal(createScheduler('ddim', config({ steps_offset: 0 }), 1000).timesteps.length, 1000);
  refused(
    () => createScheduler('euler-ancestral', config({ prediction_type: 'sample' }), 20),
    /prediction_type "sample".*Use the DDIM scheduler/,
  );
  // Leading with offset 60: the first timestep 950 + 60 = 1010 is past 999.
  refused(
    () => createScheduler('ddim', config({ steps_offset: 60 }), 20),
    /start at timestep 1010, past the model's last \(999\)/,
  );
});

test('refused: a step index or arrays that do not fit (caller bugs)', () => {
  const ddim = createScheduler('ddim', config(), 20);
  const euler = createScheduler('euler-ancestral', config(), 20);
  const four = new Float32Array(4);
  const fails = (call: () => void, why: RegExp | typeof RangeError): void => {
    assert.throws(call, why);
  };
  for (const i of [-1, 20, 1.5]) {
    fails(() => {
      ddim.step(i, four, four, four);
    }, RangeError);
    fails(() => euler.inputScale(i), RangeError);
  }
  fails(() => {
    ddim.step(0, new Float32Array(3), four, four);
  }, /differ in length/);
  fails(() => {
    ddim.step(0, four, four, new Float32Array(5));
  }, /differ in length/);
  fails(() => {
    euler.step(0, four, four, four);
  }, /needs noise of 4 values, got none/);
  fails(() => {
    euler.step(0, four, four, four, new Float32Array(3));
  }, /got 3/);
});
