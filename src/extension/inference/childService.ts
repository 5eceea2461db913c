import { CPU_THREADS_ENV } from '../../shared/cpuThreads';
import { InferenceChild } from './childClient';

/**
 * The extension's inference process: started on first use (never at activation), kept for later
 * runs so models and natives load once, and started afresh after a crash or a hard cancel, and
 * when propsweep.cpuThreads has changed (a process's sessions keep the count they opened with).
 */
export class ChildService {
  private child: Promise<InferenceChild> | undefined;
  /** The thread count the child was started with. */
  private threads = 0;

  constructor(
    private readonly childPath: string,
    private readonly log: (text: string) => void,
    /** propsweep.cpuThreads now (0: automatic). */
    private readonly cpuThreads: () => number = () => 0,
  ) {}

  /**
   * The running child, starting one when there is none, the last one died, or the thread count
   * changed. A child still answering a run is kept until it is idle: its run is not lost.
   */
  async get(): Promise<InferenceChild> {
    const current = this.child === undefined ? undefined : await this.child.catch(() => undefined);
    const threads = this.cpuThreads();
    if (current !== undefined && current.alive) {
      if (threads === this.threads || !current.idle) return current;
      this.log(`propsweep.cpuThreads is now ${threads}: the inference process starts again.`);
      current.dispose();
    }
    this.threads = threads;
    this.child = InferenceChild.start(this.childPath, {
      stderr: this.log,
      background: true,
      env: { [CPU_THREADS_ENV]: String(threads) },
    });
    this.child.catch(() => {
      this.child = undefined;
    });
    return this.child;
  }

  /** Kills the child. */
  dispose(): void {
    void this.child?.then(
      (c) => {
        c.dispose();
      },
      () => undefined,
    );
    this.child = undefined;
  }
}
