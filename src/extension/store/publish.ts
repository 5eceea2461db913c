import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { writeAtomic } from './atomic';

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
  /** Further files beside it (the HTML report), written before the JSON. */
  readonly extras?: readonly { readonly name: string; readonly contents: string }[];
}

/**
 * Publishes `NAME.propsweep.json` and its frames into `folder` so that a reader, or a crash at
 * any moment, never pairs a result with frames that are not its own.
 *
 * The frames go into `NAME.frames/VERSION/`, where VERSION is a digest of their bytes: the folder
 * is complete before it gets its name (built aside, then renamed), an unchanged path keeps its
 * folder (no churn in version control), and the JSON, renamed into place last, is the only
 * switch from the old result to the new one. Older versions are removed after that switch.
 */
export async function publishResult(
  folder: string,
  name: string,
  framePaths: readonly string[],
  content: (names: PublishedNames) => PublishedContent | Promise<PublishedContent>,
  /** Sees every frame's bytes as they are copied (each frame is read once). */
  onFrame?: (index: number, bytes: Uint8Array) => void,
): Promise<{ readonly resultPath: string; readonly names: PublishedNames }> {
  await mkdir(folder, { recursive: true });
  const framesRoot = `${name}.frames`;
  const temp = join(folder, `.propsweep-${randomBytes(6).toString('hex')}.tmp`);
  let names: PublishedNames;
  let version: string;
  try {
    // One pass: each frame is read, added to the digest and written into the folder-to-be.
    await mkdir(temp);
    const hash = createHash('sha256');
    for (const [k, path] of framePaths.entries()) {
      if (path === '') throw new Error(`frame ${k} has no image`);
      const bytes = await readFile(path);
      hash.update(`${String(bytes.length)}:`).update(bytes);
      await writeFile(join(temp, frameFile(k)), bytes);
      onFrame?.(k, bytes);
    }
    version = hash.digest('hex').slice(0, 16);
    const framesDir = `${framesRoot}/${version}`;
    names = { framesDir, frameFiles: framePaths.map((_, k) => `${framesDir}/${frameFile(k)}`) };
    // A folder of this version is complete already (folders only ever appear by renaming).
    if (!(await exists(join(folder, framesDir)))) {
      await mkdir(join(folder, framesRoot), { recursive: true });
      try {
        await rename(temp, join(folder, framesDir));
      } catch (error) {
        // Another writer may have published the same frames meanwhile; theirs are as good.
        if (!(await exists(join(folder, framesDir)))) throw error;
      }
    }
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  const { json, extras = [] } = await content(names);
  for (const extra of extras) await writeAtomic(join(folder, extra.name), extra.contents);
  const resultPath = join(folder, `${name}.propsweep.json`);
  await writeAtomic(resultPath, json);
  // The new JSON is in place: frames of earlier versions (and of the flat layout before
  // versions) belong to nothing now.
  for (const entry of await readdir(join(folder, framesRoot))) {
    if (entry !== version)
      await rm(join(folder, framesRoot, entry), { recursive: true, force: true });
  }
  return { resultPath, names };
}

function frameFile(k: number): string {
  return `${String(k).padStart(3, '0')}.png`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
