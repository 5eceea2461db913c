// The track that Watch Checkpoints builds in the panel, one checkpoint at a time. Each new
// checkpoint is one run of the panel's explanation with that checkpoint as the only classifier (the
// frame cache makes it a classification only); its result is merged here with the track so far,
// which came from other run folders: every path of the earlier checkpoints is rebased onto the new
// run's folder, and the checkpoints are put in training order (src/shared/checkpoints.ts). Pure:
// no vscode, no I/O.
import { basename, isAbsolute, resolve } from 'node:path';

import type { CommandModelSpec, ModelSpec, OnnxModelSpec } from '../../shared/childProtocol';
import {
  COMMAND_CHECKPOINTS,
  ONNX_CHECKPOINTS,
  orderCheckpoints,
  trackRecordOf,
} from '../../shared/checkpoints';
import {
  RESULT_LIMITS,
  type ModelRecord,
  type ResultFile,
  type TrackCheckpoint,
} from '../../shared/resultFile';
import { portable } from '../store/resultFiles';

/** The classifier a watch runs each new checkpoint with, and which file names are checkpoints. */
export interface WatchTemplate {
  readonly spec: OnnxModelSpec | CommandModelSpec;
  /** A checkpoint pattern (globMatcher): *.onnx, or PyTorch's and friends' for a command. */
  readonly pattern: string;
}

/**
 * The template of an explanation's classifiers: the first command that names `{checkpoint}`, else
 * the first ONNX file (every new .onnx is a checkpoint); or why there is none.
 */
export function watchTemplate(models: readonly ModelSpec[]): WatchTemplate | string {
  for (const spec of models)
    if (spec.kind === 'command' && spec.command.some((word) => word.includes('{checkpoint}')))
      return { spec, pattern: COMMAND_CHECKPOINTS };
  for (const spec of models)
    if (spec.kind === undefined || spec.kind === 'onnx') return { spec, pattern: ONNX_CHECKPOINTS };
  return 'Watch Checkpoints needs an explanation with an ONNX classifier (each new .onnx file is a checkpoint) or a classifier command with {checkpoint} in its arguments; this one has neither.';
}

/** The classifier of checkpoint `file` (absolute): the template's, named by the file. */
export function checkpointSpec(template: WatchTemplate, file: string): ModelSpec {
  return { ...template.spec, name: basename(file), ...checkpointPath(template.spec, file) };
}

function checkpointPath(spec: WatchTemplate['spec'], file: string) {
  return spec.kind === 'command' ? { checkpoint: file } : { path: file };
}

/** The checkpoint file the template itself runs (absolute), if it names one. */
export function templateCheckpoint(template: WatchTemplate): string | undefined {
  return template.spec.kind === 'command' ? template.spec.checkpoint : template.spec.path;
}

/** A result and the folder its relative paths are relative to. */
export interface TrackPart {
  readonly result: ResultFile;
  readonly dir: string;
}

/** Why two runs cannot be points of one track: they did not classify the same edited path. */
export function samePathProblem(a: ResultFile, b: ResultFile): string | null {
  if (a.image.sha256 !== b.image.sha256) return 'the source image changed';
  if (
    a.editor.id !== b.editor.id ||
    a.editor.seed !== b.editor.seed ||
    JSON.stringify(a.editor.params) !== JSON.stringify(b.editor.params)
  )
    return 'the edit changed';
  if (a.frames.length !== b.frames.length) return 'the number of steps changed';
  return null;
}

/**
 * The single-checkpoint track of the first point: the panel's result with its one model taken as
 * checkpoint `file` (absolute), modified at `mtimeMs`.
 */
export function firstPoint(part: TrackPart, file: string, mtimeMs: number): ResultFile {
  const model = part.result.models[0];
  if (model === undefined || part.result.models.length !== 1) return part.result;
  const ordered = orderCheckpoints([{ file, mtimeMs }]);
  return {
    ...part.result,
    models: [{ ...model, name: basename(file) }],
    track: trackRecordOf(ordered, (path) => portable(part.dir, path)),
  };
}

/**
 * `next` (a run of one or more new checkpoints, with its track) added to the track `previous`,
 * both of the same edited path: the earlier checkpoints' paths rebased onto next's folder, a
 * checkpoint run again replaced by its newer run, the oldest dropped beyond RESULT_LIMITS.models.
 * Without a usable previous track (none, or another path), next alone.
 */
export function mergeTrack(previous: TrackPart | null, next: TrackPart): ResultFile {
  const nextTrack = next.result.track;
  if (nextTrack === undefined) return next.result;
  const rebase = (path: string): string =>
    previous === null || path === '' || isAbsolute(path)
      ? path
      : portable(next.dir, resolve(previous.dir, path));
  const earlier =
    previous?.result.track === undefined || samePathProblem(previous.result, next.result) !== null
      ? []
      : (pairs(previous.result).map(([model, checkpoint]) => [
          rebaseModel(model, rebase),
          { ...checkpoint, file: rebase(checkpoint.file) },
        ]) as [ModelRecord, TrackCheckpoint][]);
  const added = pairs(next.result);
  const addedFiles = new Set(added.map(([, c]) => resolve(next.dir, c.file)));
  const all = [
    ...earlier.filter(([, c]) => !addedFiles.has(resolve(next.dir, c.file))),
    ...added,
  ].map(([model, checkpoint]) => ({
    model,
    file: checkpoint.file,
    mtimeMs: Date.parse(checkpoint.mtime),
  }));
  const ordered = orderCheckpoints(all);
  const kept = ordered.files.slice(-RESULT_LIMITS.models);
  return {
    ...next.result,
    models: kept.map((f) => f.model),
    track: trackRecordOf({ order: ordered.order, files: kept }),
  };
}

/** A result's models with their checkpoints (as many as both have). */
function pairs(result: ResultFile): [ModelRecord, TrackCheckpoint][] {
  const checkpoints = result.track?.checkpoints ?? [];
  return result.models.flatMap((model, i) => {
    const checkpoint = checkpoints[i];
    return checkpoint === undefined ? [] : [[model, checkpoint]];
  });
}

function rebaseModel(model: ModelRecord, rebase: (path: string) => string): ModelRecord {
  return {
    ...model,
    path: rebase(model.path),
    ...(model.files === undefined
      ? {}
      : { files: model.files.map((f) => ({ ...f, path: rebase(f.path) })) }),
  };
}
