import { join } from 'node:path';

import { stableStringify, type ResultFile } from '../../shared/resultFile';
import { pngDataUri } from '../share/dataUris';
import { renderReport, reportFrameIndices } from '../share/reportHtml';
import { publishResult, withSourceFile, type FrameSource } from './publish';
import { STALE_LOCK_MS } from './resultLock';

/** What was written, all inside `dir`. */
export interface WrittenResult {
  /** The result as saved (frame paths relative to the result file). */
  readonly result: ResultFile;
  readonly resultPath: string;
  /** The HTML report, or null when none was asked for (a title of null). */
  readonly reportPath: string | null;
  readonly framesDir: string;
}

/**
 * Writes `NAME.propsweep.json`, its frames (files to copy, or PNG bytes: FrameSource) in
 * `NAME.frames/VERSION/` and a self-contained `NAME.report.html` titled `title` (none when `title`
 * is null: a folder run's images, whose folder has its own report) into `dir` (see publishResult:
 * a failed, cancelled or killed write leaves the previous result whole, and the frames of a JSON a
 * reader has read stay until the publish after the one that replaced it). `log` hears, once, that another writer of the result is waited for.
 * `sourcePath`, a PNG of the source at the frames' size, is published beside the frames
 * (`NAME.frames/VERSION/source.png`) and recorded as `reconstruction.file`: only for a result with
 * a `reconstruction` (an editor whose first frame is not the source).
 */
export async function writeResult(
  dir: string,
  name: string,
  result: ResultFile,
  frames: readonly FrameSource[],
  title: string,
  log?: (message: string) => void,
  sourcePath?: string,
): Promise<WrittenResult & { readonly reportPath: string }>;
export async function writeResult(
  dir: string,
  name: string,
  result: ResultFile,
  frames: readonly FrameSource[],
  title: string | null,
  log?: (message: string) => void,
  sourcePath?: string,
): Promise<WrittenResult>;
export async function writeResult(
  dir: string,
  name: string,
  result: ResultFile,
  frames: readonly FrameSource[],
  title: string | null,
  log?: (message: string) => void,
  sourcePath?: string,
): Promise<WrittenResult> {
  if (frames.length !== result.frames.length) {
    throw new Error(`the result has ${result.frames.length} frames but ${frames.length} images`);
  }
  const { reconstruction } = result;
  if (sourcePath !== undefined && reconstruction === undefined)
    throw new Error('a source image is written beside the frames only for a reconstruction');
  // The report embeds the frames it shows: their bytes come from the one read that copies them,
  // and only those are decoded ('' leaves a frame out).
  const uris = frames.map(() => '');
  const shown = new Set(title === null ? [] : reportFrameIndices(frames.length));
  let sourceUri = '';
  let saved = result;
  const { resultPath, names } = await publishResult(
    dir,
    name,
    frames,
    ({ frameFiles, sourceFile }) => {
      saved = {
        ...withSourceFile(result, sourceFile),
        frames: result.frames.map((f, k) => ({ ...f, file: frameFiles[k] ?? '' })),
      };
      return {
        json: stableStringify(saved),
        extras:
          title === null
            ? []
            : [
                {
                  name: reportName(name),
                  contents: renderReport(title, [
                    { title, result: saved, frameUris: uris, sourceUri },
                  ]),
                },
              ],
      };
    },
    {
      onFrame: (k, bytes) => {
        if (shown.has(k)) uris[k] = pngDataUri(bytes);
      },
      source: sourcePath,
      onSource: (bytes) => {
        if (title !== null) sourceUri = pngDataUri(bytes, 'the source image');
      },
      onLockBusy: () =>
        log?.(
          `propsweep: another run is writing ${join(dir, name)}.propsweep.json; waiting for it to finish (at most ${String(STALE_LOCK_MS / 1000)} s, then its lock is taken over).`,
        ),
    },
  );
  return {
    result: saved,
    resultPath,
    reportPath: title === null ? null : join(dir, reportName(name)),
    framesDir: join(dir, names.framesDir),
  };
}

/** The HTML report of result NAME, beside it: one per result, so results in one folder keep theirs. */
function reportName(name: string): string {
  return `${name}.report.html`;
}
