import { randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { isWithin } from '../files/boundedFiles';

/** How many runs the extension keeps in its storage: the newest; older ones are removed. */
export const RUNS_KEPT = 20;

/** A run folder's name as newRunName makes it: a UTC time and 6 hex digits. */
const RUN_NAME = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z-[0-9a-f]{6}$/;

/** A new, unique name for a run's folder, which sorts by time. */
export function newRunName(now: Date = new Date()): string {
  return `${now.toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
}

/**
 * Removes run folders from `runsDir` (the extension's `<globalStorage>/runs`) but the `keep` most
 * recently written and those holding a path of `inUse` (the result a panel shows). A re-run writes into its folder
 * again, so the time is the folder's modification time. Only folders named as newRunName names
 * them are touched. Returns how many were removed.
 */
export async function pruneRuns(
  runsDir: string,
  keep: number = RUNS_KEPT,
  inUse: readonly string[] = [],
): Promise<number> {
  const entries = await readdir(runsDir, { withFileTypes: true }).catch(() => []);
  const runs = await Promise.all(
    entries
      .filter((e) => e.isDirectory() && RUN_NAME.test(e.name))
      .map(async (e) => {
        const path = join(runsDir, e.name);
        const info = await stat(path).catch(() => undefined);
        return { path, written: info?.mtimeMs ?? 0, name: e.name };
      }),
  );
  const shown = (run: string): boolean => inUse.some((p) => isWithin(run, p));
  const old = runs
    .sort((a, b) => b.written - a.written || b.name.localeCompare(a.name))
    .slice(keep)
    .filter((run) => !shown(run.path));
  for (const run of old) await rm(run.path, { recursive: true, force: true });
  return old.length;
}
