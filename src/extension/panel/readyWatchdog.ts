/**
 * Waits for a webview's page to ask for its snapshot. VS Code's webview host shows nothing until
 * its service worker is ready, and when two webviews start at once (a panel and the image preview
 * beside it) that wait can last forever: the panel stays blank. `onStuck` runs when a visible
 * page has not become ready within `timeoutMs`; a page in a background tab (which loads only once
 * shown) is given the time again.
 */
export class ReadyWatchdog {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private waiting = false;

  constructor(
    private readonly timeoutMs: number,
    private readonly isVisible: () => boolean,
    private readonly onStuck: () => void,
  ) {}

  /** Starts (or restarts) waiting for a newly loaded page. */
  arm(): void {
    this.waiting = true;
    this.schedule();
  }

  /** The page asked for its snapshot: it works. */
  ready(): void {
    this.waiting = false;
    this.clear();
  }

  dispose(): void {
    this.waiting = false;
    this.clear();
  }

  private schedule(): void {
    this.clear();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.waiting) return;
      if (!this.isVisible()) {
        this.schedule();
        return;
      }
      this.waiting = false;
      this.onStuck();
    }, this.timeoutMs);
  }

  private clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
