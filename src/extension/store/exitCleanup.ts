/** The signals that end a run from outside: Ctrl-C, kill, a closed terminal. */
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs `cleanup` if the process ends before the returned function is called: on 'exit' (the
 * inference child exits when its parent goes away), and on SIGINT/SIGTERM/SIGHUP when nothing else
 * handles the signal (then it is raised again, so the process ends as it would have). `cleanup`
 * must be synchronous: nothing asynchronous runs once the process exits.
 */
export function cleanUpOnExit(cleanup: () => void): () => void {
  let done = false;
  const run = (): void => {
    if (done) return;
    done = true;
    try {
      cleanup();
    } catch {
      // Best effort: the process is ending either way.
    }
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    // Another handler (a caller that cancels gracefully) decides what the signal means.
    if (process.listenerCount(signal) > 1) return;
    dispose();
    run();
    process.kill(process.pid, signal);
  };
  const dispose = (): void => {
    process.off('exit', run);
    for (const signal of SIGNALS) process.off(signal, onSignal);
  };
  process.on('exit', run);
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return dispose;
}
