// The `propsweep.*` settings, validated when they are read. settings.json is edited by hand: a
// value of the wrong type or outside its range (`"adjustment": "Holm"`, `"steps": "21"`) would
// otherwise reach the panel, which refuses the whole snapshot, or the child, which refuses the run.
// Each bad value is reported (setting, what was given, what is allowed) and its default is used,
// so everything else keeps working. `editorModels` is a list: each bad entry is reported and
// skipped, the others kept. Pure: the configuration comes in as an object with `get`, so tests
// pass a fake one; workspaceSettings.ts reads VS Code's and shows the messages.
import { isAbsolute, join, win32 } from 'node:path';

import { ADJUSTMENTS, type Adjustment } from '../../shared/adjust';
import { CPU_THREADS_ALLOWED, isCpuThreads } from '../../shared/cpuThreads';
import { isPlainObject, shown } from '../../shared/coerce';
import { EXECUTION_PROVIDERS, type ExecutionProvider } from '../../shared/executionProviders';
import { LIMITS } from '../../shared/limits';
import { MEASURE_LIMITS } from '../measures';
import { DEFAULT_CACHE_MAX_MB } from '../store/frameCache';

/** What the settings need of `vscode.WorkspaceConfiguration` (the `propsweep` section). */
export interface ConfigurationLike {
  get(section: string): unknown;
  /** Where a value comes from: the user-only settings read the user's own value alone. */
  inspect(section: string): { readonly globalValue?: unknown } | undefined;
}

/** Editor parameters per editor id, as `propsweep.editorDefaults` holds them. */
export type EditorDefaults = Readonly<Record<string, Readonly<Record<string, EditorParam>>>>;

/** One editor parameter's value. */
export type EditorParam = string | number | boolean;

/** The diffusion editor's sampler (the editor's `scheduler` parameter). */
export type DiffusionScheduler = (typeof DIFFUSION_SCHEDULERS)[number];

/** The samplers of the instruct-pix2pix editor (its `scheduler` choices; a unit test compares). */
export const DIFFUSION_SCHEDULERS = ['ddim', 'euler-ancestral'] as const;

/** An editor model of `propsweep.editorModels`: an ONNX export folder, as written (unresolved). */
export interface EditorModelEntry {
  readonly name: string;
  /** Absolute, or relative to the workspace folder (see instructionEdit.ts). */
  readonly path: string;
}

/** Bounds on `propsweep.editorModels`, a value a cloned repository's settings may hold. */
export const EDITOR_MODEL_LIMITS = { entries: 32, name: 100, path: 4096 } as const;

/**
 * Every `propsweep.*` setting but `classifiers` (see classifierEntries.ts), each of its declared type. The
 * keys are the setting ids without `propsweep.` (`diffusion.*` are the instruction editor's).
 */
export interface Settings {
  readonly steps: number;
  readonly permutations: number;
  readonly alpha: number;
  readonly effectThreshold: number;
  readonly seed: number;
  readonly adjustment: Adjustment;
  readonly editorDefaults: EditorDefaults;
  readonly executionProvider: ExecutionProvider;
  readonly deviceId: number;
  readonly cpuThreads: number;
  readonly cacheDirectory: string;
  readonly cacheMaxMB: number;
  readonly saveFolder: string;
  readonly editorModels: readonly EditorModelEntry[];
  readonly 'diffusion.denoiseSteps': number;
  readonly 'diffusion.imageGuidance': number;
  readonly 'diffusion.guidanceMax': number;
  readonly 'diffusion.scheduler': DiffusionScheduler;
  readonly 'diffusion.maxSize': number;
  readonly 'diffusion.memoryBudgetMB': number;
}

/** The defaults, as package.json declares them (a unit test keeps the two equal). */
export const DEFAULT_SETTINGS: Settings = {
  steps: 21,
  permutations: 10000,
  alpha: 0.01,
  effectThreshold: 0.05,
  seed: 0,
  adjustment: 'holm',
  editorDefaults: {},
  executionProvider: 'cpu',
  deviceId: 0,
  cpuThreads: 0,
  cacheDirectory: '',
  cacheMaxMB: DEFAULT_CACHE_MAX_MB,
  saveFolder: 'explanations',
  editorModels: [],
  'diffusion.denoiseSteps': 20,
  'diffusion.imageGuidance': 1.5,
  'diffusion.guidanceMax': 10,
  'diffusion.scheduler': 'ddim',
  'diffusion.maxSize': 512,
  'diffusion.memoryBudgetMB': 4096,
};

/** A setting whose value could not be used. */
export interface SettingProblem {
  /** The full setting id, e.g. `propsweep.adjustment` (what Open Settings searches for). */
  readonly setting: string;
  /** What settings.json holds, as JSON. */
  readonly given: string;
  /** What the setting accepts, in words. */
  readonly allowed: string;
  /** The value used instead, as JSON. */
  readonly used: string;
  /** The index of a bad entry of a list setting (`editorModels`): that entry alone is skipped. */
  readonly entry?: number;
}

/** The settings with every bad value replaced by its default, and what was replaced. */
export interface ReadSettings {
  readonly settings: Settings;
  readonly problems: readonly SettingProblem[];
}

/**
 * The settings read from the user's own settings only. The cache deletes files, so a workspace (a
 * cloned repository) must not point it at a folder of its choosing; the memory budget describes
 * this machine, and a workspace must not make the editor plan batches larger than it holds, nor
 * give its sessions more threads than it has cores: workspace and folder values are ignored, as
 * their `machine` scope in package.json declares.
 */
const USER_ONLY: ReadonlySet<keyof Settings> = new Set([
  'cacheDirectory',
  'cacheMaxMB',
  'cpuThreads',
  'diffusion.memoryBudgetMB',
]);

/** Settings checked entry by entry (a bad entry is skipped, the others kept). */
type ListSetting = 'editorModels';

/** Checks one value; returns it (typed) or undefined when it is not allowed. */
type Check<T> = (value: unknown) => T | undefined;

interface Rule<T> {
  readonly check: Check<T>;
  readonly allowed: string;
}

const integer =
  (min: number, max: number): Check<number> =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : undefined;

const oneOf =
  <T extends string>(values: readonly T[]): Check<T> =>
  (v) =>
    values.find((x) => x === v);

const list = (values: readonly string[]): string => {
  const quoted = values.map((x) => `"${x}"`);
  return `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1) ?? ''}`;
};

const number =
  (min: number, max: number, exclusiveMin = false): Check<number> =>
  (v) =>
    typeof v === 'number' && (exclusiveMin ? v > min : v >= min) && v <= max ? v : undefined;

/** The rules, one per setting (the keys are the setting ids without `propsweep.`). */
const RULES: { readonly [K in Exclude<keyof Settings, ListSetting>]: Rule<Settings[K]> } = {
  steps: {
    check: integer(LIMITS.minSteps, LIMITS.steps),
    allowed: `a whole number from ${LIMITS.minSteps} to ${LIMITS.steps}`,
  },
  permutations: {
    check: integer(1, MEASURE_LIMITS.permutations),
    allowed: `a whole number from 1 to ${MEASURE_LIMITS.permutations}`,
  },
  alpha: {
    check: (v) => (typeof v === 'number' && v > 0 && v < 1 ? v : undefined),
    allowed: 'a number between 0 and 1 (exclusive)',
  },
  effectThreshold: {
    check: (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined),
    allowed: 'a number of at least 0',
  },
  seed: {
    check: integer(0, 4294967295),
    allowed: 'a whole number from 0 to 4294967295',
  },
  adjustment: { check: oneOf(ADJUSTMENTS), allowed: list(ADJUSTMENTS) },
  editorDefaults: {
    check: editorDefaults,
    allowed:
      'an object of editor ids to objects of parameters with string, number or boolean values, e.g. {"blur": {"sigma": 8}}',
  },
  executionProvider: { check: oneOf(EXECUTION_PROVIDERS), allowed: list(EXECUTION_PROVIDERS) },
  deviceId: { check: integer(0, Number.MAX_SAFE_INTEGER), allowed: 'a whole number of at least 0' },
  cpuThreads: { check: (v) => (isCpuThreads(v) ? v : undefined), allowed: CPU_THREADS_ALLOWED },
  cacheDirectory: {
    // Absolute: a relative folder would depend on the extension host's current folder.
    check: (v) => (typeof v === 'string' && (v === '' || isAbsolute(v)) ? v : undefined),
    allowed: 'an absolute folder path, or "" for the extension storage',
  },
  cacheMaxMB: {
    check: integer(0, Number.MAX_SAFE_INTEGER),
    allowed: 'a whole number of at least 0',
  },
  saveFolder: {
    check: saveFolder,
    allowed: 'a folder path relative to the workspace folder, inside it (no "..")',
  },
  // The bounds of the instruct-pix2pix editor's parameters (a unit test compares them); guidance
  // above 0, since the path sweeps from 0 (the reconstruction) up to it.
  'diffusion.denoiseSteps': {
    check: integer(1, 1000),
    allowed: 'a whole number from 1 to 1000',
  },
  'diffusion.imageGuidance': { check: number(0, 100), allowed: 'a number from 0 to 100' },
  'diffusion.guidanceMax': {
    check: number(0, 100, true),
    allowed: 'a number above 0, at most 100',
  },
  'diffusion.scheduler': {
    check: oneOf(DIFFUSION_SCHEDULERS),
    allowed: list(DIFFUSION_SCHEDULERS),
  },
  'diffusion.maxSize': { check: integer(64, 2048), allowed: 'a whole number from 64 to 2048' },
  'diffusion.memoryBudgetMB': {
    check: integer(1, 1_048_576),
    allowed: 'a whole number from 1 to 1048576 (MiB)',
  },
};

/** What an `editorModels` entry must be, in words. */
const EDITOR_MODEL_ALLOWED = `an object {"name": "...", "path": "..."}: a name of 1 to ${EDITOR_MODEL_LIMITS.name} characters and the path of an ONNX export folder (at most ${EDITOR_MODEL_LIMITS.path} characters), without control characters`;

/** Reads every setting of `config`, replacing each bad value with its default. */
export function readSettings(config: ConfigurationLike): ReadSettings {
  const problems: SettingProblem[] = [];
  const valueOf = (key: keyof Settings): unknown =>
    USER_ONLY.has(key) ? config.inspect(key)?.globalValue : config.get(key);
  const read = <K extends Exclude<keyof Settings, ListSetting>>(key: K): Settings[K] => {
    const value = valueOf(key);
    if (value === undefined) return DEFAULT_SETTINGS[key];
    const rule: Rule<Settings[K]> = RULES[key];
    const checked = rule.check(value);
    if (checked !== undefined) return checked;
    problems.push({
      setting: `propsweep.${key}`,
      given: shown(value),
      allowed: rule.allowed,
      used: shown(DEFAULT_SETTINGS[key]),
    });
    return DEFAULT_SETTINGS[key];
  };
  const settings: Settings = {
    steps: read('steps'),
    permutations: read('permutations'),
    alpha: read('alpha'),
    effectThreshold: read('effectThreshold'),
    seed: read('seed'),
    adjustment: read('adjustment'),
    editorDefaults: read('editorDefaults'),
    executionProvider: read('executionProvider'),
    deviceId: read('deviceId'),
    cpuThreads: read('cpuThreads'),
    cacheDirectory: read('cacheDirectory'),
    cacheMaxMB: read('cacheMaxMB'),
    saveFolder: read('saveFolder'),
    editorModels: editorModels(valueOf('editorModels'), problems),
    'diffusion.denoiseSteps': read('diffusion.denoiseSteps'),
    'diffusion.imageGuidance': read('diffusion.imageGuidance'),
    'diffusion.guidanceMax': read('diffusion.guidanceMax'),
    'diffusion.scheduler': read('diffusion.scheduler'),
    'diffusion.maxSize': read('diffusion.maxSize'),
    'diffusion.memoryBudgetMB': read('diffusion.memoryBudgetMB'),
  };
  return { settings, problems };
}

/** Where the frame cache is and how large it may grow. */
export interface CacheLocation {
  readonly dir: string;
  readonly maxBytes: number;
}

/** The frame cache's folder and size limit, from the (checked) cache settings. */
export function frameCacheLocation(settings: Settings, storagePath: string): CacheLocation {
  return {
    dir: settings.cacheDirectory === '' ? join(storagePath, 'frames') : settings.cacheDirectory,
    maxBytes: settings.cacheMaxMB * 1024 ** 2,
  };
}

/** The one-line message for a bad setting: which, what was given, what is allowed, what is used. */
export function settingMessage(problem: SettingProblem): string {
  if (problem.entry !== undefined)
    return `The setting ${problem.setting} has ${problem.given} at entry ${problem.entry + 1}, but each entry must be ${problem.allowed}. PropSweep skips it until it is changed.`;
  return `The setting ${problem.setting} is ${problem.given}, but it must be ${problem.allowed}. PropSweep uses ${problem.used} until it is changed.`;
}

/**
 * The usable entries of `propsweep.editorModels`; each bad one is added to `problems` and skipped
 * (a workspace may hold anything: the count, the names and the paths are bounded).
 */
function editorModels(value: unknown, problems: SettingProblem[]): EditorModelEntry[] {
  const setting = 'propsweep.editorModels';
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.push({
      setting,
      given: shown(value),
      allowed: `a list of ${EDITOR_MODEL_ALLOWED}`,
      used: '[]',
    });
    return [];
  }
  const entries: EditorModelEntry[] = [];
  value.forEach((entry: unknown, i) => {
    if (i >= EDITOR_MODEL_LIMITS.entries) return;
    const checked = editorModel(entry);
    if (checked !== undefined) entries.push(checked);
    else
      problems.push({
        setting,
        given: shown(entry),
        allowed: EDITOR_MODEL_ALLOWED,
        used: 'the other entries',
        entry: i,
      });
  });
  if (value.length > EDITOR_MODEL_LIMITS.entries)
    problems.push({
      setting,
      given: `${value.length} entries`,
      allowed: `a list of at most ${EDITOR_MODEL_LIMITS.entries} editor models`,
      used: `the first ${EDITOR_MODEL_LIMITS.entries}`,
    });
  return entries;
}

/** Control characters: not in a name shown in a quick pick, nor in a path. */
// eslint-disable-next-line no-control-regex -- control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

function editorModel(entry: unknown): EditorModelEntry | undefined {
  if (!isPlainObject(entry)) return undefined;
  const { name, path } = entry;
  if (typeof name !== 'string' || typeof path !== 'string') return undefined;
  const trimmedName = name.trim();
  const trimmedPath = path.trim();
  if (trimmedName === '' || trimmedName.length > EDITOR_MODEL_LIMITS.name) return undefined;
  if (trimmedPath === '' || trimmedPath.length > EDITOR_MODEL_LIMITS.path) return undefined;
  if (CONTROL.test(trimmedName) || CONTROL.test(trimmedPath)) return undefined;
  return { name: trimmedName, path: trimmedPath };
}

function editorDefaults(value: unknown): EditorDefaults | undefined {
  if (!isPlainObject(value)) return undefined;
  const out: Record<string, Record<string, EditorParam>> = {};
  for (const [editor, params] of Object.entries(value)) {
    if (!isPlainObject(params)) return undefined;
    const copy: Record<string, EditorParam> = {};
    for (const [name, v] of Object.entries(params)) {
      if (
        typeof v !== 'string' &&
        typeof v !== 'boolean' &&
        !(typeof v === 'number' && isFinite(v))
      )
        return undefined;
      copy[name] = v;
    }
    out[editor] = copy;
  }
  return out;
}

function saveFolder(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (isAbsolute(value) || win32.isAbsolute(value)) return undefined;
  return value.split(/[\\/]/).includes('..') ? undefined : value;
}
