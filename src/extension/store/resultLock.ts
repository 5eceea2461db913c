import { randomBytes } from 'node:crypto';
import { readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A lock held longer than this belongs to a writer that stopped without releasing it (on another
 * machine, where its process cannot be asked): the section it guards takes milliseconds.
 */
export const STALE_LOCK_MS = 60_000;

/** Who holds a lock: written into the lock file. */
interface LockOwner {
  readonly token: string;
  readonly pid: number;
  readonly host: string;
}

/** How a caller learns that it waits for another writer (tests interleave writers with it). */
export interface LockOptions {
  readonly onBusy?: (() => void) | undefined;
}

/**
 * Runs `work` while holding the lock file `path`, waiting while another writer holds it. The
 * file is created exclusively (`wx`), so two writers never both hold it; one left behind by a
 * killed process is taken over at once on this machine (its process is gone) and after
 * STALE_LOCK_MS elsewhere.
 */
export async function withLock<T>(
  path: string,
  work: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const owner: LockOwner = {
    token: randomBytes(8).toString('hex'),
    pid: process.pid,
    host: hostname(),
  };
  let waited = false;
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(path, JSON.stringify(owner), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
    }
    if (await breakIfStale(path)) continue;
    if (!waited) options.onBusy?.();
    waited = true;
    // Short polls: the holder is usually done within milliseconds.
    await sleep(Math.min(200, 10 * 2 ** Math.min(attempt, 5)));
  }
  try {
    return await work();
  } finally {
    // Remove the lock only while it is still ours (a stale-lock takeover may have replaced it).
    if ((await readOwner(path))?.token === owner.token) await unlink(path).catch(() => undefined);
  }
}

/** Removes the lock at `path` if its holder is gone; true when it was removed (or vanished). */
async function breakIfStale(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) return true; // released meanwhile
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return true;
  const owner = parseOwner(text);
  const old = Date.now() - info.mtimeMs > STALE_LOCK_MS;
  // An empty or unreadable lock is one being written right now, unless it is old.
  const dead = owner !== undefined && owner.host === hostname() && !alive(owner.pid);
  if (!old && !dead) return false;
  // Only the lock that was judged stale is removed, not one another writer took meanwhile.
  if ((await readFile(path, 'utf8').catch(() => undefined)) !== text) return true;
  await unlink(path).catch(() => undefined);
  return true;
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseOwner(text);
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    return typeof v.token === 'string' && typeof v.pid === 'number' && typeof v.host === 'string'
      ? { token: v.token, pid: v.pid, host: v.host }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whether process `pid` runs on this machine (EPERM: it runs, as another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  }
}
