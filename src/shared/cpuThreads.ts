// How many threads onnxruntime runs a model with on the CPU: the setting propsweep.cpuThreads
// (package.json declares the same bounds; a unit test compares), which the extension hands to its
// inference process in PROPSWEEP_CPU_THREADS, the variable the command line reads from the shell.
// 0 is automatic: one thread per physical core this process may use (natives/cpuThreads.ts).

/** The environment variable the inference process reads its CPU thread count from. */
export const CPU_THREADS_ENV = 'PROPSWEEP_CPU_THREADS';

/** Most threads one session may be given: far above any core count, and bounded. */
export const MAX_CPU_THREADS = 256;

/** What the count must be, in words (for a setting's or the variable's message). */
export const CPU_THREADS_ALLOWED = `a whole number from 0 to ${MAX_CPU_THREADS} (0: one per physical core)`;

/** Whether `value` is a thread count propsweep accepts (0: automatic). */
export function isCpuThreads(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_CPU_THREADS;
}

/**
 * The count `text` (the variable's value) asks for: 0 when unset or empty (automatic), or null
 * when it is not a count propsweep accepts.
 */
export function cpuThreadsOf(text: string | undefined): number | null {
  const trimmed = text?.trim() ?? '';
  if (trimmed === '') return 0;
  if (!/^\d{1,4}$/.test(trimmed)) return null;
  const count = Number(trimmed);
  return isCpuThreads(count) ? count : null;
}
