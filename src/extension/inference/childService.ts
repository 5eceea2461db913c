import { InferenceChild } from './childClient';

/**
 * The extension's inference process: started on first use (never at activation), kept for later
 * runs so models and natives load once, and started afresh after a crash or a hard cancel.
 */
export class ChildService {
  private child: Promise<InferenceChild> | undefined;

  constructor(
    private readonly childPath: string,
    private readonly log: (text: string) => void,
  ) {}

  /** The running child, starting one when there is none or the last one died. */
  async get(): Promise<InferenceChild> {
    const current = this.child === undefined ? undefined : await this.child.catch(() => undefined);
    if (current !== undefined && current.alive) return current;
    this.child = InferenceChild.start(this.childPath, { stderr: this.log, background: true });
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
