// The propsweep.* settings as read from a hand-edited settings.json: bad values are reported with
// the setting, what was given and what is allowed, and replaced by their defaults.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  DEFAULT_SETTINGS,
  DIFFUSION_SCHEDULERS,
  EDITOR_MODEL_LIMITS,
  frameCacheLocation,
  readSettings,
  settingMessage,
  type Settings,
} from '../../../src/extension/commands/settings';
import { instructPix2PixEditor } from '../../../src/extension/editors/diffusion/instructPix2Pix';

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
  readonly type?: string;
  readonly default?: unknown;
  readonly enum?: readonly string[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly maxItems?: number;
  readonly scope?: string;
  readonly items?: { readonly properties?: Record<string, { readonly maxLength?: number }> };
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
    cpuThreads: 6,
    cacheDirectory: '/tmp/cache',
    cacheMaxMB: 0,
    saveFolder: 'results/propsweep',
    editorModels: [
      { name: 'ip2p', path: 'models/ip2p' },
      { name: 'fp16 export', path: '/abs/ip2p-fp16' },
    ],
    'diffusion.denoiseSteps': 4,
    'diffusion.imageGuidance': 0,
    'diffusion.guidanceMax': 7.5,
    'diffusion.scheduler': 'euler-ancestral',
    'diffusion.maxSize': 64,
    'diffusion.memoryBudgetMB': 24_000,
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
    cpuThreads: [-1, 257, 2.5, '4', null],
    cacheDirectory: [3, null, false, 'cache', './frames'],
    cacheMaxMB: [-1, 1.5, '1024'],
    saveFolder: ['../outside', 'a/../../b', '/abs/path', 'C:\\abs', 'a\\..\\..\\b', 3],
    editorModels: ['models/ip2p', { a: 1 }, 7, [[{ name: 'x', path: 'y' }]], [null]],
    'diffusion.denoiseSteps': [0, 1001, 2.5, '20'],
    'diffusion.imageGuidance': [-0.5, 101, '1.5', Number.NaN],
    'diffusion.guidanceMax': [0, -1, 100.5, '10', Number.POSITIVE_INFINITY],
    'diffusion.scheduler': ['DDIM', 'euler', 'pndm', 0],
    'diffusion.maxSize': [63, 2049, 512.5, '512'],
    'diffusion.memoryBudgetMB': [0, 1_048_577, 1.5, '4096'],
  };
  for (const [key, values] of Object.entries(bad) as [keyof Settings, unknown[]][]) {
    for (const value of values) {
      const { settings, problems } = readSettings(config({ [key]: value }));
      assert.deepEqual(settings[key], DEFAULT_SETTINGS[key], `${key} = ${String(value)}`);
      assert.equal(problems.length, 1, `${key} = ${JSON.stringify(value)}`);
      const [problem] = problems;
      assert.ok(problem !== undefined);
      assert.equal(problem.setting, `propsweep.${key}`);
      // A bad entry of a list is skipped alone; any other bad value is replaced by its default.
      if (problem.entry === undefined)
        assert.equal(problem.used, JSON.stringify(DEFAULT_SETTINGS[key]));
      else assert.equal(problem.used, 'the other entries');
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
    if (spec.exclusiveMinimum !== undefined) {
      assert.equal(readSettings(config({ [name]: spec.exclusiveMinimum })).problems.length, 1, key);
      const above = spec.exclusiveMinimum + 1e-6;
      assert.equal(readSettings(config({ [name]: above })).problems.length, 0, key);
    }
    if (spec.exclusiveMaximum !== undefined) {
      assert.equal(readSettings(config({ [name]: spec.exclusiveMaximum })).problems.length, 1, key);
      const below = spec.exclusiveMaximum - 1e-6;
      assert.equal(readSettings(config({ [name]: below })).problems.length, 0, key);
    }
    for (const value of spec.enum ?? [])
      assert.equal(readSettings(config({ [name]: value })).problems.length, 0, `${key} ${value}`);
  }
});

test('a long bad value is shortened in the message', () => {
  const { problems } = readSettings(config({ adjustment: 'x'.repeat(500) }));
  assert.ok((problems[0]?.given.length ?? 0) <= 80);
});

test('the cache and thread settings are read from the user settings only, and say where the cache is', () => {
  const workspace = readSettings(
    config({}, { cacheDirectory: '/their/folder', cacheMaxMB: 1, cpuThreads: 256 }),
  );
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

test('the diffusion settings have the bounds, default and choices of the editor parameters they set', () => {
  const specs = new Map(instructPix2PixEditor.params.map((p) => [p.name, p]));
  for (const name of ['denoiseSteps', 'imageGuidance', 'guidanceMax', 'scheduler', 'maxSize']) {
    const key = `diffusion.${name}` as keyof Settings;
    const spec = specs.get(name);
    const setting = declared[`propsweep.${key}`];
    assert.ok(spec !== undefined && setting !== undefined, name);
    assert.equal(DEFAULT_SETTINGS[key], spec.default, `${name}: default`);
    assert.equal(setting.type, spec.type === 'choice' ? 'string' : spec.type, `${name}: type`);
    assert.deepEqual(setting.enum, spec.choices, `${name}: choices`);
    // The setting's range is the parameter's, but for guidanceMax: above guidanceMin (0), which
    // the editor checks as a pair.
    const min = name === 'guidanceMax' ? undefined : spec.min;
    assert.equal(setting.minimum, min, `${name}: minimum`);
    assert.equal(setting.exclusiveMinimum, name === 'guidanceMax' ? spec.min : undefined);
    assert.equal(setting.maximum, spec.max, `${name}: maximum`);
  }
  assert.deepEqual(specs.get('scheduler')?.choices, DIFFUSION_SCHEDULERS);
});

test('editorModels: bad entries are reported one by one and skipped, the good ones kept', () => {
  const good = { name: 'ip2p', path: 'models/ip2p' };
  const hostile: unknown[] = [
    good,
    'models/ip2p', // not an object
    null,
    [good],
    { name: 'no path' },
    { path: 'no/name' },
    { name: '', path: 'x' },
    { name: '   ', path: 'x' },
    { name: 'x', path: '' },
    { name: 7, path: 'x' },
    { name: 'x', path: { toString: 'y' } },
    { name: 'n'.repeat(EDITOR_MODEL_LIMITS.name + 1), path: 'x' },
    { name: 'x', path: 'p'.repeat(EDITOR_MODEL_LIMITS.path + 1) },
    { name: 'bell\u0007', path: 'x' },
    { name: 'x', path: 'a\u0000b' },
    { name: '  spaced  ', path: ' /abs/ip2p ', extra: true },
  ];
  const { settings, problems } = readSettings(config({ editorModels: hostile }));
  assert.deepEqual(settings.editorModels, [good, { name: 'spaced', path: '/abs/ip2p' }]);
  assert.deepEqual(
    problems.map((p) => p.entry),
    hostile.map((_, i) => i).slice(1, -1),
  );
  const [first] = problems;
  assert.ok(first !== undefined);
  assert.equal(first.setting, 'propsweep.editorModels');
  assert.match(
    settingMessage(first),
    /^The setting propsweep\.editorModels has "models\/ip2p" at entry 2, but each entry must be an object \{"name": "\.\.\.", "path": "\.\.\."\}.*PropSweep skips it until it is changed\.$/,
  );
  assert.ok(
    problems.every((p) => p.given.length <= 60),
    'long values are shortened',
  );
});

test('editorModels: at most 32 are read, and the rest is reported once', () => {
  const many = Array.from({ length: 1000 }, (_, i) => ({ name: `m${i}`, path: `/m/${i}` }));
  const { settings, problems } = readSettings(config({ editorModels: many }));
  assert.equal(settings.editorModels.length, EDITOR_MODEL_LIMITS.entries);
  assert.equal(settings.editorModels.at(-1)?.name, `m${EDITOR_MODEL_LIMITS.entries - 1}`);
  assert.equal(problems.length, 1);
  assert.match(settingMessage(problems[0] ?? assert.fail()), /1000 entries.*at most 32/);
  const spec = declared['propsweep.editorModels'];
  assert.ok(spec?.items?.properties !== undefined);
  assert.equal(spec.maxItems, EDITOR_MODEL_LIMITS.entries);
  const { name, path } = spec.items.properties;
  assert.equal(name?.maxLength, EDITOR_MODEL_LIMITS.name);
  assert.equal(path?.maxLength, EDITOR_MODEL_LIMITS.path);
});

test('the memory budget is read from the user settings only, like the cache', () => {
  assert.equal(declared['propsweep.diffusion.memoryBudgetMB']?.scope, 'machine');
  const workspace = readSettings(config({}, { 'diffusion.memoryBudgetMB': 1_000_000 }));
  assert.equal(workspace.settings['diffusion.memoryBudgetMB'], 4096);
  const user = readSettings(config({ 'diffusion.memoryBudgetMB': 16_000 }));
  assert.equal(user.settings['diffusion.memoryBudgetMB'], 16_000);
});
