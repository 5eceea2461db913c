import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, rmdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { writeAtomic } from './atomic';
import { StoreInputError, storageError } from './errors';
import { exists } from './exists';
import { makeFolders } from './makeFolders';
import { probeWrite } from './outputFolder';

/** Everything that determines an edited frame's pixels. */
export interface FrameKey {
  readonly sourceSha256: string;
  readonly maskSha256: string | null;
  readonly editor: string;
  readonly params: Readonly<Record<string, string | number | boolean>>;
  /** The editor's fingerprint of the files its parameters name (ImageEditor.fingerprint), or null. */
  readonly content: string | null;
  readonly strength: number;
  readonly seed: number;
}

/** Bumped when an editor's arithmetic changes, so old frames are never reused. */
const CACHE_FORMAT = 2;

/** The default size limit of the cache, in MB (the CLI's --cache-max-mb, the cacheMaxMB setting). */
export const DEFAULT_CACHE_MAX_MB = 1024;

/**
 * The file that says a folder is a frame cache, written when the cache is created there. Pruning
 * deletes files, so it happens only in a folder that has it.
 */
export const CACHE_MARKER = 'PROPSWEEP-FRAME-CACHE.txt';

const MARKER_TEXT = `This folder is PropSweep's cache of edited images. PropSweep removes the least recently
used entries (NN/<64 hex digits>.png and .png.json) to keep it under its size limit, and only those.
Delete the folder to clear the cache.
`;

/**
 * Digests of large files named by editor parameters (a diffusion model's weights), kept between
 * runs beside the entries (files/fileDigests.ts); pruning and clearing leave it alone.
 */
export const DIGEST_STORE = 'file-digests.json';

/** A shard folder: the first two hex digits of the keys it holds. */
const SHARD = /^[0-9a-f]{2}$/;
/** An entry's PNG or its metadata. */
const ENTRY = /^[0-9a-f]{64}\.png(\.json)?$/;
/** A temporary of writeAtomic for an entry (`NAME.<12 hex>.tmp`). */
const TEMP = /^[0-9a-f]{64}\.png(\.json)?\.[0-9a-f]{12}\.tmp$/;
/** A temporary or a lone metadata file older than this belongs to a run that was killed. */
const ABANDONED_MS = 3_600_000;
/**
 * Pruning keeps entries looked up or stored within this time: a run that is still going (another
 * process) may be about to publish them. Runs look up, edit and publish within minutes.
 */
export const RECENTLY_USED_MS = 600_000;

/**
 * Edited frames on disk, content-addressed by (source, mask, editor, parameters, the content of the files they name, strength, seed).
 * Shared by runs and models: a path is edited once and classified by every model. Entries are
 * written to a temporary name and renamed, so a cancelled or killed run leaves no corrupt entry.
 *
 * The folder may be one the user chose, so the cache touches only its own files: a marker at its
 * root (CACHE_MARKER), two-hex-digit shard folders, and entries named by their 64-hex-digit key. A
 * folder that holds anything else and no marker is refused before anything is written or deleted.
 *
 * Pruning removes the least recently used entries (a lookup refreshes an entry's time), but never
 * one used within RECENTLY_USED_MS (10 minutes): runs of other processes may be using it right now,
 * so the cache can stay above its limit for that long. Write errors name the cache folder.
 */
export class FrameCache {
  private claimed: Promise<void> | undefined;

  constructor(
    readonly dir: string,
    readonly maxBytes: number = DEFAULT_CACHE_MAX_MB * 1024 ** 2,
  ) {}

  /** The hex key of a frame. */
  static key(key: FrameKey): string {
    const canonical = JSON.stringify([
      CACHE_FORMAT,
      key.sourceSha256,
      key.maskSha256,
      key.editor,
      Object.entries(key.params).sort(([a], [b]) => a.localeCompare(b)),
      key.content,
      key.strength,
      key.seed,
    ]);
    return createHash('sha256').update(canonical).digest('hex');
  }

  /**
   * Makes sure the folder is this cache's: creates it with its marker when it is missing or
   * empty, adopts a cache made before markers existed (nothing but shards of entries), and throws
   * StoreInputError for a folder with other files in it. Runs once per instance.
   */
  claim(): Promise<void> {
    this.claimed ??= claimFolder(this.dir).catch((error: unknown) => {
      this.claimed = undefined; // a later call looks again (the user may have fixed it)
      throw storageError(error, this.dir) ?? error;
    });
    return this.claimed;
  }

  /** Where the PNG of `key` lives (whether or not it exists yet). */
  pathFor(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.png`);
  }

  /**
   * A cached frame (its PNG path and the editor parameter it was made with), refreshed as recently
   * used, or undefined. An entry whose metadata is not a finite parameter (damaged, or written by
   * hand: `1e999` parses to Infinity) is dropped, so that it is made again.
   */
  async lookup(key: string): Promise<{ path: string; parameter: number } | undefined> {
    const path = this.pathFor(key);
    try {
      const text = await readFile(`${path}.json`, 'utf8').catch(() => undefined);
      if (text === undefined) return undefined;
      const meta = parseMeta(text);
      if (meta === undefined) {
        await this.remove(key);
        return undefined;
      }
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
    await this.claim();
    const path = this.pathFor(key);
    try {
      // The cache folder exists (claimed): only the shard may be missing.
      await mkdir(join(this.dir, key.slice(0, 2))).catch((error: unknown) => {
        if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
      });
      await writeAtomic(`${path}.json`, JSON.stringify({ parameter }));
      try {
        await writeAtomic(path, png);
      } catch (error) {
        await rm(`${path}.json`, { force: true }); // no metadata without its PNG (a full disk)
        throw error;
      }
    } catch (error) {
      // A full cache disk names the cache folder, not the run's output folder.
      throw storageError(error, this.dir) ?? error;
    }
    return path;
  }

  /** Drops an entry (one that turned out corrupt), so that it is made again. */
  async remove(key: string): Promise<void> {
    const path = this.pathFor(key);
    await rm(path, { force: true });
    await rm(`${path}.json`, { force: true });
  }

  /**
   * Deletes least recently used entries (and abandoned temporaries) until under `maxBytes`.
   * Only the cache's own files are looked at; throws StoreInputError for a folder that is not a
   * cache (see claim).
   */
  async prune(): Promise<{ removed: number; bytes: number }> {
    return this.pruneTo(this.maxBytes, RECENTLY_USED_MS);
  }

  /** Deletes every entry (the folder, its marker and anything else in it stay). */
  async clear(): Promise<{ removed: number }> {
    const { removed } = await this.pruneTo(0, 0);
    for (const shard of await this.shards())
      await rmdir(join(this.dir, shard)).catch(() => undefined);
    return { removed };
  }

  /** Prunes down to `maxBytes`, keeping entries used less than `graceMs` ago whatever their size. */
  private async pruneTo(
    maxBytes: number,
    graceMs: number,
  ): Promise<{ removed: number; bytes: number }> {
    if (!(await exists(this.dir))) return { removed: 0, bytes: 0 };
    await this.claim();
    const entries: { path: string; size: number; used: number }[] = [];
    for (const shard of await this.shards()) {
      const names = new Set(await readdir(join(this.dir, shard)).catch(() => []));
      for (const name of names) {
        const path = join(this.dir, shard, name);
        if (!TEMP.test(name) && !ENTRY.test(name)) continue; // not ours: left alone
        const info = await stat(path).catch(() => undefined);
        if (info?.isFile() !== true) continue;
        const abandoned = Date.now() - info.mtimeMs > ABANDONED_MS;
        const lone = name.endsWith('.json') && !TEMP.test(name) && !names.has(name.slice(0, -5));
        if (TEMP.test(name) || lone) {
          if (abandoned) await rm(path, { force: true });
        } else if (name.endsWith('.png'))
          entries.push({ path, size: info.size, used: info.mtimeMs });
      }
    }
    let bytes = entries.reduce((sum, e) => sum + e.size, 0);
    let removed = 0;
    const now = Date.now();
    for (const entry of entries.sort((a, b) => a.used - b.used)) {
      if (bytes <= maxBytes || now - entry.used < graceMs) break; // the rest are newer still
      await rm(entry.path, { force: true });
      await rm(`${entry.path}.json`, { force: true });
      bytes -= entry.size;
      removed++;
    }
    return { removed, bytes };
  }

  private async shards(): Promise<string[]> {
    const entries = await readdir(this.dir, { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory() && SHARD.test(e.name)).map((e) => e.name);
  }
}

/** See FrameCache.claim. */
async function claimFolder(dir: string): Promise<void> {
  const marker = join(dir, CACHE_MARKER);
  // A cache of an earlier run may have become read-only (or its disk full) since: found now,
  // not after the run's inference.
  if (await exists(marker)) return probeWrite(dir);
  await makeFolders(dir);
  const foreign: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    // Another run claiming the same new cache at the same time (shards of a folder) wrote it.
    if (entry.name === CACHE_MARKER) continue;
    if (!entry.isDirectory() || !SHARD.test(entry.name)) foreign.push(entry.name);
    else {
      const names = await readdir(join(dir, entry.name));
      foreign.push(
        ...names.filter((n) => !ENTRY.test(n) && !TEMP.test(n)).map((n) => join(entry.name, n)),
      );
    }
    if (foreign.length > 0) break;
  }
  if (foreign.length > 0) {
    throw new StoreInputError(
      `The frame cache folder ${dir} holds files PropSweep did not make (such as ${foreign[0] ?? ''}) and is not a PropSweep cache; PropSweep will not write into it or delete from it. Choose an empty or new folder for the cache, or leave the cache folder unset to use the default one.`,
    );
  }
  // Written in place: what matters is that the marker exists, and a temporary could be left behind.
  // It is the write probe of a new cache, too.
  await writeFile(marker, MARKER_TEXT);
}

/** The metadata of an entry, or undefined when it is damaged. */
function parseMeta(text: string): { parameter: number } | undefined {
  try {
    const meta = JSON.parse(text) as { parameter?: unknown };
    return typeof meta.parameter === 'number' && Number.isFinite(meta.parameter)
      ? { parameter: meta.parameter }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Prunes the cache in `dir` down to `maxMB` after a run of the command line (which, unlike the
 * extension, has no later moment to do it). A failure is a warning on stderr: the result is written.
 */
export async function pruneCache(dir: string, maxMB: number): Promise<void> {
  try {
    await new FrameCache(dir, maxMB * 1024 ** 2).prune();
  } catch (error) {
    process.stderr.write(
      `propsweep: warning: the edited-image cache was not pruned: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  }
}
