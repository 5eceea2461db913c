import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

import { editorHelp } from '../extension/editors/registry';
import { InferenceChild } from '../extension/inference/childClient';
import { DEFAULT_CACHE_MAX_MB, pruneCache } from '../extension/store/frameCache';
import { MEASURE_DEFAULTS, MEASURE_LIMITS } from '../extension/measures';
import type {
  ExplainRun,
  PreprocessOverrides,
  RunProgress,
  RunValue,
} from '../shared/childProtocol';
import { shown } from '../shared/coerce';
import { CPU_THREADS_ALLOWED, CPU_THREADS_ENV, cpuThreadsOf } from '../shared/cpuThreads';
import { EXECUTION_PROVIDERS, isExecutionProvider } from '../shared/executionProviders';
import { numberFlag, parse, UsageError } from './args';
import { ProgressBar, wholeLines, writeLog } from './progress';
import { terminalLines, terminalText } from './terminal';
import { formatNumber, formatSize } from '../shared/format';
import { LIMITS, seedsProblem, stepsProblem } from '../shared/limits';
import { diffusionSummary } from './diffusionSummary';
import { MODEL_HELP, MODEL_OPTIONS, modelSpecsFrom } from './modelFlags';
import { resultName, resultNameProblem } from '../shared/names';

/** Help text of `propsweep explain`. */
export const EXPLAIN_HELP = `Usage: propsweep explain --image IMG --editor ID (--model A.onnx | --model-command CMD | --clip-model DIR ...) [options]

Edits one property of IMG step by step, classifies every step with every model (the same edited
images for all), and measures how each model's prediction depends on the property.

${MODEL_HELP}

Options:
  --editor ID           brightness, contrast, saturation, hue, blur, noise, recolor,
                        masked-brightness, blend, rotation, sequence, instruct-pix2pix
  --param k=v           an editor parameter (repeatable), e.g. --param factor=1.8
  --mask M.png          the edited region for masked editors (white = inside)
  --steps N             images on the path, strength 0 to 1 (default 21, ${LIMITS.minSteps} to ${LIMITS.steps})
  --permutations K      shuffles in the test (default ${MEASURE_DEFAULTS.permutations}, at most ${MEASURE_LIMITS.permutations})
  --seed S              seed of the editor's randomness and of the shuffles (default 0)
  --seeds K             make the path with K seeds (S, S+1, ...; editors with randomness):
                        EPGM mean and spread over seeds, a band around each curve (default 1)
  --alpha A             significance level (default ${MEASURE_DEFAULTS.alpha})
  --legacy              report EPGM by sample index, as the reference code does
  --out DIR             where NAME.propsweep.json, its frames and NAME.report.html go
                        (default propsweep-out/<image>-<editor>)
  --name NAME           result file name stem: letters, digits, '.', '-' and '_', not starting
                        with '.' (default <image>-<editor>, other characters made '_')
  --cache DIR           edited-image cache (default ~/.cache/propsweep/frames; an empty or new
                        folder: one holding other files is refused)
  --cache-max-mb N      size limit of the cache after the run, least recently used images
                        removed first (default ${DEFAULT_CACHE_MAX_MB})
  --provider P          ${EXECUTION_PROVIDERS.join(', ')} (default cpu; falls back to cpu)
  --device-id N         GPU index for cuda
                        (CPU threads: PROPSWEEP_CPU_THREADS=N in the environment, 1 to 256;
                        unset or 0: one per physical core)
  --json                print one JSON object instead of a table
Instruction editing (--editor instruct-pix2pix, an InstructPix2Pix ONNX export; see README):
  --editor-model DIR    the export's folder (optimum-cli export onnx --task image-to-image)
  --instruction TEXT    what to change, e.g. "make the fur white"
  --guidance-min G0     text guidance of the first image (default 0: the reconstruction)
  --guidance-max G1     text guidance of the last image (default 10)
  --image-guidance I    image guidance along the path (default 1.5)
  --denoise-steps S     denoising steps per edit (default 20)
  --scheduler NAME      ddim (default; deterministic) or euler-ancestral
  --max-size PX         longest side of the edited images (default 512; multiples of 8)
  --noise FILE.npy      initial latents, float32 [1, 4, h/8, w/8] (compare with diffusers)
  --edit-memory-mb N    memory the UNet batches are planned with (default 4096)
Preprocessing (override the model's sidecar MODEL.json; apply to every --model):
  --size H | HxW  --mean a,b,c  --std a,b,c  --labels a,b,...  --resize fill|cover|contain
  --softmax | --no-softmax

Limits (checked before any work; exit code 2 beyond them):
  model input at most ${LIMITS.inputSide} pixels a side; one batch at most ${formatSize(LIMITS.batchBytes)} of float32
  (a dynamic batch is split to fit, a larger fixed batch is refused);
  at most ${LIMITS.outputs} scores per image; steps x scores (all models) at most ${LIMITS.predictions};
  the edited path (steps x width x height x 3 bytes) at most ${formatSize(LIMITS.pathBytes)}.

Exit codes: 0 done, 2 bad input or usage, 1 internal error, 130 cancelled.`;

/** The flags of explain; explain-folder takes the same (it refuses --image and --mask with a hint). */
export const EXPLAIN_OPTIONS = {
  image: { type: 'string' },
  ...MODEL_OPTIONS,
  editor: { type: 'string' },
  param: { type: 'string', multiple: true },
  mask: { type: 'string' },
  steps: { type: 'string' },
  permutations: { type: 'string' },
  seed: { type: 'string' },
  alpha: { type: 'string' },
  legacy: { type: 'boolean' },
  out: { type: 'string' },
  name: { type: 'string' },
  cache: { type: 'string' },
  'cache-max-mb': { type: 'string' },
  provider: { type: 'string' },
  'device-id': { type: 'string' },
  json: { type: 'boolean' },
  size: { type: 'string' },
  mean: { type: 'string' },
  std: { type: 'string' },
  labels: { type: 'string' },
  resize: { type: 'string' },
  softmax: { type: 'boolean' },
  'no-softmax': { type: 'boolean' },
  'editor-model': { type: 'string' },
  instruction: { type: 'string' },
  'guidance-min': { type: 'string' },
  'guidance-max': { type: 'string' },
  'image-guidance': { type: 'string' },
  'denoise-steps': { type: 'string' },
  scheduler: { type: 'string' },
  'max-size': { type: 'string' },
  noise: { type: 'string' },
  'edit-memory-mb': { type: 'string' },
  seeds: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The diffusion editor's flags and the parameters they set. */
const DIFFUSION_FLAGS = {
  'editor-model': 'model',
  instruction: 'instruction',
  'guidance-min': 'guidanceMin',
  'guidance-max': 'guidanceMax',
  'image-guidance': 'imageGuidance',
  'denoise-steps': 'denoiseSteps',
  scheduler: 'scheduler',
  'max-size': 'maxSize',
  noise: 'noise',
} as const;

/** The editor the diffusion flags belong to. */
const DIFFUSION_EDITOR = 'instruct-pix2pix';

/** The default cache of edited images, shared by every run on this machine. */
export function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'propsweep', 'frames');
}

/** What parse makes of EXPLAIN_OPTIONS (explain-folder's flags are a superset). */
export type ExplainValues = ReturnType<typeof parse<typeof EXPLAIN_OPTIONS>>['values'];

/** The settings of a run that explain and explain-folder take alike from their flags. */
export type RunSettings = Omit<
  ExplainRun,
  'type' | 'image' | 'mask' | 'name' | 'outDir' | 'track' | 'preview'
>;

/**
 * Turns `propsweep explain` flags into a request for the inference child; `command` names the
 * command in messages (track passes its explain flags through here).
 */
export function explainRequest(
  argv: string[],
  command = 'explain',
): { request: Omit<ExplainRun, 'type'>; json: boolean; cacheMaxMB: number } | 'help' {
  const { values } = parse(argv, EXPLAIN_OPTIONS, command);
  if (values.help === true) return 'help';
  const image = requiredFlag(values.image, '--image IMG', command);
  const editor = requiredFlag(values.editor, '--editor ID', command);
  const name = values.name ?? resultName(image, editor);
  const badName = resultNameProblem(name);
  if (badName !== null)
    throw new UsageError(`--name "${name}" cannot name a result file: ${badName}.`);
  const { settings, json, cacheMaxMB } = runSettings(values, editor);
  const request: Omit<ExplainRun, 'type'> = {
    image: resolve(image),
    ...(values.mask !== undefined && { mask: resolve(values.mask) }),
    ...settings,
    outDir: resolve(values.out ?? join('propsweep-out', name)),
    name,
  };
  return { request, json, cacheMaxMB };
}

/**
 * The editor, path, measure, classifier, provider and cache flags of explain and explain-folder
 * (`editor` already required), checked against the limits before any file is read.
 */
export function runSettings(
  values: ExplainValues,
  editor: string,
): { settings: RunSettings; json: boolean; cacheMaxMB: number } {
  const provider = values.provider ?? 'cpu';
  if (!isExecutionProvider(provider)) {
    throw new UsageError(
      `--provider must be one of ${EXECUTION_PROVIDERS.join(', ')}, got "${provider}".`,
    );
  }
  const steps = numberFlag(values.steps, 'steps', true) ?? 21;
  const badSteps = stepsProblem(steps);
  if (badSteps !== null) throw new UsageError(`--${badSteps}.`);
  const permutations =
    numberFlag(values.permutations, 'permutations', true) ?? MEASURE_DEFAULTS.permutations;
  if (permutations < 1 || permutations > MEASURE_LIMITS.permutations) {
    throw new UsageError(
      `--permutations must be 1 to ${MEASURE_LIMITS.permutations.toLocaleString('en-US')}, got ${permutations}; the paper uses 10000.`,
    );
  }
  const overrides = preprocessOverrides(values);
  const deviceId = numberFlag(values['device-id'], 'device-id', true);
  if (deviceId !== undefined && deviceId < 0) {
    throw new UsageError(
      `--device-id must be a GPU's index, 0 or more (nvidia-smi lists them), got ${deviceId}.`,
    );
  }
  const seeds = numberFlag(values.seeds, 'seeds', true);
  const badSeeds = seeds === undefined ? null : seedsProblem(seeds);
  if (badSeeds !== null) throw new UsageError(`--${badSeeds}.`);
  const editMemoryMB = numberFlag(values['edit-memory-mb'], 'edit-memory-mb', true);
  if (editMemoryMB !== undefined && (editMemoryMB < 1 || editMemoryMB > 1_048_576)) {
    throw new UsageError(
      `--edit-memory-mb must be 1 to 1048576 (MiB the diffusion editor plans its batches with), got ${editMemoryMB}.`,
    );
  }
  const modelSpecs = modelSpecsFrom(values, overrides);
  const settings: RunSettings = {
    editor,
    params: withDiffusionFlags(editor, parseParams(values.param ?? []), values),
    steps,
    seed: numberFlag(values.seed, 'seed', true) ?? MEASURE_DEFAULTS.seed,
    ...(seeds !== undefined && seeds > 1 && { seeds }),
    permutations,
    alpha: numberFlag(values.alpha, 'alpha') ?? MEASURE_DEFAULTS.alpha,
    ...(values.legacy === true && { legacy: true }),
    models: modelSpecs,
    provider,
    ...(deviceId !== undefined && { deviceId }),
    ...(editMemoryMB !== undefined && { editMemoryMB }),
    cacheDir: resolve(values.cache ?? defaultCacheDir()),
  };
  const cacheMaxMB =
    numberFlag(values['cache-max-mb'], 'cache-max-mb', true) ?? DEFAULT_CACHE_MAX_MB;
  if (cacheMaxMB < 0) throw new UsageError(`--cache-max-mb must be at least 0, got ${cacheMaxMB}.`);
  return { settings, json: values.json === true, cacheMaxMB };
}

/** Runs `propsweep explain` in the inference child; returns the text to print. */
export async function explainCommand(argv: string[], childPath: string): Promise<string> {
  const parsed = explainRequest(argv);
  if (parsed === 'help') return `${EXPLAIN_HELP}\n\nEditors and their parameters:\n${editorHelp()}`;
  const { request, json, cacheMaxMB } = parsed;
  const value = await runWithProgress(childPath, new ProgressBar(), (child, options) =>
    child.explain(request, options),
  );
  await pruneCache(request.cacheDir, cacheMaxMB);
  return json ? JSON.stringify(explainJson(value), null, 2) : explainTable(value);
}

/**
 * runInChild with `bar` showing the progress `work` reports (through the options it passes to the
 * child), finished however the run ends.
 */
export function runWithProgress<T>(
  childPath: string,
  bar: ProgressBar,
  work: (
    child: InferenceChild,
    options: { signal: AbortSignal; onProgress: (progress: RunProgress) => void },
  ) => Promise<T>,
): Promise<T> {
  return runInChild(childPath, (child, signal) =>
    work(child, {
      signal,
      onProgress: (p) => {
        bar.update(p);
      },
    }),
  ).finally(() => {
    bar.finish();
  });
}

/**
 * Forks the child, runs `work`, and disposes the child. Ctrl-C asks the child to stop between
 * steps; a second Ctrl-C kills it.
 */
export async function runInChild<T>(
  childPath: string,
  work: (child: InferenceChild, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const threads = process.env[CPU_THREADS_ENV];
  if (cpuThreadsOf(threads) === null) {
    throw new UsageError(
      `${CPU_THREADS_ENV} must be ${CPU_THREADS_ALLOWED}, got ${shown(threads)}; unset it for one thread per physical core.`,
    );
  }
  // Its log quotes names from files (a classifier command's lines under its command line, which
  // names the checkpoint): through terminalLines, as the command's own output; whole lines, so
  // that one goes above the progress bar in one piece.
  const log = wholeLines((lines) => {
    writeLog(terminalLines(lines));
  });
  const child = await InferenceChild.start(childPath, {
    stderr: (text) => {
      log.push(text);
    },
  });
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) {
      child.dispose();
      process.stderr.write(
        '\npropsweep: stopped at once; a result the run was writing may be incomplete.\n',
      );
      process.exit(130);
    }
    process.stderr.write('\nCancelling (Ctrl-C again to stop at once)...\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    return await work(child, controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
    child.dispose();
    log.flush();
  }
}

/** The --json contract of explain: per model, what was measured. */
export function explainJson(
  value: Extract<RunValue, { kind: 'explain' }>,
): Record<string, unknown> {
  const { result } = value;
  return {
    result_file: value.resultPath,
    report: value.reportPath,
    image: result.image,
    editor: result.editor,
    edit_quality: result.quality,
    ...(result.reconstruction === undefined ? {} : { reconstruction: result.reconstruction }),
    strengths: result.frames.map((f) => f.strength),
    models: result.models.map((m) => ({
      model: m.name,
      path: m.path,
      sha256: m.sha256,
      strengths: m.measure.strengths,
      predictions: m.predictions,
      labels: m.labels,
      epgm: m.measure.epgm,
      epgm_per_output: m.measure.epgm_per_output,
      p_value: m.measure.p_value,
      p_value_legacy: m.measure.p_value_legacy,
      flips: m.measure.flips,
      flip_strengths: m.measure.flip_strengths,
      significant: m.measure.significant,
      total_variation: m.measure.total_variation,
      provider: m.provider,
      fallback_reason: m.fallbackReason,
      warnings: [...m.measure.warnings, ...m.notes],
      ...(m.sourcePrediction === undefined ? {} : { source_prediction: m.sourcePrediction }),
      ...(m.seedSpread === undefined ? {} : { seed_spread: m.seedSpread }),
    })),
    timings: result.timings,
  };
}

/**
 * The table of an explanation. A model's name is its file's, its notes may quote its sidecar:
 * shown as terminalText writes them, each on its line.
 */
export function explainTable(value: Extract<RunValue, { kind: 'explain' }>): string {
  const { result } = value;
  const lines = [
    `propsweep explain ${terminalText(result.image.path)} (${result.editor.id}, ${result.frames.length} steps, seed ${result.editor.seed})`,
    '',
    `  ${'model'.padEnd(20)} ${'EPGM'.padStart(10)} ${'p'.padStart(10)} ${'flips'.padStart(6)}  provider`,
  ];
  for (const m of result.models) {
    const p = m.measure;
    lines.push(
      `  ${terminalText(m.name).padEnd(20)} ${formatNumber(p.epgm).padStart(10)} ${formatNumber(p.p_value).padStart(10)} ${String(p.flips ?? '-').padStart(6)}  ${m.provider}`,
    );
  }
  lines.push('');
  const summary = diffusionSummary(result);
  if (summary.length > 0) lines.push(...summary.map((line) => `  ${line}`), '');
  if (!result.quality.clean && result.quality.message !== null)
    lines.push(`  warning: ${terminalText(result.quality.message)}`);
  for (const m of result.models)
    for (const w of [...m.measure.warnings, ...m.notes])
      lines.push(`  ${terminalText(m.name)}: ${terminalText(w)}`);
  lines.push(`  result: ${value.resultPath}`, `  report: ${value.reportPath}`);
  return lines.join('\n');
}

/**
 * The diffusion editor's flags as its parameters; refused with another editor, or when --param
 * sets the same parameter.
 */
function withDiffusionFlags(
  editor: string,
  params: Record<string, string | number | boolean>,
  values: Readonly<Record<string, unknown>>,
): Record<string, string | number | boolean> {
  const out = { ...params };
  for (const [flag, param] of Object.entries(DIFFUSION_FLAGS)) {
    const value = values[flag];
    if (typeof value !== 'string') continue;
    if (editor !== DIFFUSION_EDITOR) {
      throw new UsageError(`--${flag} belongs to --editor ${DIFFUSION_EDITOR}, not ${editor}.`);
    }
    if (param in params) {
      throw new UsageError(`--${flag} and --param ${param}=... both set ${param}; give one.`);
    }
    out[param] = value;
  }
  if (editor === DIFFUSION_EDITOR) {
    // Folders and files given with --param resolve against the working folder too.
    for (const param of ['model', 'noise']) {
      const value = out[param];
      if (typeof value === 'string') out[param] = resolve(value);
    }
  }
  return out;
}

/** The value of a flag that must be given; `flag` as the message shows it ("--image IMG"). */
export function requiredFlag(value: string | undefined, flag: string, command: string): string {
  if (value === undefined || value === '') throw new UsageError(`${command} needs ${flag}.`);
  return value;
}

function parseParams(params: readonly string[]): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param must look like key=value, got "${p}".`);
    const key = p.slice(0, eq);
    const raw = p.slice(eq + 1);
    const n = Number(raw);
    out[key] =
      raw === 'true'
        ? true
        : raw === 'false'
          ? false
          : raw.trim() !== '' && Number.isFinite(n)
            ? n
            : raw;
  }
  return out;
}

function preprocessOverrides(values: {
  size?: string | undefined;
  mean?: string | undefined;
  std?: string | undefined;
  labels?: string | undefined;
  resize?: string | undefined;
  softmax?: boolean | undefined;
  'no-softmax'?: boolean | undefined;
}): PreprocessOverrides | undefined {
  const o: { -readonly [K in keyof PreprocessOverrides]: PreprocessOverrides[K] } = {};
  if (values.size !== undefined) {
    const m = /^(\d+)(?:x(\d+))?$/.exec(values.size);
    if (m === null)
      throw new UsageError(`--size must be H or HxW in pixels, got "${values.size}".`);
    const h = Number(m[1]);
    o.size = [h, m[2] === undefined ? h : Number(m[2])];
  }
  if (values.mean !== undefined) o.mean = triple(values.mean, 'mean');
  if (values.std !== undefined) o.std = triple(values.std, 'std');
  if (values.labels !== undefined) o.labels = values.labels.split(',').map((l) => l.trim());
  if (values.resize !== undefined) {
    if (values.resize !== 'fill' && values.resize !== 'cover' && values.resize !== 'contain') {
      throw new UsageError(`--resize must be fill, cover or contain, got "${values.resize}".`);
    }
    o.resize = values.resize;
  }
  if (values.softmax === true && values['no-softmax'] === true)
    throw new UsageError('give --softmax or --no-softmax, not both.');
  if (values.softmax === true) o.softmax = true;
  if (values['no-softmax'] === true) o.softmax = false;
  return Object.keys(o).length > 0 ? o : undefined;
}

function triple(text: string, flag: string): [number, number, number] {
  const parts = text.split(',').map(Number);
  const [a, b, c] = parts;
  if (
    parts.length !== 3 ||
    a === undefined ||
    b === undefined ||
    c === undefined ||
    !parts.every(Number.isFinite)
  ) {
    throw new UsageError(
      `--${flag} must be three numbers a,b,c (one per RGB channel), got "${text}".`,
    );
  }
  return [a, b, c];
}
