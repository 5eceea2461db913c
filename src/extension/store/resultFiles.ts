// Loading a saved result for the panel, its exports and `propsweep report`. A result file comes
// from anyone (a pull request): everything it names is checked before it is read, shown or
// embedded. Its frames must be decodable PNGs inside its own `NAME.frames/` folder; the model
// and image files it names must be regular files inside the allowed folders (the workspace), of
// bounded size; and its fields are normalised once, so no export meets an unexpected type.
import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

import { normaliseResult } from '../../shared/normalize';
import {
  RESULT_LIMITS,
  stableStringify,
  validateResultFile,
  type ResultFile,
} from '../../shared/resultFile';
import { hasImageExtension } from '../../shared/imageExtensions';
import { formatSize } from '../../shared/format';
import { FILE_LIMITS } from '../../shared/limits';
import type { StaleModel } from '../../shared/protocol';
import {
  hashRegularFile,
  isWithin,
  readRegularFile,
  readRegularText,
  realPathWithin,
  UnreadableFileError,
} from '../files/boundedFiles';
import { checkPng, PNG_LIMITS } from '../share/pngCheck';
import {
  publishResult,
  withSourceFile,
  type PublishedContent,
  type PublishedNames,
} from './publish';

/** A result file that cannot be shown: the message says why and what to do. */
export class ResultFileError extends Error {
  override readonly name = 'ResultFileError';
}

/**
 * Bounds on the files a result names besides its frames (PNG_LIMITS bounds each frame, and
 * FILE_LIMITS.modelBytes a model file hashed by the stale check).
 */
const NAMED_FILE_LIMITS = {
  /** The source image shown beside the frames. */
  imageBytes: 256 * 1024 ** 2,
  /** All frames of one result together. */
  framesBytes: 4 * 1024 ** 3,
} as const;

/** A validated, normalised result with its checked files as real paths. */
export interface LoadedResult {
  /** The result file as given. */
  readonly path: string;
  /** The real path of the folder holding it. */
  readonly folder: string;
  /** The real path of its frames folder, `NAME.frames` (every frame is inside it). */
  readonly framesDir: string;
  /** The real paths of the folders its image and model paths may point into. */
  readonly roots: readonly string[];
  readonly result: ResultFile;
  /** Real paths of the frames, each a decodable PNG inside framesDir. */
  readonly framePaths: readonly string[];
  /**
   * The real path of the source at the frames' size (`reconstruction.file`), checked as a frame
   * is; null when the result has none.
   */
  readonly sizedSourcePath: string | null;
  /** The source image when it is a readable image inside the roots, else null (not shown). */
  readonly sourcePath: string | null;
}

/** Where a result may reach beyond its own frames. */
export interface LoadOptions {
  /**
   * Folders the result's image and model paths may point into: the workspace folders in VS Code,
   * the --root of `propsweep report`. Default: the result's own folder.
   */
  readonly roots?: readonly string[];
}

/** The file-name stem of a result: `cat` for `cat.propsweep.json`. */
function resultStem(path: string): string {
  const name = basename(path);
  return name.endsWith('.propsweep.json')
    ? name.slice(0, -'.propsweep.json'.length)
    : name.replace(/\.[^.]*$/, '');
}

/**
 * Reads a `*.propsweep.json` from anywhere (a colleague's commit is untrusted input): bounded
 * size, the schema, every frame a decodable PNG inside the result's own frames folder (also after
 * symlinks), then one normalisation. Every failure is a ResultFileError.
 */
export async function loadResult(path: string, options: LoadOptions = {}): Promise<LoadedResult> {
  const name = basename(path);
  try {
    return await load(path, name, options);
  } catch (error) {
    if (error instanceof ResultFileError) throw error;
    throw new ResultFileError(
      `${name} cannot be read (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
}

async function load(path: string, name: string, options: LoadOptions): Promise<LoadedResult> {
  const text = await readRegularText(path, RESULT_LIMITS.bytes).catch((error: unknown) => {
    if (!(error instanceof UnreadableFileError)) throw error;
    if (error.reason === 'missing') throw new ResultFileError(`${name} does not exist.`);
    if (error.reason === 'too-large')
      throw new ResultFileError(
        `${name} is larger than ${formatSize(RESULT_LIMITS.bytes)}, the most a propsweep result has. It is not a result this version can open.`,
      );
    throw new ResultFileError(`${name} cannot be read: ${error.message}.`);
  });
  let json: unknown;
  try {
    // A byte-order mark that an editor added is dropped by readRegularText.
    json = JSON.parse(text);
  } catch (error) {
    throw new ResultFileError(
      `${name} is not valid JSON (${(error as Error).message}). Restore it from version control or run the explanation again.`,
    );
  }
  const problems = validateResultFile(json);
  if (problems.length > 0)
    throw new ResultFileError(`${name} cannot be shown: ${problems.slice(0, 3).join('; ')}.`);
  const result = normaliseResult(json);
  const folder = await realpath(dirname(path));
  const roots = await realRoots(options.roots ?? [folder]);
  const framesDir = await ownFramesDir(folder, resultStem(path), name);
  const framePaths: string[] = [];
  let total = 0;
  for (const frame of result.frames) {
    const { real, bytes } = await readFrame(folder, framesDir, frame.file, name);
    total += bytes.length;
    if (total > NAMED_FILE_LIMITS.framesBytes)
      throw new ResultFileError(
        `${name}: its frames take more than ${formatSize(NAMED_FILE_LIMITS.framesBytes)}; refusing to read them.`,
      );
    framePaths.push(real);
  }
  // The source beside the reconstruction lives with the frames and is read as one.
  let sizedSourcePath: string | null = null;
  const sized = result.reconstruction?.file;
  if (sized !== undefined) {
    const { real, bytes } = await readFrame(folder, framesDir, sized, name, 'source image');
    total += bytes.length;
    if (total > NAMED_FILE_LIMITS.framesBytes)
      throw new ResultFileError(
        `${name}: its frames take more than ${formatSize(NAMED_FILE_LIMITS.framesBytes)}; refusing to read them.`,
      );
    sizedSourcePath = real;
  }
  const sourcePath = await sourceImage(folder, result.image.path, roots);
  return { path, folder, framesDir, roots, result, framePaths, sizedSourcePath, sourcePath };
}

/** The real paths of the roots that exist. */
async function realRoots(roots: readonly string[]): Promise<string[]> {
  const real = await Promise.all(roots.map((r) => realpath(r).catch(() => undefined)));
  return real.filter((r): r is string => r !== undefined);
}

/** The real path of `STEM.frames` beside the result, refused when it leads elsewhere. */
async function ownFramesDir(folder: string, stem: string, name: string): Promise<string> {
  const dir = join(folder, `${stem}.frames`);
  const real = await realpath(dir).catch(() => undefined);
  if (real === undefined)
    throw new ResultFileError(
      `${name}: its frames folder ${stem}.frames is missing. Commit the ${stem}.frames folder with the result.`,
    );
  // Not a link: a link could make another result's frames (or any folder) pass for this one's.
  if (real !== dir)
    throw new ResultFileError(
      `${name}: its frames folder ${stem}.frames is a link; refusing to read it. Keep the frames in a real folder beside the result.`,
    );
  return real;
}

/**
 * One frame (or the source image beside the frames, `what`): inside the result's own frames
 * folder, a regular file, a decodable PNG.
 */
async function readFrame(
  folder: string,
  framesDir: string,
  file: string,
  name: string,
  what = 'frame',
): Promise<{ real: string; bytes: Buffer }> {
  const stem = basename(framesDir);
  if (!file.startsWith(`${stem}/`))
    throw new ResultFileError(
      `${name}: the ${what} ${file} is not in ${stem}/, the result's own frames folder; refusing to read it.`,
    );
  const real = await realpath(resolve(folder, file)).catch(() => undefined);
  if (real === undefined)
    throw new ResultFileError(
      `${name}: the ${what} ${file} is missing. Commit the ${dirname(file)} folder with the result.`,
    );
  if (real === framesDir || !isWithin(framesDir, real))
    throw new ResultFileError(
      `${name}: the ${what} ${file} points outside the result's frames folder; refusing to read it.`,
    );
  const bytes = await readRegularFile(real, PNG_LIMITS.bytes).catch((error: unknown) => {
    throw new ResultFileError(
      `${name}: the ${what} ${file} cannot be read: ${error instanceof Error ? error.message : String(error)}.`,
    );
  });
  await checkPng(bytes, `${name}: the ${what} ${file}`).catch((error: unknown) => {
    throw new ResultFileError(
      `${error instanceof Error ? error.message : String(error)} Restore the frames from version control or run the explanation again.`,
    );
  });
  return { real, bytes };
}

/** The source image's real path when it is an image file inside the roots; else null. */
async function sourceImage(
  folder: string,
  imagePath: string,
  roots: readonly string[],
): Promise<string | null> {
  if (imagePath === '') return null;
  try {
    const real = await realPathWithin(resolve(folder, imagePath), roots);
    if (!hasImageExtension(real)) return null;
    // Opened to check it is a regular file of bounded size (not a FIFO the webview would hang on).
    await readRegularFile(real, NAMED_FILE_LIMITS.imageBytes, 0);
    return real;
  } catch (error) {
    if (error instanceof UnreadableFileError) return null;
    throw error;
  }
}

/** A model of a result whose file differs from the recorded one, or cannot be checked. */
export type ModelCheck = StaleModel;

/**
 * Models of a result whose file is gone or no longer has the recorded sha256. A model path that
 * leads outside `roots` (real paths; default: the result's folder), to something other than a
 * regular file (a FIFO, /dev/zero) or to a file over FILE_LIMITS.modelBytes is not read:
 * it is reported as "cannot check" rather than hashed for ever.
 */
export async function staleModels(
  resultPath: string,
  result: ResultFile,
  roots?: readonly string[],
): Promise<ModelCheck[]> {
  const folder = dirname(resultPath);
  const allowed = await realRoots(roots ?? [folder]);
  // Each file is read once: a result from someone else may name one large file thousands of times.
  const digests = new Map<string, Promise<string>>();
  const hash = (real: string): Promise<string> => {
    let digest = digests.get(real);
    if (digest === undefined) {
      digest = hashRegularFile(real, FILE_LIMITS.modelBytes);
      digests.set(real, digest);
    }
    return digest;
  };
  const checks: ModelCheck[] = [];
  for (const model of result.models) {
    // The model's own file (a command's checkpoint; a command without one has nothing to check),
    // then the files that decide its answers (a CLIP model's prompts); the first finding counts.
    const files = [
      ...(model.kind === 'command' && model.path === ''
        ? []
        : [{ path: model.path, sha256: model.sha256 }]),
      ...(model.files ?? []),
    ];
    for (const file of files) {
      const check = await checkModel(folder, file.path, file.sha256, allowed, hash);
      if (check !== null) {
        checks.push({ model: model.name, ...check });
        break;
      }
    }
  }
  return checks;
}

async function checkModel(
  folder: string,
  path: string,
  sha256: string,
  roots: readonly string[],
  hash: (real: string) => Promise<string>,
): Promise<Omit<ModelCheck, 'model'> | null> {
  if (path === '') return { kind: 'unchecked', reason: 'cannot check: no model path recorded' };
  try {
    const real = await realPathWithin(resolve(folder, path), roots);
    const sha = await hash(real);
    return sha === sha256
      ? null
      : { kind: 'stale', reason: `${basename(path)} changed since this result was made` };
  } catch (error) {
    if (!(error instanceof UnreadableFileError)) throw error;
    if (error.reason === 'missing') return { kind: 'stale', reason: `${path} is not found` };
    return { kind: 'unchecked', reason: `cannot check ${path}: ${error.message}` };
  }
}

/**
 * Copies a result (its JSON and frames) into `folder`, rewriting the paths of the source image,
 * mask and models so they stay right from the new place (see publishResult for how it is kept
 * whole). Returns the new JSON's path.
 */
export async function saveResultTo(
  loaded: LoadedResult,
  folder: string,
  name: string,
): Promise<string> {
  const from = dirname(loaded.path);
  const move = (p: string): string => portable(folder, isAbsolute(p) ? p : resolve(from, p));
  const content = ({ frameFiles, sourceFile }: PublishedNames): PublishedContent => {
    const saved: ResultFile = {
      ...withSourceFile(loaded.result, sourceFile),
      image: { ...loaded.result.image, path: move(loaded.result.image.path) },
      mask:
        loaded.result.mask === null
          ? null
          : { ...loaded.result.mask, path: move(loaded.result.mask.path) },
      // A command without a checkpoint has no file ('' stays ''); a CLIP model's prompts move too.
      models: loaded.result.models.map((m) => ({
        ...m,
        path: m.path === '' ? '' : move(m.path),
        ...(m.files === undefined
          ? {}
          : { files: m.files.map((f) => ({ ...f, path: move(f.path) })) }),
      })),
      ...(loaded.result.track === undefined
        ? {}
        : {
            track: {
              ...loaded.result.track,
              checkpoints: loaded.result.track.checkpoints.map((c) => ({
                ...c,
                file: move(c.file),
              })),
            },
          }),
      frames: loaded.result.frames.map((frame, k) => ({ ...frame, file: frameFiles[k] ?? '' })),
    };
    return { json: stableStringify(saved) };
  };
  const { resultPath } = await publishResult(folder, name, loaded.framePaths, content, {
    source: loaded.sizedSourcePath ?? undefined,
  });
  return resultPath;
}

/** A path relative to `folder`, with forward slashes (results are shared across systems). */
export function portable(folder: string, path: string): string {
  return relative(folder, path).split(sep).join('/');
}
