import { readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';

import {
  RESULT_LIMITS,
  stableStringify,
  validateResultFile,
  type ResultFile,
} from '../../shared/resultFile';
import { hashFile } from './frameCache';
import { publishResult } from './publish';

/** A result file that cannot be shown: the message says why and what to do. */
export class ResultFileError extends Error {
  override readonly name = 'ResultFileError';
}

/** A validated result with its frames as absolute paths. */
export interface LoadedResult {
  readonly path: string;
  readonly result: ResultFile;
  readonly framePaths: readonly string[];
  /** The source image, when it is still where the result says. */
  readonly sourcePath: string | null;
}

/**
 * Reads a `*.propsweep.json` from anywhere (a colleague's commit is untrusted input): bounded
 * size, the schema, and every frame a file inside the result's own folder, also after symlinks.
 */
export async function loadResult(path: string): Promise<LoadedResult> {
  const name = basename(path);
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) throw new ResultFileError(`${name} does not exist.`);
  if (info.size > RESULT_LIMITS.bytes) {
    throw new ResultFileError(
      `${name} is ${Math.round(info.size / 1e6)} MB; a propsweep result is at most ${RESULT_LIMITS.bytes / 1e6} MB. It is not a result this version can open.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ResultFileError(
      `${name} is not valid JSON (${(error as Error).message}). Restore it from version control or run the explanation again.`,
    );
  }
  const problems = validateResultFile(json);
  if (problems.length > 0)
    throw new ResultFileError(`${name} cannot be shown: ${problems.slice(0, 3).join('; ')}.`);
  const result = json as ResultFile;
  const folder = await realpath(dirname(path));
  const framePaths: string[] = [];
  for (const frame of result.frames) {
    const full = resolve(folder, frame.file);
    const real = await realpath(full).catch(() => undefined);
    if (real === undefined)
      throw new ResultFileError(
        `${name}: the frame ${frame.file} is missing. Commit the ${dirname(frame.file)} folder with the result.`,
      );
    if (!isInside(folder, real))
      throw new ResultFileError(
        `${name}: the frame ${frame.file} points outside the result's folder; refusing to read it.`,
      );
    framePaths.push(real);
  }
  const source = resolve(folder, result.image.path);
  const sourcePath = (await stat(source).catch(() => undefined))?.isFile() === true ? source : null;
  return { path, result, framePaths, sourcePath };
}

/** Models of a result whose file is gone or no longer has the recorded sha256. */
export async function staleModels(
  resultPath: string,
  result: ResultFile,
): Promise<{ model: string; reason: string }[]> {
  const folder = dirname(resultPath);
  const stale: { model: string; reason: string }[] = [];
  for (const model of result.models) {
    const path = isAbsolute(model.path) ? model.path : resolve(folder, model.path);
    const sha = await hashFile(path).catch(() => undefined);
    if (sha === undefined) stale.push({ model: model.name, reason: `${model.path} is not found` });
    else if (sha !== model.sha256)
      stale.push({
        model: model.name,
        reason: `${basename(path)} changed since this result was made`,
      });
  }
  return stale;
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
  const { resultPath } = await publishResult(folder, name, loaded.framePaths, ({ frameFiles }) => {
    const saved: ResultFile = {
      ...loaded.result,
      image: { ...loaded.result.image, path: move(loaded.result.image.path) },
      mask:
        loaded.result.mask === null
          ? null
          : { ...loaded.result.mask, path: move(loaded.result.mask.path) },
      models: loaded.result.models.map((m) => ({ ...m, path: move(m.path) })),
      frames: loaded.result.frames.map((frame, k) => ({ ...frame, file: frameFiles[k] ?? '' })),
    };
    return { json: stableStringify(saved) };
  });
  return resultPath;
}

function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** A path relative to `folder`, with forward slashes (results are shared across systems). */
export function portable(folder: string, path: string): string {
  return relative(folder, path).split(sep).join('/');
}
