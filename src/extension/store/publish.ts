import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { exists } from './exists';
import { withLock } from './resultLock';

/** What a published result's files are called, relative to its folder. */
export interface PublishedNames {
  /** `NAME.frames/VERSION`: the frames of this version of the result. */
  readonly framesDir: string;
  /** One file per frame, in path order: `NAME.frames/VERSION/000.png`, ... */
  readonly frameFiles: readonly string[];
}

/** The files a published result consists of, given its frames' names. */
export interface PublishedContent {
  /** The contents of `NAME.propsweep.json`. */
  readonly json: string;
  /** Further files beside it (the HTML report), put in place just before the JSON. */
  readonly extras?: readonly { readonly name: string; readonly contents: string }[];
}

/** Optional parts of publishing; the hooks let tests interleave two writers deterministically. */
export interface PublishOptions {
  /** Sees every frame's bytes as they are copied (each frame is read once). */
  readonly onFrame?: ((index: number, bytes: Uint8Array) => void) | undefined;
  /** Writes one file (node's writeFile; a test injects a full disk). */
  readonly writeFile?: ((path: string, data: Uint8Array | string) => Promise<void>) | undefined;
  /** Called once when another writer of the same result holds its lock and this one waits. */
  readonly onLockBusy?: (() => void) | undefined;
  /** Called holding the lock, with the frames in place, just before the JSON switches. */
  readonly beforeSwitch?: (() => Promise<void>) | undefined;
}

/** A version folder's name: the first 16 hex digits of the frames' digest. */
const VERSION = /^[0-9a-f]{16}$/;
/** A frame file as publishResult names it (also the flat layout before versions). */
const FRAME_FILE = /^\d{3,}\.png$/;

/**
 * Publishes `NAME.propsweep.json` and its frames into `folder` so that a reader, or a crash at
 * any moment, never pairs a result with frames that are not its own.
 *
 * The frames go into `NAME.frames/VERSION/`, where VERSION is a digest of their bytes: the folder
 * is complete before it gets its name (built aside, then renamed), an unchanged path keeps its
 * folder (no churn in version control), and the JSON, renamed into place last, is the only
 * switch from the old result to the new one. Everything that can fill a disk is written before
 * the switch, into a temporary folder that a failure removes. Writers of the same result take
 * turns through a lock file (`NAME.propsweep.lock`) from placing their frames until their clean-up
 * is done, so one never deletes the frames another is about to point at; the clean-up re-reads
 * the JSON and removes only version folders of ours that it does not name (files the user put
 * into `NAME.frames/` stay).
 */
export async function publishResult(
  folder: string,
  name: string,
  framePaths: readonly string[],
  content: (names: PublishedNames) => PublishedContent | Promise<PublishedContent>,
  options: PublishOptions = {},
): Promise<{ readonly resultPath: string; readonly names: PublishedNames }> {
  const write = options.writeFile ?? ((path, data) => writeFile(path, data));
  await mkdir(folder, { recursive: true });
  const framesRoot = `${name}.frames`;
  const resultPath = join(folder, `${name}.propsweep.json`);
  const temp = join(folder, `.propsweep-${randomBytes(6).toString('hex')}.tmp`);
  try {
    // One pass: each frame is read, added to the digest and written into the folder-to-be. One
    // frame at a time, so a long path never holds many files open.
    const staged = join(temp, 'frames');
    await mkdir(staged, { recursive: true });
    const hash = createHash('sha256');
    for (const [k, path] of framePaths.entries()) {
      if (path === '') throw new Error(`frame ${k} has no image`);
      const bytes = await readFile(path);
      hash.update(`${String(bytes.length)}:`).update(bytes);
      await write(join(staged, frameFile(k)), bytes);
      options.onFrame?.(k, bytes);
    }
    const version = hash.digest('hex').slice(0, 16);
    const framesDir = `${framesRoot}/${version}`;
    const names = {
      framesDir,
      frameFiles: framePaths.map((_, k) => `${framesDir}/${frameFile(k)}`),
    };
    const { json, extras = [] } = await content(names);
    await write(join(temp, 'result.json'), json);
    for (const [k, extra] of extras.entries())
      await write(join(temp, `extra-${k}`), extra.contents);
    await withLock(
      join(folder, `${name}.propsweep.lock`),
      async () => {
        // A folder of this version is complete already (folders only ever appear by renaming).
        let placed = false;
        if (!(await exists(join(folder, framesDir)))) {
          await mkdir(join(folder, framesRoot), { recursive: true });
          await rename(staged, join(folder, framesDir));
          placed = true;
        }
        try {
          await options.beforeSwitch?.();
          for (const [k, extra] of extras.entries())
            await rename(join(temp, `extra-${k}`), join(folder, extra.name));
          await rename(join(temp, 'result.json'), resultPath);
        } catch (error) {
          // The switch failed: frames placed for it belong to nothing.
          if (placed) await removeUnused(folder, framesRoot, resultPath, [version]);
          throw error;
        }
        // The new JSON is in place: our earlier versions (and the flat layout before versions)
        // belong to nothing now.
        await removeUnused(folder, framesRoot, resultPath, undefined);
      },
      { onBusy: options.onLockBusy },
    );
    return { resultPath, names };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/**
 * Removes what publishResult made in `NAME.frames/` and the result JSON on disk does not name:
 * `only` lists the entries to consider (all when undefined). A version folder holding anything
 * but frame files has the user's files in it and stays; an emptied `NAME.frames/` goes.
 */
async function removeUnused(
  folder: string,
  framesRoot: string,
  resultPath: string,
  only: readonly string[] | undefined,
): Promise<void> {
  const root = join(folder, framesRoot);
  // Read just before removing: never delete what the current JSON points at, whoever wrote it.
  const json = await readFile(resultPath, 'utf8').catch(() => '');
  const named = new Set(
    Array.from(json.matchAll(new RegExp(`${escapeRegExp(framesRoot)}/([^/"\\\\]+)`, 'g')), (m) =>
      String(m[1]),
    ),
  );
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (named.has(entry.name) || (only !== undefined && !only.includes(entry.name))) continue;
    if (entry.isFile() && FRAME_FILE.test(entry.name)) await rm(join(root, entry.name));
    else if (entry.isDirectory() && VERSION.test(entry.name)) {
      const inside = await readdir(join(root, entry.name), { withFileTypes: true });
      if (inside.every((f) => f.isFile() && FRAME_FILE.test(f.name)))
        await rm(join(root, entry.name), { recursive: true, force: true });
    }
  }
  await rmdir(root).catch(() => undefined); // only when empty
}

function frameFile(k: number): string {
  return `${String(k).padStart(3, '0')}.png`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
