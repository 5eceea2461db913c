import type { ResultFile } from '../../shared/resultFile';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { hashRegularFile, readRegularFile, UnreadableFileError } from '../files/boundedFiles';
import { PNG_LIMITS } from '../share/pngCheck';
import { StoreInputError } from './errors';
import { exists } from './exists';
import { FILE_CONCURRENCY, mapLimited } from './limited';
import { makeFolders } from './makeFolders';
import { withLock } from './resultLock';

/**
 * A frame to publish: the path of a PNG file to copy (a cached frame, a recorded one, a saved
 * result's), or the bytes of a PNG made in memory (a cheap editor's, never cached), written as
 * they are.
 */
export type FrameSource = string | Uint8Array;

/** What a published result's files are called, relative to its folder. */
export interface PublishedNames {
  /** `NAME.frames/VERSION`: the frames of this version of the result. */
  readonly framesDir: string;
  /** One file per frame, in path order: `NAME.frames/VERSION/000.png`, ... */
  readonly frameFiles: readonly string[];
  /** `NAME.frames/VERSION/source.png` when a source image was published (PublishOptions.source). */
  readonly sourceFile?: string;
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
  /** Sees every frame's bytes as they are placed (a frame given as a file is read once). */
  readonly onFrame?: ((index: number, bytes: Uint8Array) => void) | undefined;
  /**
   * A PNG published beside the frames, in their version folder, as `source.png` (part of the
   * version's digest): the source at the frames' size, for editors whose first frame is not it.
   */
  readonly source?: string | undefined;
  /** Sees the source's bytes as they are copied (read once). */
  readonly onSource?: ((bytes: Uint8Array) => void) | undefined;
  /** Writes one file (node's writeFile; a test injects a full disk). */
  readonly writeFile?: ((path: string, data: Uint8Array | string) => Promise<void>) | undefined;
  /** Called once when another writer of the same result holds its lock and this one waits. */
  readonly onLockBusy?: (() => void) | undefined;
  /** Called holding the lock, with the frames in place, just before the JSON switches. */
  readonly beforeSwitch?: (() => Promise<void>) | undefined;
}

/** A staged frame file as it was written: compared with a placed one without reading it back. */
interface StagedFrame {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

/** A version folder's name: the first 16 hex digits of the frames' digest. */
const VERSION = /^[0-9a-f]{16}$/;
/** A frame file as publishResult names it. */
const FRAME_FILE = /^\d{3,}\.png$/;
/** The source image publishResult puts beside the frames (PublishOptions.source). */
export const SOURCE_FILE = 'source.png';

/** Whether a file in a version folder is one publishResult writes (a frame or the source). */
function isOurs(name: string): boolean {
  return FRAME_FILE.test(name) || name === SOURCE_FILE;
}

/**
 * Publishes `NAME.propsweep.json` and its frames into `folder` so that a reader, or a crash at
 * any moment, never pairs a result with frames that are not its own.
 *
 * The frames go into `NAME.frames/VERSION/`, where VERSION is a digest of their bytes: the folder
 * is complete before it gets its name (built aside, then renamed), an unchanged path keeps its
 * folder (no churn in version control), and the JSON, renamed into place last, is the only
 * switch from the old result to the new one. Everything that can fill a disk is written before
 * the switch, into a temporary folder that a failure removes. A version folder that exists but
 * differs from the frames (a frame deleted or truncated by hand) is replaced, not reused.
 *
 * Writers of the same result take turns through a lock file (`NAME.propsweep.lock`) from placing
 * their frames until their clean-up is done, so one never deletes the frames another is about to
 * point at. The clean-up re-reads the JSON and removes only version folders of ours that neither
 * it nor the JSON it replaced names: the previous version stays until the next publish, so a
 * reader who read the old JSON a moment before the switch still finds its frames (at most two
 * versions exist). Files the user put into `NAME.frames/` stay, and so do frames of the flat
 * layout before versions (`NAME.frames/000.png`), which cannot be told from the user's own.
 */
export async function publishResult(
  folder: string,
  name: string,
  frames: readonly FrameSource[],
  content: (names: PublishedNames) => PublishedContent | Promise<PublishedContent>,
  options: PublishOptions = {},
): Promise<{ readonly resultPath: string; readonly names: PublishedNames }> {
  const write = options.writeFile ?? ((path, data) => writeFile(path, data));
  await makeFolders(folder);
  const framesRoot = `${name}.frames`;
  const resultPath = join(folder, `${name}.propsweep.json`);
  const temp = join(folder, `.propsweep-${randomBytes(6).toString('hex')}.tmp`);
  try {
    // One pass: each frame is read (when it is a file), added to the digest and written into the
    // folder-to-be. One frame at a time, so a long path never holds many files open.
    const staged = join(temp, 'frames');
    await mkdir(temp);
    await mkdir(staged);
    const hash = createHash('sha256');
    const stagedFrames: StagedFrame[] = [];
    for (const [k, frame] of frames.entries()) {
      if (frame.length === 0) throw new Error(`frame ${k} has no image`);
      const bytes = typeof frame === 'string' ? await readFrame(frame, k) : frame;
      hash.update(`${String(bytes.length)}:`).update(bytes);
      await write(join(staged, frameFile(k)), bytes);
      stagedFrames.push({
        name: frameFile(k),
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      });
      options.onFrame?.(k, bytes);
    }
    if (options.source !== undefined) {
      const bytes = await readSource(options.source);
      // Only with a source: the versions of results without one keep their digest.
      hash.update(`source:${String(bytes.length)}:`).update(bytes);
      await write(join(staged, SOURCE_FILE), bytes);
      stagedFrames.push({
        name: SOURCE_FILE,
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      });
      options.onSource?.(bytes);
    }
    const version = hash.digest('hex').slice(0, 16);
    const framesDir = `${framesRoot}/${version}`;
    const names: PublishedNames = {
      framesDir,
      frameFiles: frames.map((_, k) => `${framesDir}/${frameFile(k)}`),
      ...(options.source === undefined ? {} : { sourceFile: `${framesDir}/${SOURCE_FILE}` }),
    };
    const { json, extras = [] } = await content(names);
    await write(join(temp, 'result.json'), json);
    for (const [k, extra] of extras.entries())
      await write(join(temp, `extra-${k}`), extra.contents);
    await withLock(
      join(folder, `${name}.propsweep.lock`),
      async () => {
        // The JSON being replaced: its frames stay for readers who have just read it.
        const previous = await namedVersions(resultPath, framesRoot);
        // A folder of this version is complete already (folders only ever appear by renaming),
        // unless someone changed it since: then it is replaced, the damaged one moved aside into
        // the temporary folder (removed with it, after the switch).
        const target = join(folder, framesDir);
        let placed = false;
        if (await exists(target)) {
          if (!(await sameFrames(stagedFrames, target))) {
            await replaceVersion(target, staged, join(temp, 'replaced'));
            placed = true;
          }
        } else {
          await mkdir(join(folder, framesRoot)).catch((error: unknown) => {
            if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
          });
          await rename(staged, target);
          placed = true;
        }
        try {
          await options.beforeSwitch?.();
          for (const [k, extra] of extras.entries())
            await rename(join(temp, `extra-${k}`), join(folder, extra.name));
          await rename(join(temp, 'result.json'), resultPath);
        } catch (error) {
          // The switch failed: frames placed for it belong to nothing.
          if (placed) {
            const named = await namedVersions(resultPath, framesRoot);
            await removeUnused(folder, framesRoot, named, [version], previous);
          }
          throw error;
        }
        // The new JSON is in place: our versions older than the previous one belong to nothing.
        // It names what `json` names (no writer replaces it while this one holds the lock), so
        // it is not read back.
        await removeUnused(folder, framesRoot, versionsIn(json, framesRoot), undefined, previous);
      },
      { onBusy: options.onLockBusy },
    );
    return { resultPath, names };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/**
 * Removes the version folders publishResult made in `NAME.frames/` that neither the result JSON
 * on disk (`named`: the versions it names) nor `kept` names: `only` lists the entries to consider
 * (all when undefined). A version folder holding anything but frame files (and the source) has
 * the user's files in it and stays; so does every other entry; an emptied `NAME.frames/` goes.
 */
async function removeUnused(
  folder: string,
  framesRoot: string,
  named: ReadonlySet<string>,
  only: readonly string[] | undefined,
  kept: ReadonlySet<string>,
): Promise<void> {
  const root = join(folder, framesRoot);
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (named.has(entry.name) || kept.has(entry.name)) continue;
    if (only !== undefined && !only.includes(entry.name)) continue;
    if (entry.isDirectory() && VERSION.test(entry.name)) {
      const inside = await readdir(join(root, entry.name), { withFileTypes: true });
      if (inside.every((f) => f.isFile() && isOurs(f.name)))
        await rm(join(root, entry.name), { recursive: true, force: true });
    }
  }
  await rmdir(root).catch(() => undefined); // only when empty
}

/** The entries of `NAME.frames/` that the JSON at `resultPath` names (none when it is missing). */
async function namedVersions(resultPath: string, framesRoot: string): Promise<Set<string>> {
  return versionsIn(await readFile(resultPath, 'utf8').catch(() => ''), framesRoot);
}

/** The entries of `NAME.frames/` that a result's JSON text names. */
function versionsIn(json: string, framesRoot: string): Set<string> {
  const pattern = new RegExp(`${escapeRegExp(framesRoot)}/([^/"\\\\]+)`, 'g');
  return new Set(Array.from(json.matchAll(pattern), (m) => String(m[1])));
}

/**
 * Reads frame `k`, bounded: the cache folder is the user's choice, and a FIFO named like a frame
 * must not hang the write. One that vanished (another run's cache pruning, or someone deleting
 * it) is a StoreInputError that says to run again: the next run makes the frame anew; one that is
 * not a regular PNG-sized file is a StoreInputError naming it.
 */
async function readFrame(path: string, k: number): Promise<Buffer> {
  try {
    return await readRegularFile(path, PNG_LIMITS.bytes);
  } catch (error) {
    if (!(error instanceof UnreadableFileError)) throw error;
    if (error.reason !== 'missing')
      throw new StoreInputError(
        `The edited image of frame ${String(k)} (${path}) cannot be read: ${error.message}; the previous result is unchanged. Clear the cache (or remove that file) and run again.`,
        { cause: error },
      );
    throw new StoreInputError(
      `The edited image of frame ${String(k)} (${path}) was removed while the result was being written (the cache may have been pruned or cleared meanwhile); the previous result is unchanged. Run again to make it anew.`,
      { cause: error },
    );
  }
}

/** Reads the source image to publish beside the frames, bounded as a frame is. */
async function readSource(path: string): Promise<Buffer> {
  try {
    return await readRegularFile(path, PNG_LIMITS.bytes);
  } catch (error) {
    if (!(error instanceof UnreadableFileError)) throw error;
    throw new StoreInputError(
      `The source image at the frames' size (${path}) cannot be read: ${error.message}; the previous result is unchanged. Run again.`,
      { cause: error },
    );
  }
}

/**
 * Whether the version folder `placed` holds exactly the `staged` frame files: the same names,
 * sizes (checked first, without reading) and sha256 digests. Only the placed files are read, and
 * only as regular files of their expected size.
 */
async function sameFrames(staged: readonly StagedFrame[], placed: string): Promise<boolean> {
  const want = staged.map((f) => f.name).sort();
  const have = (await readdir(placed)).filter(isOurs).sort();
  if (want.join('/') !== have.join('/')) return false;
  const sized = await mapLimited(staged, FILE_CONCURRENCY, async (f) => {
    const info = await stat(join(placed, f.name)).catch(() => undefined);
    return info?.isFile() === true && info.size === f.size;
  });
  if (!sized.every(Boolean)) return false;
  const same = await mapLimited(staged, FILE_CONCURRENCY, async (f) => {
    const sha = await hashRegularFile(join(placed, f.name), f.size).catch(() => undefined);
    return sha === f.sha256;
  });
  return same.every(Boolean);
}

/**
 * Puts `staged` in place of the damaged version folder `target`, moving `target` to `aside`; the
 * user's own files in it (anything but frames) move into the new folder.
 */
async function replaceVersion(target: string, staged: string, aside: string): Promise<void> {
  await rename(target, aside);
  await rename(staged, target);
  for (const name of await readdir(aside)) {
    if (!isOurs(name)) await rename(join(aside, name), join(target, name));
  }
}

function frameFile(k: number): string {
  return `${String(k).padStart(3, '0')}.png`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * `result` with its reconstruction's `file` set to the published source image (or left out when
 * none was published), as both writers of a result record it.
 */
export function withSourceFile(result: ResultFile, sourceFile: string | undefined): ResultFile {
  const { reconstruction } = result;
  if (reconstruction === undefined) return result;
  return {
    ...result,
    reconstruction:
      sourceFile === undefined
        ? { change: reconstruction.change }
        : { ...reconstruction, file: sourceFile },
  };
}
