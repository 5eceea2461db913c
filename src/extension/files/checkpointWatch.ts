// Watching a folder for new checkpoints while a model trains. A training script writes a
// checkpoint over seconds (or copies it in over minutes): it is reported once its size and
// modification time have stayed the same for a settle time, never while it grows. The folder is
// polled (fs.watch misses events on network drives, in containers and on some platforms) and
// fs.watch, where it works, only makes the next look come sooner. The folder, the clock and the
// timers are injected so that tests drive the watcher without sleeping; no vscode here (the CLI's
// `track --watch` and the extension's Watch Checkpoints share it).
import { watch as fsWatch } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { orderCheckpoints } from '../../shared/checkpoints';

/** A file's size and modification time. */
export interface FileStamp {
  readonly size: number;
  readonly mtimeMs: number;
}

/** A new checkpoint that stopped growing. */
export interface ReadyCheckpoint extends FileStamp {
  /** Its name in the watched folder. */
  readonly name: string;
}

/** What the watcher reads of the folder: node:fs in use (folderOnDisk), a fake in tests. */
export interface WatchFolder {
  /** The names of the entries in the folder. */
  list(): Promise<readonly string[]>;
  /** The stamp of a regular file, or null when it is gone or not a regular file. */
  stat(name: string): Promise<FileStamp | null>;
  /** Calls `changed` when the platform says the folder changed; returns how to stop. Optional. */
  onChange?(changed: () => void): () => void;
}

/** The clock and timers the watcher uses (the global ones by default). */
export interface WatchTimers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** How to watch. */
export interface CheckpointWatchOptions {
  readonly folder: WatchFolder;
  /** Which names are checkpoints (globMatcher of --pattern). */
  readonly matches: (name: string) => boolean;
  /** Names already taken (the checkpoints of the first run): never reported. */
  readonly known?: Iterable<string>;
  /** How long a file's size and mtime must stay the same before it is reported (default 2000 ms). */
  readonly settleMs?: number;
  /** How often the folder is looked at when nothing is settling (default 1000 ms). */
  readonly pollMs?: number;
  readonly timers?: WatchTimers;
  /**
   * New checkpoints that stopped growing, in training order within the batch (orderCheckpoints);
   * each name is reported once.
   */
  readonly onReady: (checkpoints: readonly ReadyCheckpoint[]) => void;
  /** A look at the folder failed (it was removed, permissions changed); watching goes on. */
  readonly onError?: (error: unknown) => void;
}

/** A running watch. */
export interface CheckpointWatch {
  /** Looks at the folder now (the poll and fs.watch call it too); resolves when that look is done. */
  scan(): Promise<void>;
  /** Stops watching: no timer, no fs.watch, no further onReady. */
  dispose(): void;
}

/** Default CheckpointWatchOptions.settleMs. */
export const DEFAULT_SETTLE_MS = 2000;

/** Default CheckpointWatchOptions.pollMs. */
export const DEFAULT_POLL_MS = 1000;

/**
 * Which files stopped growing: pure bookkeeping over successive looks at a folder. A file is
 * ready when a look at least `settleMs` after its stamp was first seen unchanged still sees that
 * stamp; an empty file waits (a copy that has not started); a file that disappears is forgotten.
 */
export class SettleTracker {
  private readonly seen = new Map<string, { stamp: FileStamp; since: number }>();
  private readonly taken: Set<string>;

  constructor(
    private readonly settleMs: number,
    known: Iterable<string> = [],
  ) {
    this.taken = new Set(known);
  }

  /** Records a look at `now` (the stamps of the matching files present); returns those ready. */
  observe(now: number, stamps: ReadonlyMap<string, FileStamp>): ReadyCheckpoint[] {
    for (const name of this.seen.keys()) if (!stamps.has(name)) this.seen.delete(name);
    const ready: ReadyCheckpoint[] = [];
    for (const [name, stamp] of stamps) {
      if (this.taken.has(name)) continue;
      const before = this.seen.get(name);
      if (
        before === undefined ||
        before.stamp.size !== stamp.size ||
        before.stamp.mtimeMs !== stamp.mtimeMs
      ) {
        this.seen.set(name, { stamp, since: now });
      } else if (stamp.size > 0 && now - before.since >= this.settleMs) {
        this.seen.delete(name);
        this.taken.add(name);
        ready.push({ name, ...stamp });
      }
    }
    return ready;
  }

  /** When the earliest file being watched may be ready, or null when none is. */
  nextDue(): number | null {
    let due: number | null = null;
    for (const { stamp, since } of this.seen.values()) {
      if (stamp.size === 0) continue;
      due = Math.min(due ?? Infinity, since + this.settleMs);
    }
    return due;
  }

  /** Marks names as taken (reported elsewhere); they are never reported. */
  take(names: Iterable<string>): void {
    for (const name of names) {
      this.taken.add(name);
      this.seen.delete(name);
    }
  }
}

/**
 * Watches a folder for new checkpoints (see the module comment); looks at once, then every
 * `pollMs`, sooner when a file is due to settle or fs.watch reports a change.
 */
export function watchCheckpoints(options: CheckpointWatchOptions): CheckpointWatch {
  const timers = options.timers ?? GLOBAL_TIMERS;
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const tracker = new SettleTracker(settleMs, options.known);
  let disposed = false;
  // Read through a call: a look awaits, and dispose may have run meanwhile.
  const isDisposed = (): boolean => disposed;
  let timer: unknown;
  let running: Promise<void> | undefined;

  const schedule = (): void => {
    if (disposed) return;
    if (timer !== undefined) timers.clearTimeout(timer);
    const now = timers.now();
    const due = tracker.nextDue();
    const wait = due === null ? pollMs : Math.max(0, Math.min(pollMs, due - now));
    timer = timers.setTimeout(() => {
      timer = undefined;
      void scan();
    }, wait);
  };

  const look = async (): Promise<void> => {
    try {
      const names = (await options.folder.list()).filter(options.matches);
      const stamps = new Map<string, FileStamp>();
      for (const name of names) {
        const stamp = await options.folder.stat(name);
        if (stamp !== null) stamps.set(name, stamp);
      }
      if (disposed) return;
      const ready = tracker.observe(timers.now(), stamps);
      if (ready.length > 0) {
        const ordered = orderCheckpoints(ready.map((r) => ({ ...r, file: r.name })));
        options.onReady(ordered.files.map(({ name, size, mtimeMs }) => ({ name, size, mtimeMs })));
      }
    } catch (error) {
      if (!disposed) options.onError?.(error);
    }
  };

  // One look at a time; a request during a look makes one more look after it.
  let requests = 0;
  const scan = (): Promise<void> => {
    if (disposed) return Promise.resolve();
    requests++;
    running ??= (async () => {
      for (let done = -1; done !== requests && !isDisposed();) {
        done = requests;
        await look();
      }
      running = undefined;
      schedule();
    })();
    return running;
  };

  const stopWatching = options.folder.onChange?.(() => void scan());
  void scan();
  return {
    scan,
    dispose: () => {
      disposed = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      stopWatching?.();
    },
  };
}

/** The folder `dir` on disk; fs.watch, where the platform has it, only hastens the poll. */
export function folderOnDisk(dir: string): WatchFolder {
  return {
    list: () => readdir(dir),
    stat: async (name) => {
      try {
        const s = await stat(join(dir, name));
        return s.isFile() ? { size: s.size, mtimeMs: s.mtimeMs } : null;
      } catch (error) {
        if (isGone(error)) return null;
        throw error;
      }
    },
    onChange: (changed) => {
      try {
        const watcher = fsWatch(dir, { persistent: false }, changed);
        // An error of the platform's watcher (the folder went, too many watches) leaves the poll.
        watcher.on('error', () => {
          watcher.close();
        });
        return () => {
          watcher.close();
        };
      } catch {
        return () => undefined;
      }
    },
  };
}

function isGone(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

const GLOBAL_TIMERS: WatchTimers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/** What CheckpointQueue does with a new checkpoint while one runs. */
export type QueuePolicy = 'in-order' | 'latest';

/**
 * Runs checkpoints one at a time. 'in-order' (the CLI) runs every one pushed, in turn; 'latest'
 * (the panel) supersedes: a push aborts the run in progress and keeps only the newest checkpoint
 * waiting. `dispose` aborts the run in progress and drops the rest.
 */
export class CheckpointQueue<T> {
  private readonly waiting: T[] = [];
  private current: AbortController | undefined;
  private draining: Promise<void> = Promise.resolve();
  private disposed = false;

  constructor(
    private readonly run: (item: T, signal: AbortSignal) => Promise<void>,
    private readonly policy: QueuePolicy,
    /** A run failed (not one aborted by supersede or dispose). */
    private readonly onError: (error: unknown, item: T) => void = () => undefined,
  ) {}

  /** Queues items (in training order: the last is the newest). */
  push(items: readonly T[]): void {
    if (this.disposed || items.length === 0) return;
    if (this.policy === 'latest') {
      this.waiting.length = 0;
      const newest = items.at(-1);
      if (newest !== undefined) this.waiting.push(newest);
      this.current?.abort();
    } else {
      this.waiting.push(...items);
    }
    if (this.current === undefined) this.draining = this.drain();
  }

  /** Resolves once nothing runs or waits. */
  async idle(): Promise<void> {
    while (this.current !== undefined || this.waiting.length > 0) await this.draining;
  }

  /** Aborts the run in progress and drops what waits. */
  dispose(): void {
    this.disposed = true;
    this.waiting.length = 0;
    this.current?.abort();
  }

  private async drain(): Promise<void> {
    for (let item = this.waiting.shift(); item !== undefined; item = this.waiting.shift()) {
      if (this.disposed) break;
      const controller = new AbortController();
      this.current = controller;
      try {
        await this.run(item, controller.signal);
      } catch (error) {
        if (!controller.signal.aborted) this.onError(error, item);
      }
    }
    this.current = undefined;
  }
}
