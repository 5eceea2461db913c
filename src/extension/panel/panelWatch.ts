// Watch Checkpoints in the panel: a folder is watched (files/checkpointWatch.ts: polled, a new file
// reported once it stopped growing), and each new checkpoint re-runs the panel's explanation with
// that checkpoint as the classifier. Editor, parameters, image and seed are the explanation's, so
// every frame comes from the frame cache and a point costs the classifier's own time. A newer
// checkpoint supersedes a run still going for an older one (CheckpointQueue 'latest'). Each result
// is merged into the track so far (checkpointTrack.ts), written over the new run's result file and
// shown. Disposing stops the watcher and aborts the run in progress. The child, the folder, the
// timers and the file writes come in as `WatchDeps`, so tests drive a whole watch with fakes.
import { basename, dirname, join } from 'node:path';

import type { ExplainRun, RunProgress } from '../../shared/childProtocol';
import { globMatcher, orderCheckpoints, trackRecordOf } from '../../shared/checkpoints';
import { stableStringify, type ResultFile } from '../../shared/resultFile';
import {
  watchCheckpoints,
  CheckpointQueue,
  type CheckpointWatch,
  type ReadyCheckpoint,
  type WatchFolder,
  type WatchTimers,
} from '../files/checkpointWatch';
import { checkpointSpec, mergeTrack, type TrackPart, type WatchTemplate } from './checkpointTrack';
import type { RunRequest } from './panelRun';

/** What a watch needs from outside: the child, the folder, the clock, the disk. */
export interface WatchDeps {
  /** Runs an explanation in the inference child (ChildClient.explain). */
  explain(
    request: Omit<ExplainRun, 'type'>,
    options: { signal: AbortSignal; onProgress: (p: RunProgress) => void },
  ): Promise<{ readonly resultPath: string; readonly result: ResultFile }>;
  readonly folder: WatchFolder;
  readonly timers?: WatchTimers;
  /** Writes a result file whole (atomically). */
  writeFile(path: string, text: string): Promise<void>;
  /** A new run folder's name (store/runFolders.ts newRunName). */
  runName(): string;
}

/** What the watch reports to its panel. */
export interface WatchEvents {
  /** What it is doing, for the panel's watch line. */
  onStatus(message: string, running: boolean): void;
  /** A new track result was written: show it. */
  onTrack(resultPath: string): Promise<void>;
  /** A checkpoint's run failed (not superseded): log it; the watch goes on. */
  onError(error: unknown, checkpoint: string): void;
  /** After every run (the panel prunes old run folders). */
  afterRun(): void;
}

/** A watch's settings. */
export interface WatchSettings {
  /** The folder watched (absolute). */
  readonly dir: string;
  /** The panel's explanation; each checkpoint's run is this with one classifier. */
  readonly base: RunRequest;
  readonly template: WatchTemplate;
  /** The track so far (the panel's result as its first point), or null. */
  readonly initial: TrackPart | null;
  /** Checkpoint names in the folder not to run (those there before the watch). */
  readonly known: readonly string[];
  /** Where the runs' folders go. */
  readonly runsDir: string;
  readonly settleMs?: number;
  readonly pollMs?: number;
}

/** A running watch of a checkpoint folder. */
export class PanelWatch {
  private readonly watch: CheckpointWatch;
  private readonly queue: CheckpointQueue<ReadyCheckpoint>;
  private track: TrackPart | null;
  private points: number;
  private disposed = false;

  constructor(
    private readonly settings: WatchSettings,
    private readonly deps: WatchDeps,
    private readonly events: WatchEvents,
  ) {
    this.track = settings.initial;
    this.points = settings.initial?.result.models.length ?? 0;
    this.queue = new CheckpointQueue<ReadyCheckpoint>(
      (item, signal) => this.runCheckpoint(item, signal),
      'latest',
      (error, item) => {
        if (this.disposed) return;
        events.onError(error, item.name);
        events.onStatus(
          `${item.name} failed (details in the PropSweep log); ${this.waiting()}`,
          false,
        );
      },
    );
    this.watch = watchCheckpoints({
      folder: deps.folder,
      matches: globMatcher(settings.template.pattern),
      known: settings.known,
      ...(settings.settleMs !== undefined && { settleMs: settings.settleMs }),
      ...(settings.pollMs !== undefined && { pollMs: settings.pollMs }),
      ...(deps.timers !== undefined && { timers: deps.timers }),
      onReady: (ready) => {
        this.queue.push(ready);
      },
      onError: (error) => {
        if (!this.disposed)
          events.onStatus(
            `cannot read the folder (${error instanceof Error ? error.message : String(error)}); trying again`,
            false,
          );
      },
    });
    events.onStatus(this.waiting(), false);
  }

  /** Looks at the folder now (tests; fs.watch does it in use). */
  scan(): Promise<void> {
    return this.watch.scan();
  }

  /** Resolves once no checkpoint runs or waits. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Stops watching and aborts the run in progress. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.watch.dispose();
    this.queue.dispose();
  }

  private waiting(): string {
    const count = `${this.points} ${this.points === 1 ? 'checkpoint' : 'checkpoints'}`;
    return `${count}; waiting for a new one (${this.settings.template.pattern})`;
  }

  private async runCheckpoint(item: ReadyCheckpoint, signal: AbortSignal): Promise<void> {
    const { dir, base, template, runsDir } = this.settings;
    const file = join(dir, item.name);
    this.events.onStatus(`classifying ${item.name}…`, true);
    const outDir = join(runsDir, this.deps.runName());
    const request: Omit<ExplainRun, 'type'> = {
      ...base,
      models: [checkpointSpec(template, file)],
      track: trackRecordOf(orderCheckpoints([{ file, mtimeMs: item.mtimeMs }])),
      outDir,
      preview: false,
    };
    try {
      const value = await this.deps.explain(request, {
        signal,
        onProgress: (p) => {
          if (!signal.aborted) this.events.onStatus(`${item.name}: ${p.message}`, true);
        },
      });
      signal.throwIfAborted();
      const next: TrackPart = { result: value.result, dir: dirname(value.resultPath) };
      const merged = mergeTrack(this.track, next);
      await this.deps.writeFile(value.resultPath, stableStringify(merged));
      signal.throwIfAborted();
      this.track = { result: merged, dir: next.dir };
      this.points = merged.models.length;
      await this.events.onTrack(value.resultPath);
      if (!this.disposed) this.events.onStatus(this.waiting(), false);
    } finally {
      this.events.afterRun();
    }
  }
}

/** The names in `names` that are checkpoints by `template` (those there before a watch). */
export function checkpointNames(names: readonly string[], template: WatchTemplate): string[] {
  const matches = globMatcher(template.pattern);
  return names.filter((n) => matches(basename(n)));
}
