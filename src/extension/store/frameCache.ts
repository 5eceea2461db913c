import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';

import { writeAtomic } from './atomic';

/** Everything that determines an edited frame's pixels. */
export interface FrameKey {
  readonly sourceSha256: string;
  readonly maskSha256: string | null;
  readonly editor: string;
  readonly params: Readonly<Record<string, string | number | boolean>>;
  readonly strength: number;
  readonly seed: number;
}

/** Bumped when an editor's arithmetic changes, so old frames are never reused. */
const CACHE_FORMAT = 1;

/**
 * Edited frames on disk, content-addressed by (source, mask, editor, parameters, strength, seed).
 * Shared by runs and models: a path is edited once and classified by every model. Entries are
 * written to a temporary name and renamed, so a cancelled or killed run leaves no corrupt entry.
 */
export class FrameCache {
  constructor(
    readonly dir: string,
    readonly maxBytes: number = 2 * 1024 ** 3,
  ) {}

  /** The hex key of a frame. */
  static key(key: FrameKey): string {
    const canonical = JSON.stringify([
      CACHE_FORMAT,
      key.sourceSha256,
      key.maskSha256,
      key.editor,
      Object.entries(key.params).sort(([a], [b]) => a.localeCompare(b)),
      key.strength,
      key.seed,
    ]);
    return createHash('sha256').update(canonical).digest('hex');
  }

  /** Where the PNG of `key` lives (whether or not it exists yet). */
  pathFor(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.png`);
  }

  /**
   * A cached frame (its PNG path and the editor parameter it was made with), refreshed as recently
   * used, or undefined.
   */
  async lookup(key: string): Promise<{ path: string; parameter: number } | undefined> {
    const path = this.pathFor(key);
    try {
      const meta = JSON.parse(await readFile(`${path}.json`, 'utf8')) as { parameter?: unknown };
      if (typeof meta.parameter !== 'number') return undefined;
      const now = new Date();
      await utimes(path, now, now);
      return { path, parameter: meta.parameter };
    } catch {
      return undefined;
    }
  }

  /**
   * Stores a frame atomically; returns the PNG's path. The metadata goes first and the PNG is
   * renamed into place last: an entry exists only once both are complete.
   */
  async store(key: string, png: Uint8Array, parameter: number): Promise<string> {
    const path = this.pathFor(key);
    await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true });
    await writeAtomic(`${path}.json`, JSON.stringify({ parameter }));
    await writeAtomic(path, png);
    return path;
  }

  /** Deletes least recently used entries (and stale temporaries) until under `maxBytes`. */
  async prune(): Promise<{ removed: number; bytes: number }> {
    const entries: { path: string; size: number; used: number }[] = [];
    let shards: string[];
    try {
      shards = await readdir(this.dir);
    } catch {
      return { removed: 0, bytes: 0 };
    }
    for (const shard of shards) {
      const names = await readdir(join(this.dir, shard)).catch(() => []);
      for (const name of names) {
        const path = join(this.dir, shard, name);
        const info = await stat(path).catch(() => undefined);
        if (info === undefined) continue;
        // A temporary older than an hour belongs to a run that was killed.
        if (name.endsWith('.tmp') && Date.now() - info.mtimeMs > 3_600_000)
          await rm(path, { force: true });
        else if (name.endsWith('.png')) entries.push({ path, size: info.size, used: info.mtimeMs });
      }
    }
    let bytes = entries.reduce((sum, e) => sum + e.size, 0);
    let removed = 0;
    for (const entry of entries.sort((a, b) => a.used - b.used)) {
      if (bytes <= this.maxBytes) break;
      await rm(entry.path, { force: true });
      await rm(`${entry.path}.json`, { force: true });
      bytes -= entry.size;
      removed++;
    }
    return { removed, bytes };
  }
}

/** sha256 of a file, hex, streamed (model files can be large). */
export function hashFile(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => {
        resolvePromise(hash.digest('hex'));
      });
  });
}
