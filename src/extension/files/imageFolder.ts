// The images of a folder run: which files of a folder are images, which are their masks, in which
// order, and which share of them a shard takes. The order is the sorted relative path, so that a
// shard's share, a --limit and a resumed run select the same images on every machine.
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { hasImageExtension } from '../../shared/imageExtensions';
import type { ShardRecord } from '../../shared/folderFile';
import { compareCodePoints } from '../../shared/folderSummary';
import { isWithin } from './boundedFiles';

/** The most images a folder run lists (a folder file holds at most this many rows). */
export const MAX_FOLDER_IMAGES = 100_000;

/** The suffix that makes `X.mask.png` the mask of the image `X.<ext>` beside it. */
export const MASK_SUFFIX = '.mask.png';

/** A folder that cannot be listed (missing, a file, too many images); the message says what to do. */
export class FolderListError extends Error {
  override readonly name = 'FolderListError';
}

/** One image of the folder. */
export interface FolderImage {
  /** Its path (the folder joined with `relative`). */
  readonly path: string;
  /** Relative to the folder, '/'-separated: the name rows, shards and the journal know it by. */
  readonly relative: string;
  /** Its mask `X.mask.png` beside it, or null when there is none. */
  readonly mask: string | null;
}

/** Which images to take. */
export interface ListOptions {
  /** Also the images of subfolders (neither hidden nor symlinked ones). */
  readonly recursive: boolean;
  /** The first N images in sorted order; null for all. */
  readonly limit: number | null;
  /** Then every image whose index i (from 0) has i % count === index - 1; null for all. */
  readonly shard: ShardRecord | null;
  /** Folders never entered (the run's output folder when it lies inside the images' folder). */
  readonly exclude?: readonly string[];
}

/** The images taken, and how many the folder has in all (before the limit and the shard). */
export interface FolderListing {
  readonly images: readonly FolderImage[];
  readonly total: number;
}

/**
 * The images of `dir`, sorted by relative path (code point order), limited then sharded.
 * Masks are not images; hidden files and folders are skipped, and symlinked folders are not
 * followed (a link can lead into a cycle or out of the dataset). A folder with more than
 * MAX_FOLDER_IMAGES images is refused: the caller says how to split it.
 */
export async function listFolderImages(dir: string, options: ListOptions): Promise<FolderListing> {
  const root = await realpath(dir).catch((error: unknown) => {
    throw new FolderListError(
      (error as { code?: unknown }).code === 'ENOENT'
        ? `The folder ${dir} does not exist. Give a folder of images.`
        : `The folder ${dir} cannot be opened (${errorCode(error)}). Check its permissions.`,
    );
  });
  if (!(await stat(root)).isDirectory()) {
    throw new FolderListError(`${dir} is a file, not a folder. Give a folder of images.`);
  }
  const exclude = await Promise.all((options.exclude ?? []).map((p) => realpath(p).catch(() => p)));
  const files: string[] = [];
  await walk(root, '', options.recursive, exclude, files);
  const names = new Set(files);
  const images = files
    .filter((f) => hasImageExtension(f) && !f.endsWith(MASK_SUFFIX))
    .sort(compareCodePoints);
  if (images.length > MAX_FOLDER_IMAGES) {
    throw new FolderListError(
      `${dir} has more than ${MAX_FOLDER_IMAGES.toLocaleString('en-US')} images: split it into folders and explain each (and merge them), or explain a share with --limit.`,
    );
  }
  const limited = options.limit === null ? images : images.slice(0, options.limit);
  const taken = options.shard === null ? limited : shardOf(limited, options.shard);
  return {
    total: images.length,
    images: taken.map((rel) => {
      const mask = maskName(rel);
      return {
        path: join(dir, ...rel.split('/')),
        relative: rel,
        mask: names.has(mask) ? join(dir, ...mask.split('/')) : null,
      };
    }),
  };
}

/** Every entry whose index (from 0) is `index - 1` modulo `count`: n shards are disjoint and cover all. */
export function shardOf<T>(items: readonly T[], shard: ShardRecord): T[] {
  return items.filter((_, i) => i % shard.count === shard.index - 1);
}

/** The mask's relative path of an image: `X.png` and `X.jpg` have `X.mask.png`. */
export function maskName(image: string): string {
  return `${image.replace(/\.[^./]+$/, '')}${MASK_SUFFIX}`;
}

const UNSAFE = /[^\w.-]/g;
// Windows refuses these as file names, with or without an extension.
const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i;
const MAX_KEY_STEM = 100;

/**
 * The folder name of an image's results under `images/`: its relative path when that is one safe
 * name (and no device name of Windows); else the path with unsafe characters and '/' made '_' and a short sha256 of the path
 * appended, so that `a/b.png` and `a_b.png` stay apart. Depends on the path alone, so that the
 * shards of a folder give the names an unsharded run gives.
 */
export function imageKey(relativePath: string): string {
  const safe = relativePath.replace(UNSAFE, '_').replace(/^\.+/, '_');
  const plain = RESERVED.test(safe) ? `_${safe}` : safe;
  if (plain === relativePath && plain.length <= MAX_KEY_STEM) return plain;
  const hash = createHash('sha256').update(relativePath).digest('hex').slice(0, 10);
  return `${plain.slice(0, MAX_KEY_STEM)}-${hash}`;
}

async function walk(
  root: string,
  prefix: string,
  recursive: boolean,
  exclude: readonly string[],
  into: string[],
): Promise<void> {
  const here = prefix === '' ? root : join(root, ...prefix.split('/'));
  if (exclude.some((folder) => isWithin(folder, here))) return;
  // A folder that cannot be read stops the listing: skipping it would drop its images without a
  // word, and shards listed on machines that differ in what they can read would not fit together.
  const entries: Dirent[] = await readdir(here, { withFileTypes: true }).catch((error: unknown) => {
    throw new FolderListError(
      `The folder ${here} cannot be read (${errorCode(error)}). Check its permissions${prefix === '' ? '' : ', or move it out of the folder explained'}.`,
    );
  });
  entries.sort((a, b) => compareCodePoints(a.name, b.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) {
      if (recursive) await walk(root, rel, recursive, exclude, into);
    } else if (entry.isFile() || (entry.isSymbolicLink() && (await isLinkedFile(here, entry)))) {
      into.push(rel);
      // Bounded while listing: a folder of millions of files stops here, not after them all.
      if (into.length > 4 * MAX_FOLDER_IMAGES) {
        throw new FolderListError(
          `${root} has more than ${(4 * MAX_FOLDER_IMAGES).toLocaleString('en-US')} files: give a folder of images (at most ${MAX_FOLDER_IMAGES.toLocaleString('en-US')}).`,
        );
      }
    }
  }
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : String(error);
}

/** A symlinked file counts as a file (its reader bounds it); a symlinked folder is not entered. */
async function isLinkedFile(folder: string, entry: Dirent): Promise<boolean> {
  const info = await stat(join(folder, entry.name)).catch(() => undefined);
  return info?.isFile() === true;
}
