// sha256 digests of large files (an editor model's 2-4 GB of weights), kept by real path, size and
// modification time, in memory and optionally in a small JSON file, so that a model is hashed once
// and not at every run of the command line. A file changed in place keeps neither its size and
// mtime, so the pair stands for its content; the store is a cache: a damaged one is ignored.
import { randomBytes } from 'node:crypto';
import { realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';

import { hashRegularFile, readRegularText } from './boundedFiles';

interface Kept {
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
}

/**
 * What a file is now, cheaply: "size mtime inode" (links followed), or "missing". A file written
 * again, in place or by a rename over it, gets another stamp.
 */
export async function fileStamp(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  return info === undefined ? 'missing' : `${info.size} ${info.mtimeMs} ${info.ino}`;
}

/**
 * What the files `paths` of a folder are now: each one's path relative to `root` and its stamp,
 * a line each, in the order given. A model folder is reused while this is unchanged.
 */
export async function filesStamp(root: string, paths: readonly string[]): Promise<string> {
  const lines = await Promise.all(
    paths.map(async (path) => `${relative(root, path)} ${await fileStamp(path)}`),
  );
  return lines.join('\n');
}

/** Files remembered at most (a model folder has about twenty). */
const MAX_ENTRIES = 1024;
const STORE_BYTES = 1024 * 1024;
const SHA256 = /^[0-9a-f]{64}$/;

/** sha256 digests kept by real path, size and modification time (see the file's comment). */
export class FileDigests {
  private readonly known = new Map<string, Kept>();
  private loaded: Promise<void> | undefined;
  private dirty = false;

  /** `store`: a JSON file that keeps the digests between processes (none: memory only). */
  constructor(private readonly store?: string) {}

  /** The sha256 and size of a regular file of at most `maxBytes`, hashed only when it changed. */
  async digest(path: string, maxBytes: number): Promise<{ sha256: string; bytes: number }> {
    await (this.loaded ??= this.load());
    const real = await realpath(path);
    const info = await stat(real);
    const kept = this.known.get(real);
    if (kept !== undefined && kept.size === info.size && kept.mtimeMs === info.mtimeMs) {
      return { sha256: kept.sha256, bytes: kept.size };
    }
    const sha256 = await hashRegularFile(real, maxBytes);
    this.known.delete(real);
    this.known.set(real, { size: info.size, mtimeMs: info.mtimeMs, sha256 });
    for (const old of this.known.keys()) {
      if (this.known.size <= MAX_ENTRIES) break;
      this.known.delete(old);
    }
    this.dirty = true;
    return { sha256, bytes: info.size };
  }

  /** Writes the digests made since the last flush to the store (once for a whole folder). */
  async flush(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    await this.save();
  }

  private async load(): Promise<void> {
    if (this.store === undefined) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readRegularText(this.store, STORE_BYTES));
    } catch {
      return; // none yet, or damaged: digests are made again
    }
    const files = (parsed as { files?: unknown } | null)?.files;
    if (typeof files !== 'object' || files === null) return;
    for (const [path, value] of Object.entries(files).slice(0, MAX_ENTRIES)) {
      const v = value as Partial<Kept> | null;
      if (
        typeof v?.size === 'number' &&
        typeof v.mtimeMs === 'number' &&
        typeof v.sha256 === 'string' &&
        SHA256.test(v.sha256)
      ) {
        this.known.set(path, { size: v.size, mtimeMs: v.mtimeMs, sha256: v.sha256 });
      }
    }
  }

  /** Writes the store through a temporary and a rename; a store that cannot be written is skipped. */
  private async save(): Promise<void> {
    if (this.store === undefined) return;
    const temp = `${this.store}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temp, JSON.stringify({ version: 1, files: Object.fromEntries(this.known) }));
      await rename(temp, this.store);
    } catch {
      await rm(temp, { force: true });
    }
  }
}
