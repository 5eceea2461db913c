// The diffusion networks stay loaded in the inference child between runs: opening four sessions
// of a 2-4 GB model takes seconds, a path takes many UNet calls, and a user explains one image
// after another. One model is kept at a time (a second would double the GPU memory): loading
// another releases the first once no run uses it, and an idle model is released after a while.

/** A loaded model and what identifies it. */
interface Entry<T> {
  readonly key: string;
  readonly value: Promise<T>;
  users: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  stale: boolean;
}

/** How long a loaded model is kept without a run (ten minutes). */
export const IDLE_RELEASE_MS = 600_000;

/** Keeps the most recently used of things that are slow to open (the editor's sessions). */
export class WarmPool<T> {
  private entries: Entry<T>[] = [];

  constructor(
    private readonly release: (value: T) => Promise<void>,
    private readonly idleMs = IDLE_RELEASE_MS,
  ) {}

  /**
   * Runs `use` with the value of `key`, opening it with `open` unless it is loaded. Others are
   * released as soon as no run uses them. A failed open is not kept.
   */
  async with<R>(key: string, open: () => Promise<T>, use: (value: T) => Promise<R>): Promise<R> {
    let entry = this.entries.find((e) => e.key === key && !e.stale);
    for (const other of this.entries) if (other !== entry) other.stale = true;
    if (entry === undefined) {
      entry = { key, value: open(), users: 0, timer: undefined, stale: false };
      // Awaited below, but only after others are released: a failure meanwhile is not unhandled.
      entry.value.catch(() => undefined);
      this.entries.push(entry);
    }
    clearTimeout(entry.timer);
    entry.users++;
    await this.sweep();
    try {
      const opened = entry;
      const value = await opened.value.catch((error: unknown) => {
        opened.stale = true; // a failed open is tried afresh next time
        throw error;
      });
      return await use(value);
    } finally {
      entry.users--;
      if (!entry.stale && entry.users === 0) {
        const kept = entry;
        kept.timer = setTimeout(() => {
          kept.stale = true;
          void this.sweep();
        }, this.idleMs);
        kept.timer.unref();
      }
      await this.sweep();
    }
  }

  /** How many values are loaded (for tests and the log). */
  get size(): number {
    return this.entries.length;
  }

  /** Releases everything no run uses. */
  async releaseIdle(): Promise<void> {
    for (const entry of this.entries) if (entry.users === 0) entry.stale = true;
    await this.sweep();
  }

  private async sweep(): Promise<void> {
    const gone = this.entries.filter((e) => e.stale && e.users === 0);
    this.entries = this.entries.filter((e) => !gone.includes(e));
    for (const entry of gone) {
      clearTimeout(entry.timer);
      const value = await entry.value.catch(() => undefined);
      if (value !== undefined) await this.release(value);
    }
  }
}

/**
 * The value of the last key asked for, made again when another key is asked for: what is cheap
 * to hold but slow to make (a tokenizer parsed from a 2 MB tokenizer.json). A failure is not kept,
 * and the value is dropped after `idleMs` without a use, as the networks are.
 */
export class LastValue<T> {
  private last: { readonly key: string; readonly value: Promise<T> } | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly idleMs = IDLE_RELEASE_MS) {}

  get(key: string, make: () => Promise<T>): Promise<T> {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.last = undefined;
    }, this.idleMs);
    this.timer.unref();
    if (this.last?.key === key) return this.last.value;
    const value = make();
    const entry = { key, value };
    this.last = entry;
    value.catch(() => {
      if (this.last === entry) this.last = undefined;
    });
    return value;
  }
}
