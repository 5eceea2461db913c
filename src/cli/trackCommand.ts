// `propsweep track`: one edited path classified by every checkpoint of a training run, in training
// order, and (--watch) by each new checkpoint as training writes it. The explain flags (image,
// editor, path, measure, output, provider, preprocessing) pass through explainRequest; the
// classifiers are the checkpoints in --checkpoints DIR.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

import {
  CheckpointQueue,
  folderOnDisk,
  watchCheckpoints,
  type ReadyCheckpoint,
} from '../extension/files/checkpointWatch';
import { ChildRunError, type InferenceChild } from '../extension/inference/childClient';
import { pruneCache } from '../extension/store/frameCache';
import { writeResult } from '../extension/store/resultWriter';
import {
  COMMAND_CHECKPOINTS,
  globMatcher,
  globProblem,
  ONNX_CHECKPOINTS,
  orderCheckpoints,
  trackRecordOf,
  type CheckpointFile,
} from '../shared/checkpoints';
import type { ExplainRun, ModelSpec, RunValue } from '../shared/childProtocol';
import { RESULT_LIMITS, type ResultFile } from '../shared/resultFile';
import { numberFlag, UsageError } from './args';
import { explainRequest, runInChild } from './explainCommand';
import { ProgressBar } from './progress';
import { terminalText } from './terminal';
import {
  mergeTrack,
  trackRows,
  trackTableHeader,
  trackTableLine,
  type PlacedResult,
  type TrackRow,
} from './trackResult';

/** Help text of `propsweep track`. */
export const TRACK_HELP = `Usage: propsweep track --checkpoints DIR --image IMG --editor ID [--model-command CMD] [options]

Edits one property of IMG step by step once, classifies the path with every checkpoint in DIR
(ONNX files, or your own classifier command with {checkpoint}), and measures each: EPGM, p and
flips per checkpoint in training order. The result (NAME.propsweep.json, with "track") reopens in
VS Code as the training-dynamics panel.

Checkpoints:
  --checkpoints DIR     the folder training writes its checkpoints into
  --pattern GLOB        which files are checkpoints: * any characters, ? one, [abc] one of,
                        [!abc] none of; several separated by commas; case is ignored
                        (default ${ONNX_CHECKPOINTS}, with --model-command ${COMMAND_CHECKPOINTS})
  --model-command CMD   your classifier command, naming {checkpoint} (README "Classifier
                        commands"); without it the checkpoints are ONNX files with a sidecar
                        (NAME.json beside each, or --size/--mean/--std/--labels)
  --hello-timeout S     seconds the command may take to start (default 120)
  --batch-timeout S     seconds the command may take per batch of images (default 600)
  --watch               after the checkpoints in DIR, keep watching it: each new checkpoint is run
                        on the cached edits once it has stopped growing, its row printed and the
                        result rewritten with every row; Ctrl-C stops (exit code 130)
  --settle S            seconds a new file's size and time must stay the same (default 2)

Order: by the epoch in the names when every name has one (ep10, epoch_010, epoch-3, epoch=3,
e12), else by the step when every name has one (step-5000, step_5000, global_step5000, it5000,
iter-100), else by modification time; ties by name (ckpt-2 before ckpt-10).

Every option of "propsweep explain" for the edit, the measure and the output works the same
(--param, --mask, --steps, --permutations, --seed, --alpha, --out, --name, --cache, --provider,
...): see propsweep explain --help. --name defaults to <image>-<editor>-track.

Output: a table, or with --json {"result_file", "report", "order", "rows": [{"checkpoint",
"name", "epoch", "step", "mtime", "epgm", "p_value", "significant", "flips", "flip_strengths",
"labels", "predictions", "inference_ms", "warnings"}]} in training order. With --watch --json,
one row per line (JSON Lines), the first checkpoints' rows first, then each new one as it comes.

Exit codes: 0 done, 2 bad input or usage, 1 internal error, 130 cancelled or stopped watching.`;

/** The flags of track itself; the rest go to explainRequest. */
const TRACK_FLAGS = { checkpoints: 'value', pattern: 'value', settle: 'value', watch: 'switch' };

/** Classifier flags that name classifiers: in track the checkpoints are the classifiers. */
const REFUSED = ['--model', '--checkpoint', '--clip-model', '--prompts', '--clip-output'];

/** Most checkpoints one explain/run classifies: each is a loaded model (or a process). */
export const TRACK_BATCH = 16;

/** What `propsweep track` was asked to do. */
export interface TrackPlan {
  /** The explanation; its models and track are set per batch of checkpoints. */
  readonly request: Omit<ExplainRun, 'type' | 'models' | 'track'>;
  /** The checkpoint folder, absolute. */
  readonly dir: string;
  readonly pattern: string;
  /** The classifier of a checkpoint file (absolute path). */
  readonly model: (checkpoint: string) => ModelSpec;
  readonly json: boolean;
  readonly watch: boolean;
  readonly settleMs: number;
  readonly cacheMaxMB: number;
}

/** Turns `propsweep track` flags into a plan; refuses what is not a track run. */
export function trackRequest(argv: readonly string[]): TrackPlan | 'help' {
  const { own, rest } = splitTrackFlags(argv);
  if (rest.includes('--help') || rest.includes('-h')) return 'help';
  for (const arg of rest) {
    const flag = arg.split('=')[0] ?? '';
    if (REFUSED.includes(flag)) {
      throw new UsageError(
        `${flag} belongs to explain: track's classifiers are the checkpoints in --checkpoints DIR (ONNX files, or --model-command CMD with {checkpoint}).`,
      );
    }
  }
  const dirFlag = own.checkpoints;
  if (dirFlag === undefined || dirFlag === '')
    throw new UsageError('track needs --checkpoints DIR (the folder of the checkpoints).');
  const commands = rest.filter((a) => a === '--model-command' || a.startsWith('--model-command='));
  if (commands.length > 1) throw new UsageError('track takes one --model-command.');
  const pattern = own.pattern ?? (commands.length === 1 ? COMMAND_CHECKPOINTS : ONNX_CHECKPOINTS);
  const badPattern = globProblem(pattern);
  if (badPattern !== null)
    throw new UsageError(`--pattern "${pattern}" is not a file pattern: ${badPattern}.`);
  const settle = numberFlag(own.settle, 'settle') ?? 2;
  if (!(settle >= 0 && settle <= 3600))
    throw new UsageError(`--settle must be 0 to 3600 seconds, got ${settle}.`);
  if (own.settle !== undefined && own.watch !== true)
    throw new UsageError('--settle belongs to --watch.');
  const dir = resolve(dirFlag);
  // explainRequest checks the classifier flags on a stand-in checkpoint; each real one replaces it.
  const standIn = join(dir, 'checkpoint');
  const named = !rest.some((a) => a === '--name' || a.startsWith('--name='));
  const parsed = explainRequest(
    [...rest, ...(commands.length === 1 ? ['--checkpoint'] : ['--model']), standIn],
    'track',
  );
  if (parsed === 'help') return 'help';
  const { request, json, cacheMaxMB } = parsed;
  const template = request.models[0];
  if (template === undefined) throw new Error('explainRequest gave no model');
  if (template.kind === 'command' && !template.command.some((w) => w.includes('{checkpoint}'))) {
    throw new UsageError(
      `--model-command "${template.command.join(' ')}" must name {checkpoint}: track passes each checkpoint to it.`,
    );
  }
  const name = named ? `${request.name}-track` : request.name;
  const outGiven = rest.some((a) => a === '--out' || a.startsWith('--out='));
  return {
    request: {
      ...withoutModels(request),
      name,
      outDir: outGiven ? request.outDir : resolve('propsweep-out', name),
    },
    dir,
    pattern,
    model: (checkpoint) =>
      template.kind === 'command'
        ? { ...template, checkpoint }
        : template.kind === 'clip'
          ? template
          : { ...template, path: checkpoint },
    json,
    watch: own.watch === true,
    settleMs: settle * 1000,
    cacheMaxMB,
  };
}

function withoutModels(
  request: Omit<ExplainRun, 'type'>,
): Omit<ExplainRun, 'type' | 'models' | 'track'> {
  const copy: Record<string, unknown> = { ...request };
  delete copy.models;
  return copy as unknown as Omit<ExplainRun, 'type' | 'models' | 'track'>;
}

/** Track's own flags out of `argv` (--flag value or --flag=value), and the rest in order. */
export function splitTrackFlags(argv: readonly string[]): {
  own: { checkpoints?: string; pattern?: string; settle?: string; watch?: boolean };
  rest: string[];
} {
  const own: Record<string, string | boolean> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') ? arg.slice(2, eq < 0 ? undefined : eq) : '';
    const kind = Object.hasOwn(TRACK_FLAGS, flag)
      ? TRACK_FLAGS[flag as keyof typeof TRACK_FLAGS]
      : undefined;
    if (kind === undefined) {
      rest.push(arg);
      // A value is never a flag of track's, even when it looks like one (--param k=--watch).
      if (i + 1 < argv.length && arg.startsWith('--') && eq < 0 && takesValue(arg)) {
        rest.push(argv[i + 1] ?? '');
        i++;
      }
      continue;
    }
    if (flag in own) throw new UsageError(`--${flag} is given twice.`);
    if (kind === 'switch') {
      if (eq >= 0) throw new UsageError(`--${flag} takes no value.`);
      own[flag] = true;
    } else if (eq >= 0) {
      own[flag] = arg.slice(eq + 1);
    } else {
      const value = argv[i + 1];
      if (value === undefined) throw new UsageError(`--${flag} needs a value.`);
      own[flag] = value;
      i++;
    }
  }
  return { own, rest };
}

/** Explain's flags that take no value; every other --flag takes one. */
const SWITCHES = new Set(['--json', '--legacy', '--softmax', '--no-softmax', '--help']);

function takesValue(arg: string): boolean {
  return !SWITCHES.has(arg);
}

/** The checkpoints in the folder that match, with their modification times, in training order. */
export async function listCheckpoints(
  dir: string,
  matches: (name: string) => boolean,
): Promise<ReturnType<typeof orderCheckpoints<CheckpointFile>>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new UsageError(
      code === 'ENOENT' || code === 'ENOTDIR'
        ? `--checkpoints ${dir}: no such folder.`
        : `--checkpoints ${dir} cannot be read: ${(error as Error).message}.`,
    );
  }
  const files: CheckpointFile[] = [];
  for (const name of names.filter(matches)) {
    const s = await stat(join(dir, name)).catch(() => null);
    if (s?.isFile() === true) files.push({ file: join(dir, name), mtimeMs: s.mtimeMs });
  }
  return orderCheckpoints(files);
}

/**
 * Runs `propsweep track`; prints rows with `print` (one call per line or block); returns the exit
 * code (130 when watching was stopped with Ctrl-C).
 */
export async function trackCommand(
  argv: string[],
  childPath: string,
  print: (text: string) => void,
): Promise<number> {
  const plan = trackRequest(argv);
  if (plan === 'help') {
    print(TRACK_HELP);
    return 0;
  }
  const matches = globMatcher(plan.pattern);
  const first = await listCheckpoints(plan.dir, matches);
  if (first.files.length === 0 && !plan.watch) {
    throw new UsageError(
      `no file in ${plan.dir} matches --pattern "${plan.pattern}"; give the folder your training writes checkpoints into (or --watch to wait for them).`,
    );
  }
  if (first.files.length > RESULT_LIMITS.models) {
    throw new UsageError(
      `${first.files.length} checkpoints match in ${plan.dir}, more than the ${RESULT_LIMITS.models} a result can hold; narrow them with --pattern (e.g. "*epoch_*0.onnx").`,
    );
  }
  const scratch = await mkdtemp(join(tmpdir(), 'propsweep-track-'));
  const session = new TrackSession(plan, scratch, print);
  try {
    const stopped = await runInChild(childPath, async (child, signal) => {
      await session.run(child, first.files, signal);
      if (!plan.watch) return false;
      if (first.files.length === 0)
        process.stderr.write(
          `Waiting for checkpoints matching "${plan.pattern}" in ${plan.dir}...\n`,
        );
      await session.watch(child, matches, first.files, signal);
      return true;
    });
    session.finish();
    await pruneCache(plan.request.cacheDir, plan.cacheMaxMB);
    if (stopped) {
      process.stderr.write(`propsweep: stopped watching; ${session.summary()}\n`);
      return 130;
    }
    return 0;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The growing result of one track command and the printing of its rows. */
class TrackSession {
  private saved: (PlacedResult & { resultPath: string; reportPath: string }) | undefined;
  private printed = false;

  constructor(
    private readonly plan: TrackPlan,
    private readonly scratch: string,
    private readonly print: (text: string) => void,
  ) {}

  /** Runs checkpoints (in batches of TRACK_BATCH) and merges them into the result. */
  async run(
    child: InferenceChild,
    files: readonly CheckpointFile[],
    signal: AbortSignal,
  ): Promise<void> {
    const before = new Set(this.rows().map((r) => r.checkpoint));
    for (let i = 0; i < files.length; i += TRACK_BATCH) {
      const batch = files.slice(i, i + TRACK_BATCH);
      const into = this.saved === undefined ? this.plan.request.outDir : this.scratch;
      const value = await this.explain(child, batch, into, signal);
      if (this.saved === undefined) {
        this.saved = { ...value, dir: into };
      } else {
        signal.throwIfAborted();
        const merged = mergeTrack(this.saved, { result: value.result, dir: into });
        const written = await rewrite(this.plan, this.saved, merged);
        this.saved = { ...this.saved, result: written };
      }
    }
    this.show(this.rows().filter((r) => !before.has(r.checkpoint)));
  }

  /** Watches for new checkpoints until `signal` aborts; a failed checkpoint is reported and skipped. */
  async watch(
    child: InferenceChild,
    matches: (name: string) => boolean,
    known: readonly CheckpointFile[],
    signal: AbortSignal,
  ): Promise<void> {
    const { dir } = this.plan;
    await new Promise<void>((resolvePromise, reject) => {
      const queue = new CheckpointQueue<ReadyCheckpoint>(
        async (ready, queueSignal) => {
          await this.run(
            child,
            [{ file: join(dir, ready.name), mtimeMs: ready.mtimeMs }],
            AbortSignal.any([signal, queueSignal]),
          );
        },
        'in-order',
        (error, ready) => {
          if (error instanceof ChildRunError && error.kind === 'input') {
            process.stderr.write(
              `propsweep: ${terminalText(ready.name)} skipped: ${terminalText(error.message)}\n`,
            );
          } else {
            stop();
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        },
      );
      const watcher = watchCheckpoints({
        folder: folderOnDisk(dir),
        matches,
        known: known.map((f) => basename(f.file)),
        settleMs: this.plan.settleMs,
        pollMs: Math.min(1000, Math.max(100, this.plan.settleMs / 2)),
        onReady: (ready) => {
          queue.push(ready);
        },
        onError: (error) => {
          process.stderr.write(
            `propsweep: cannot look at ${dir}: ${error instanceof Error ? error.message : String(error)}\n`,
          );
        },
      });
      const stop = (): void => {
        watcher.dispose();
        queue.dispose();
      };
      // Ctrl-C may have come between the first run and this watch: it would never fire again.
      if (signal.aborted) {
        stop();
        resolvePromise();
        return;
      }
      signal.addEventListener(
        'abort',
        () => {
          stop();
          // A run in progress is cancelled by the child; its rows are not added.
          void queue.idle().then(() => {
            resolvePromise();
          });
        },
        { once: true },
      );
    });
  }

  /** Prints what is left to print once the runs are over (the --json object of a plain run). */
  finish(): void {
    if (!this.plan.watch && this.plan.json && this.saved !== undefined) {
      this.print(
        JSON.stringify(
          {
            result_file: this.saved.resultPath,
            report: this.saved.reportPath,
            order: this.saved.result.track?.order ?? null,
            rows: this.rows(),
          },
          null,
          2,
        ),
      );
    } else if (!this.plan.json && this.saved !== undefined && !this.plan.watch) {
      this.print(`\n  result: ${this.saved.resultPath}\n  report: ${this.saved.reportPath}`);
    }
  }

  /** Where the result is and how many checkpoints it has. */
  summary(): string {
    return this.saved === undefined
      ? 'no checkpoint was run.'
      : `the result has ${this.saved.result.models.length} checkpoints: ${this.saved.resultPath}`;
  }

  private rows(): TrackRow[] {
    return this.saved === undefined ? [] : trackRows(this.saved);
  }

  private show(rows: readonly TrackRow[]): void {
    if (this.plan.json) {
      if (this.plan.watch) for (const row of rows) this.print(JSON.stringify(row));
      return;
    }
    if (!this.printed) {
      const { request } = this.plan;
      this.print(
        [
          `propsweep track ${this.plan.dir} (${basename(request.image)}, ${request.editor}, ${request.steps} steps, seed ${request.seed})`,
          '',
          ...trackTableHeader(),
        ].join('\n'),
      );
      this.printed = true;
    }
    for (const row of rows) this.print(trackTableLine(row));
  }

  private async explain(
    child: InferenceChild,
    files: readonly CheckpointFile[],
    outDir: string,
    signal: AbortSignal,
  ): Promise<Extract<RunValue, { kind: 'explain' }>> {
    const ordered = orderCheckpoints(files);
    const bar = new ProgressBar();
    try {
      return await child.explain(
        {
          ...this.plan.request,
          outDir,
          models: ordered.files.map((f) => this.plan.model(f.file)),
          track: trackRecordOf(ordered),
        },
        {
          signal,
          onProgress: (p) => {
            bar.update(p);
          },
        },
      );
    } finally {
      bar.finish();
    }
  }
}

/** Writes the merged result over the saved one, on the same frames (found beside it). */
async function rewrite(
  plan: TrackPlan,
  saved: PlacedResult,
  merged: ResultFile,
): Promise<ResultFile> {
  const framePaths = saved.result.frames.map((f) => resolve(saved.dir, f.file));
  const source =
    saved.result.reconstruction?.file === undefined
      ? undefined
      : resolve(saved.dir, saved.result.reconstruction.file);
  const title = `${basename(saved.result.image.path)}: ${saved.result.editor.title}`;
  const written = await writeResult(
    saved.dir,
    plan.request.name,
    merged,
    framePaths,
    title,
    (message) => process.stderr.write(`${message}\n`),
    source,
  );
  return written.result;
}
