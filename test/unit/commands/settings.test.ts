// The propsweep.* settings as read from a hand-edited settings.json: bad values are reported with
// the setting, what was given and what is allowed, and replaced by their defaults.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  DEFAULT_SETTINGS,
  frameCacheLocation,
  readSettings,
  settingMessage,
  type Settings,
} from '../../../src/extension/commands/settings';

/** A configuration as VS Code merges it: the user's values over package.json's defaults. */
function config(values: Record<string, unknown>, workspace: Record<string, unknown> = {}) {
  const merged = { ...values, ...workspace };
  return {
    get: (section: string): unknown =>
      section in merged ? merged[section] : manifestDefault(section),
    inspect: (section: string) => ({
      defaultValue: manifestDefault(section),
      ...(section in values && { globalValue: values[section] }),
    }),
  };
}

interface Declared {
  readonly default?: unknown;
  readonly enum?: readonly string[];
  readonly minimum?: number;
  readonly maximum?: number;
}

const declared = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, Declared> } };
  }
).contributes.configuration.properties;

function manifestDefault(section: string): unknown {
  return declared[`propsweep.${section}`]?.default;
}

test('the defaults are package.json defaults, and those read back without a problem', () => {
  for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[])
    assert.deepEqual(DEFAULT_SETTINGS[key], manifestDefault(key), key);
  assert.deepEqual(readSettings(config({})), { settings: DEFAULT_SETTINGS, problems: [] });
});

test('valid values come through unchanged', () => {
  const values = {
    steps: 51,
    permutations: 1000,
    alpha: 0.05,
    effectThreshold: 0,
    seed: 7,
    adjustment: 'bh',
    editorDefaults: { blur: { sigma: 8 }, recolor: { target: '#ffffff', keep: true } },
    executionProvider: 'cuda',
    deviceId: 1,
    cacheDirectory: '/tmp/cache',
    cacheMaxMB: 0,
    saveFolder: 'results/propsweep',
  };
  assert.deepEqual(readSettings(config(values)), { settings: values, problems: [] });
});

test('a bad value is reported with the setting, what was given and what is allowed, and its default is used', () => {
  const { settings, problems } = readSettings(config({ adjustment: 'Holm', steps: '21' }));
  assert.equal(settings.adjustment, 'holm');
  assert.equal(settings.steps, 21);
  assert.deepEqual(
    problems.map((p) => p.setting),
    ['propsweep.steps', 'propsweep.adjustment'],
  );
  const adjustment = problems.find((p) => p.setting === 'propsweep.adjustment');
  assert.ok(adjustment !== undefined);
  assert.equal(
    settingMessage(adjustment),
    'The setting propsweep.adjustment is "Holm", but it must be "none", "holm" or "bh". PropSweep uses "holm" until it is changed.',
  );
});

test('every setting refuses values of the wrong type or range', () => {
  const bad: Record<keyof Settings, readonly unknown[]> = {
    steps: [2, 1002, 20.5, '21', null],
    permutations: [0, 1_000_001, 1.5, '1000'],
    alpha: [0, 1, -0.1, '0.01', Number.NaN],
    effectThreshold: [-0.01, '0.05', Number.POSITIVE_INFINITY],
    seed: [-1, 4294967296, 0.5, '0'],
    adjustment: ['Holm', 'bonferroni', 1, null],
    editorDefaults: [[], 'blur', { blur: 8 }, { blur: { sigma: { deep: 1 } } }, { blur: [] }],
    executionProvider: ['CUDA', 'tensorrt', 0],
    deviceId: [-1, 0.5, '0'],
    cacheDirectory: [3, null, false, 'cache', './frames'],
    cacheMaxMB: [-1, 1.5, '1024'],
    saveFolder: ['../outside', 'a/../../b', '/abs/path', 'C:\\abs', 'a\\..\\..\\b', 3],
  };
  for (const [key, values] of Object.entries(bad) as [keyof Settings, unknown[]][]) {
    for (const value of values) {
      const { settings, problems } = readSettings(config({ [key]: value }));
      assert.deepEqual(settings[key], DEFAULT_SETTINGS[key], `${key} = ${String(value)}`);
      assert.equal(problems.length, 1, `${key} = ${JSON.stringify(value)}`);
      const [problem] = problems;
      assert.ok(problem !== undefined);
      assert.equal(problem.setting, `propsweep.${key}`);
      assert.equal(problem.used, JSON.stringify(DEFAULT_SETTINGS[key]));
    }
  }
});

test('the bounds and choices are package.json bounds and enums', () => {
  for (const [key, spec] of Object.entries(declared)) {
    const name = key.replace(/^propsweep\./, '');
    if (!(name in DEFAULT_SETTINGS)) continue; // classifiers: parsed by choices.ts
    if (spec.minimum !== undefined) {
      assert.equal(readSettings(config({ [name]: spec.minimum })).problems.length, 0, key);
      assert.equal(readSettings(config({ [name]: spec.minimum - 1 })).problems.length, 1, key);
    }
    if (spec.maximum !== undefined) {
      assert.equal(readSettings(config({ [name]: spec.maximum })).problems.length, 0, key);
      assert.equal(readSettings(config({ [name]: spec.maximum + 1 })).problems.length, 1, key);
    }
    for (const value of spec.enum ?? [])
      assert.equal(readSettings(config({ [name]: value })).problems.length, 0, `${key} ${value}`);
  }
});

test('a long bad value is shortened in the message', () => {
  const { problems } = readSettings(config({ adjustment: 'x'.repeat(500) }));
  assert.ok((problems[0]?.given.length ?? 0) <= 80);
});

test('the cache settings are read from the user settings only, and say where the cache is', () => {
  const workspace = readSettings(config({}, { cacheDirectory: '/their/folder', cacheMaxMB: 1 }));
  assert.deepEqual(workspace, { settings: DEFAULT_SETTINGS, problems: [] });
  assert.deepEqual(frameCacheLocation(DEFAULT_SETTINGS, '/storage'), {
    dir: join('/storage', 'frames'),
    maxBytes: 1024 * 1024 ** 2,
  });
  const user = readSettings(config({ cacheDirectory: '/big/cache', cacheMaxMB: 10 })).settings;
  assert.deepEqual(frameCacheLocation(user, '/storage'), {
    dir: '/big/cache',
    maxBytes: 10 * 1024 ** 2,
  });
});

test('a relative cache folder is reported, not silently replaced', () => {
  const { problems } = readSettings(config({ cacheDirectory: 'cache' }));
  assert.equal(problems[0]?.setting, 'propsweep.cacheDirectory');
});
