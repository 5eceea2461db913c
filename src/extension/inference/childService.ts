import { CPU_THREADS_ENV } from '../../shared/cpuThreads';
import { InferenceChild } from './childClient';

/**
 * The extension's inference process: started on first use (never at activation), kept for later
 * runs so models and natives load once, and started afresh after a crash or a hard cancel, and
 * when propsweep.cpuThreads has changed (a process's sessions keep the count they opened with).
 */
export class ChildService {
  private child: Promise<InferenceChild> | undefined;
  /** The thread count `child` was started with. */
  private threads = 0;
  private disposed = false;
  /** Children replaced for a new thread count, still answering runs: killed by `dispose` too. */
  private readonly retired = new Set<InferenceChild>();

  constructor(
    private readonly childPath: string,
    private readonly log: (text: string) => void,
    /** propsweep.cpuThreads now (0: automatic). */
    private readonly cpuThreads: () => number = () => 0,
  ) {}

  /**
   * The running child, starting one when there is none, the last one died, or the thread count
   * changed. A child replaced for a new count is retired, not killed: it answers the runs it has
   * (and one sent by a caller it was handed in this turn) and then goes. Callers send their request
   * as soon as they have the child.
   */
  async get(): Promise<InferenceChild> {
    for (;;) {
      this.checkOpen();
      const pending = this.child;
      const current = pending === undefined ? undefined : await pending.catch(() => undefined);
      this.checkOpen(); // disposed while this caller waited
      // Another caller replaced the child while this one waited: look again.
      if (pending !== this.child) continue;
      const threads = this.cpuThreads();
      if (current?.alive === true) {
        if (threads === this.threads) return current;
        this.log(`propsweep.cpuThreads is now ${threads}: a new inference process starts.`);
        current.retire();
        for (const old of this.retired) if (!old.alive) this.retired.delete(old);
        this.retired.add(current);
      }
      this.threads = threads;
      const started = InferenceChild.start(this.childPath, {
        stderr: this.log,
        background: true,
        env: { [CPU_THREADS_ENV]: String(threads) },
      });
      this.child = started;
      started.catch(() => {
        if (this.child === started) this.child = undefined;
      });
      return started;
    }
  }

  private checkOpen(): void {
    if (this.disposed) throw new Error('The propsweep inference process was shut down.');
  }

  /** Kills the child, the retired ones, and any child a waiting `get` would start. */
  dispose(): void {
    this.disposed = true;
    for (const old of this.retired) old.dispose();
    this.retired.clear();
    void this.child?.then(
      (c) => {
        c.dispose();
      },
      () => undefined,
    );
    this.child = undefined;
  }
}
