import type { RunProgress } from '../../shared/childProtocol';

/** Progress reports, at most one per interval within a phase; the newest one always gets through. */
export interface ProgressThrottle {
  report(progress: RunProgress): void;
  /** Sends the report still held back, if any (before the run's result). */
  flush(): void;
  /** Drops the report held back, if any. */
  cancel(): void;
}

/**
 * Coalesces progress: an editor reports every frame (a 1,001-step path is 1,001 messages within a
 * second), and every message is a full panel update in the webview. A report that starts a new
 * phase goes out at once; within a phase, at most one every `intervalMs`, the newest held back
 * until its turn.
 */
export function throttleProgress(
  forward: (progress: RunProgress) => void,
  intervalMs = 100,
  now: () => number = () => performance.now(),
): ProgressThrottle {
  let lastSent = -Infinity;
  let lastPhase: string | undefined;
  let held: RunProgress | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const send = (progress: RunProgress): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    held = undefined;
    lastSent = now();
    lastPhase = progress.phase;
    forward(progress);
  };
  return {
    report(progress) {
      const wait = lastSent + intervalMs - now();
      if (progress.phase !== lastPhase || wait <= 0) {
        send(progress);
        return;
      }
      held = progress;
      timer ??= setTimeout(() => {
        timer = undefined;
        if (held !== undefined) send(held);
      }, wait);
    },
    flush() {
      if (held !== undefined) send(held);
    },
    cancel() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      held = undefined;
    },
  };
}
