// scheduler_config.json comes from a downloaded model folder: diffusers' defaults fill absent keys,
// every used field is checked, and each refusal names the file and the field in one line.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  parseSchedulerConfig,
  readSchedulerConfig,
} from '../../../../src/extension/editors/diffusion/schedulerConfig';
import { EditorInputError } from '../../../../src/extension/editors/types';
import { PIX2PIX_SCHEDULER } from '../../../../scripts/diffusion/fixtures';

/** timbrooks/instruct-pix2pix's scheduler/scheduler_config.json (as a newer diffusers writes it). */
const PIX2PIX = { ...PIX2PIX_SCHEDULER, _diffusers_version: '0.15.0.dev0' };

const dir = mkdtempSync(join(tmpdir(), 'propsweep-scheduler-'));

function isInputError(why: RegExp): (error: unknown) => true {
  return (error: unknown) => {
    assert.ok(error instanceof EditorInputError, String(error));
    assert.match(error.message, why);
    assert.ok(!error.message.includes('\n'), 'one line');
    return true;
  };
}

function refused(overrides: Record<string, unknown>, why: RegExp): void {
  assert.throws(
    () =>
      parseSchedulerConfig({ ...PIX2PIX, ...overrides }, 'model/scheduler/scheduler_config.json'),
    isInputError(new RegExp(`^model/scheduler/scheduler_config\\.json.*${why.source}`)),
  );
}

test("the instruct-pix2pix config, other classes' keys ignored", () => {
  assert.deepEqual(parseSchedulerConfig(PIX2PIX, 'c.json'), {
    numTrainTimesteps: 1000,
    betaStart: 0.00085,
    betaEnd: 0.012,
    betaSchedule: 'scaled_linear',
    trainedBetas: null,
    // Absent: each scheduler applies its own class's default.
    timestepSpacing: null,
    stepsOffset: 1,
    predictionType: 'epsilon',
    setAlphaToOne: false,
    clipSample: false,
    clipSampleRange: 1,
  });
});

test("absent keys take diffusers' DDIMScheduler defaults", () => {
  assert.deepEqual(parseSchedulerConfig({}, 'c.json'), {
    numTrainTimesteps: 1000,
    betaStart: 0.0001,
    betaEnd: 0.02,
    betaSchedule: 'linear',
    trainedBetas: null,
    timestepSpacing: null,
    stepsOffset: 0,
    predictionType: 'epsilon',
    setAlphaToOne: true,
    clipSample: true,
    clipSampleRange: 1,
  });
  const given = parseSchedulerConfig(
    {
      timestep_spacing: 'trailing',
      prediction_type: 'v_prediction',
      clip_sample_range: 2.5,
      thresholding: false,
      rescale_betas_zero_snr: false,
      num_train_timesteps: 3,
      trained_betas: [0.1, 0.2, 0.3],
    },
    'c.json',
  );
  assert.equal(given.timestepSpacing, 'trailing');
  assert.equal(given.predictionType, 'v_prediction');
  assert.equal(given.clipSampleRange, 2.5);
  assert.deepEqual(given.trainedBetas, [0.1, 0.2, 0.3]);
});

test('refused: anything but a JSON object', () => {
  for (const json of [null, [], 'config', 3])
    assert.throws(
      () => parseSchedulerConfig(json, 's.json'),
      isInputError(/^s\.json is not a scheduler config: it holds .*, not a JSON object/),
    );
});

test('refused: a value nested too deep to quote, in one short line', () => {
  // JSON.parse takes any depth; quoting the value with JSON.stringify overflowed the stack.
  const deep: unknown = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
  refused({ beta_start: deep }, /"beta_start" must be a number between 0 and 1, got /);
  refused(
    { trained_betas: [deep, ...Array<number>(999).fill(0.01)] },
    /"trained_betas" must be null or a list of 1000 numbers .*, got .{1,80} at index 0/,
  );
  assert.throws(
    () => parseSchedulerConfig(deep, 's.json'),
    isInputError(/^s\.json is not a scheduler config: it holds .{1,80}, not a JSON object/),
  );
});

test('refused: numbers out of their bounds', () => {
  for (const n of [1, 2.5, 100_001, '1000', true])
    refused(
      { num_train_timesteps: n },
      /"num_train_timesteps" must be a whole number from 2 to 100000, got/,
    );
  for (const b of [0, -0.1, 1, Number.NaN, Number.POSITIVE_INFINITY, '0.001'])
    refused({ beta_start: b }, /"beta_start" must be a number between 0 and 1, got/);
  refused(
    { beta_end: 0.0008 },
    /"beta_end" must be a number between beta_start \(0\.00085\) and 1, got 0\.0008/,
  );
  refused({ beta_end: 1 }, /"beta_end" must be a number between beta_start/);
  refused({ steps_offset: -1 }, /"steps_offset" must be a whole number from 0 to 999, got -1/);
  refused({ steps_offset: 1000 }, /"steps_offset" must be a whole number from 0 to 999/);
  refused({ clip_sample_range: 0 }, /"clip_sample_range" must be a number above 0/);
  refused(
    { clip_sample_range: 1e5 },
    /"clip_sample_range" must be a number above 0 and at most 10000/,
  );
});

test('refused: unknown choices, listing the allowed values', () => {
  refused(
    { beta_schedule: 'cosine' },
    /"beta_schedule" must be one of "linear", "scaled_linear", "squaredcos_cap_v2", got "cosine"/,
  );
  refused(
    { timestep_spacing: 'uniform' },
    /"timestep_spacing" must be one of "leading", "trailing", "linspace", got "uniform"/,
  );
  refused(
    { prediction_type: 'flow' },
    /"prediction_type" must be one of "epsilon", "v_prediction", "sample", got "flow"/,
  );
  refused({ set_alpha_to_one: 'false' }, /"set_alpha_to_one" must be true or false, got "false"/);
  refused({ clip_sample: 0 }, /"clip_sample" must be true or false, got 0/);
});

test('refused: trained_betas of the wrong length or outside (0, 1)', () => {
  const what =
    /"trained_betas" must be null or a list of 1000 numbers \(num_train_timesteps\) each between 0 and 1, got/;
  refused({ trained_betas: [0.1, 0.2] }, new RegExp(`${what.source} a list of 2`));
  refused({ trained_betas: 'linear' }, new RegExp(`${what.source} "linear"`));
  const betas = new Array<unknown>(1000).fill(0.01);
  for (const bad of [0, 1, -0.5, '0.01', null]) {
    betas[7] = bad;
    refused({ trained_betas: betas }, new RegExp(`${what.source} .* at index 7`));
  }
});

test('refused: thresholding and zero-terminal-SNR rescaling, which are not implemented', () => {
  refused(
    { thresholding: true },
    /"thresholding" is true, but dynamic thresholding .* Set it to false/,
  );
  refused(
    { rescale_betas_zero_snr: true },
    /"rescale_betas_zero_snr" is true, but .* Set it to false/,
  );
});

test('refused: a schedule whose alphas_cumprod vanishes', () => {
  // 100,000 linear betas from 0.0001 to 0.02: alphas_cumprod about exp(-1000), a subnormal 1e-322.
  refused(
    { num_train_timesteps: 100_000, beta_schedule: 'linear', beta_start: 0.0001, beta_end: 0.02 },
    /the betas leave alphas_cumprod at 1\.19e-322 at the last of 100000 timesteps, below 1e-20/,
  );
});

test('readSchedulerConfig reads the file with the bounded reader', async () => {
  const good = join(dir, 'scheduler_config.json');
  writeFileSync(good, `\uFEFF${JSON.stringify(PIX2PIX)}`);
  assert.equal((await readSchedulerConfig(good)).betaSchedule, 'scaled_linear');

  const missing = join(dir, 'absent.json');
  await assert.rejects(
    readSchedulerConfig(missing),
    isInputError(
      /absent\.json does not exist\. A diffusion model folder needs scheduler\/scheduler_config\.json/,
    ),
  );
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{"beta_start": 0.1,');
  await assert.rejects(readSchedulerConfig(broken), isInputError(/broken\.json is not valid JSON/));
  const wrong = join(dir, 'wrong.json');
  writeFileSync(wrong, '{"beta_schedule": "cosine"}');
  await assert.rejects(readSchedulerConfig(wrong), isInputError(/wrong\.json: "beta_schedule"/));
  // Sparse: 2 MiB on paper, nothing on disk.
  const big = join(dir, 'big.json');
  writeFileSync(big, '');
  truncateSync(big, 2 * 1024 * 1024);
  await assert.rejects(
    readSchedulerConfig(big),
    isInputError(/big\.json cannot be read: it has 2 MiB, more than the limit of 1 MiB/),
  );
  const fifo = join(dir, 'fifo.json');
  execFileSync('mkfifo', [fifo]);
  await assert.rejects(
    readSchedulerConfig(fifo),
    isInputError(/fifo\.json cannot be read: it is not a regular file/),
  );
});
