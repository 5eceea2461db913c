// A folder run in the child: every image of a folder (or of a shard of it) through the same
// editor and classifiers, each into its own result folder under `OUT/images/`, then the summary
// `OUT/NAME.propsweep-folder.json`. The classifiers load once. An image the user must fix
// (unreadable, too large) is a failed row and the run goes on; one without the mask its editor
// needs is skipped. A cancel keeps what is done and writes its summary; the journal lets the next
// run with the same settings resume instead of recomputing.
//
// Throughput: while image k's frames are encoded and its result folder written (sharp's threads,
// the file system), image k + 1 is read, edited, classified and measured; its file is read while
// image k is explained. The write of image k is awaited before image k + 2 starts, so at most two
// images are in memory.
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import { rmSync } from 'node:fs';

import { EditorInputError, type EditorParams, type ImageEditor } from '../editors/types';
import { editorById } from '../editors/registry';
import {
  FolderListError,
  imageKey,
  listFolderImages,
  type FolderImage,
} from '../files/imageFolder';
import type { RgbImage } from '../images/image';
import { encodePng, resizeImage } from '../images/io';
import { loadModel, modelLabel } from '../models/loadModel';
import type { Classifier } from '../models/types';
import { writeAtomic } from '../store/atomic';
import { storageError, StoreInputError } from '../store/errors';
import { cleanUpOnExit } from '../store/exitCleanup';
import { FrameCache } from '../store/frameCache';
import { checkWritable, removeCreated, removeCreatedSync } from '../store/outputFolder';
import { portable } from '../store/resultFiles';
import {
  explainLoaded,
  loadMask,
  loadSource,
  otherSeedsFor,
  strengthsFor,
  writeExplanation,
  type ExplainContext,
} from './explainRun';
import { isInputError } from './inputErrors';
import {
  JournalWriter,
  readJournal,
  readSummarySettings,
  resumableRow,
  type JournalEntry,
} from './folderJournal';
import type { ExplainFolderRun, RunValue } from '../../shared/childProtocol';
import {
  FOLDER_FILE_SUFFIX,
  FOLDER_FILE_VERSION,
  type FolderFile,
  type FolderImageRow,
  type FolderSettings,
} from '../../shared/folderFile';
import { modelRow, settingsDifference, summarize } from '../../shared/folderSummary';
import { resultName, resultNameProblem } from '../../shared/names';
import { RESULT_LIMITS, stableStringify } from '../../shared/resultFile';

/** What the child provides to a folder run. */
export type FolderContext = Pick<ExplainContext, 'workerPath' | 'signal' | 'progress' | 'log'>;

/** The answer of a folder run. */
export type FolderValue = Extract<RunValue, { kind: 'folder' }>;

/** Longest side of an image's thumbnail in the summary table, in pixels. */
export const THUMBNAIL_SIDE = 96;

/**
 * Explains every image the request selects and writes the summary. Throws an AbortError after a
 * cancel, once the images done and their summary are written.
 */
export async function runFolder(
  request: ExplainFolderRun,
  context: FolderContext,
): Promise<FolderValue> {
  const nameProblem = resultNameProblem(request.name);
  if (nameProblem !== null) {
    throw new EditorInputError(
      `The summary name "${request.name}" cannot be used: ${nameProblem}.`,
    );
  }
  const editor = editorById(request.editor);
  if (editor.recorded === true) {
    throw new EditorInputError(
      `The ${editor.id} editor replays a recorded sequence of one image; a folder run needs an editor that edits each image.`,
    );
  }
  const params = editor.resolveParams(request.params);
  const otherSeeds = otherSeedsFor(editor, request);
  const period = editor.periodOf?.(params);
  const strengths = await strengthsFor(editor, params, request.steps, period);
  const listing = await listFolderImages(request.folder, {
    recursive: request.recursive,
    limit: request.limit,
    shard: request.shard,
    exclude: [request.outDir],
  }).catch((error: unknown) => {
    throw error instanceof FolderListError ? new EditorInputError(error.message) : error;
  });
  if (listing.images.length === 0) {
    throw new EditorInputError(
      listing.total === 0
        ? `${request.folder} has no images (png, jpg, jpeg, webp, bmp)${request.recursive ? '' : '; give --recursive for the images in its subfolders'}.`
        : `Shard ${String(request.shard?.index)}/${String(request.shard?.count)} of ${request.folder} has no images: the folder has ${listing.total}${request.limit === null ? '' : ` (${request.limit} taken with --limit)`}, fewer than the shards.`,
    );
  }
  const created = await checkWritable(request.outDir);
  const scratch = await mkdtemp(join(tmpdir(), 'propsweep-folder-'));
  const dropExitCleanUp = cleanUpOnExit(() => {
    rmSync(scratch, { recursive: true, force: true });
    removeCreatedSync(request.outDir, created);
  });
  const classifiers: { name: string; classifier: Classifier }[] = [];
  try {
    const cache = new FrameCache(request.cacheDir);
    await cache.claim();
    for (const spec of request.models) {
      context.signal.throwIfAborted();
      context.progress({ phase: 'load', message: `Loading ${modelLabel(spec)}` });
      classifiers.push(
        await loadModel(spec, {
          provider: request.provider,
          deviceId: request.deviceId,
          workDir: scratch,
          log: context.log,
          signal: context.signal,
        }),
      );
    }
    const settings = folderSettings(request, editor, params, classifiers);
    const { journal, earlier } = await openJournal(request, settings);
    const run: FolderImageRun = {
      request,
      context,
      settings,
      steps: strengths.length,
      journal,
      earlier: new Map(earlier.map((e) => [e.image, e])),
      scratch,
      explain: {
        editor,
        params,
        strengths,
        otherSeeds,
        period,
        classifiers,
        cache,
      },
    };
    const rows = await runImages(run, listing.images);
    const file = folderFile(request, settings, strengths, classifiers, rows);
    const summaryPath = join(request.outDir, `${request.name}${FOLDER_FILE_SUFFIX}`);
    await writeAtomic(summaryPath, stableStringify(file));
    context.signal.throwIfAborted();
    return { kind: 'folder', summaryPath, file };
  } catch (error) {
    await removeCreated(request.outDir, created);
    throw storageError(error, request.outDir) ?? error;
  } finally {
    dropExitCleanUp();
    await Promise.all(classifiers.map(({ classifier }) => classifier.dispose()));
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The settings that must be equal for a resumed run and for merged shards. */
export function folderSettings(
  request: ExplainFolderRun,
  editor: ImageEditor,
  params: EditorParams,
  classifiers: readonly { readonly name: string; readonly classifier: Classifier }[],
): FolderSettings {
  return {
    editor: editor.id,
    params,
    steps: request.steps,
    seed: request.seed,
    seeds: request.seeds ?? 1,
    permutations: request.permutations,
    alpha: request.alpha,
    legacy: request.legacy ?? false,
    adjustment: request.adjustment,
    models: classifiers.map(({ name, classifier: { info } }) => ({
      name,
      kind: info.kind,
      sha256: info.sha256,
      files: info.files.map((f) => f.sha256),
    })),
  };
}

/**
 * The journal of this run. A folder whose journal or summary was made with other settings is
 * refused: mixing them would make a summary of images measured unlike.
 */
async function openJournal(
  request: ExplainFolderRun,
  settings: FolderSettings,
): Promise<{ journal: JournalWriter; earlier: readonly JournalEntry[] }> {
  const journal = await readJournal(request.outDir);
  const summary = await readSummarySettings(
    join(request.outDir, `${request.name}${FOLDER_FILE_SUFFIX}`),
  );
  for (const [what, earlier] of [
    ['a run', journal?.settings ?? null],
    ['the summary', summary],
  ] as const) {
    if (earlier === null) continue;
    const difference = settingsDifference(settings, earlier, ['now', 'before']);
    if (difference !== null) {
      throw new StoreInputError(
        `${request.outDir} holds ${what} made with other settings (${difference}). Give another --out for these settings, or run again with the earlier ones to resume it.`,
      );
    }
  }
  const earlier = journal?.images ?? [];
  return { journal: new JournalWriter(request.outDir, settings, earlier), earlier };
}

/** Everything the images of a run share. */
interface FolderImageRun {
  readonly request: ExplainFolderRun;
  readonly context: FolderContext;
  readonly settings: FolderSettings;
  readonly steps: number;
  readonly journal: JournalWriter;
  readonly earlier: ReadonlyMap<string, JournalEntry>;
  readonly scratch: string;
  readonly explain: {
    readonly editor: ImageEditor;
    readonly params: EditorParams;
    readonly strengths: readonly number[];
    readonly otherSeeds: readonly number[];
    readonly period: number | undefined;
    readonly classifiers: readonly { readonly name: string; readonly classifier: Classifier }[];
    readonly cache: FrameCache;
  };
}

/** An image read and ready to explain, or its row when there is nothing to explain. */
type Prepared =
  | { readonly row: FolderImageRow }
  | {
      readonly row?: undefined;
      readonly source: Awaited<ReturnType<typeof loadSource>>;
      readonly mask: Awaited<ReturnType<typeof loadMask>> | null;
    };

/**
 * The images in order, each read while the one before is explained and explained while the one
 * before is written. Stops between images on a cancel, with the rows of the images done; the
 * journal is written whatever happens.
 */
async function runImages(
  run: FolderImageRun,
  images: readonly FolderImage[],
): Promise<FolderImageRow[]> {
  const { context } = run;
  const rows: FolderImageRow[] = [];
  let writing: Promise<void> = Promise.resolve();
  // A read started ahead must not reject unobserved: its error is its image's row.
  const prepareAhead = (image: FolderImage | undefined): Promise<Prepared> | undefined =>
    image === undefined ? undefined : prepare(run, image);
  let next = prepareAhead(images[0]);
  try {
    for (const [i, image] of images.entries()) {
      if (context.signal.aborted || next === undefined) break;
      const label = `Image ${i + 1} of ${images.length}: ${image.relative}`;
      context.progress({ phase: 'image', message: label, done: i, total: images.length });
      const prepared = await next;
      next = prepareAhead(images[i + 1]);
      if (prepared.row !== undefined) {
        rows.push(prepared.row);
        continue;
      }
      const explained = await explainImage(run, image, prepared, label, i, images.length);
      if (explained === 'cancelled') break;
      if ('status' in explained) {
        rows.push(explained);
        continue;
      }
      // The previous image's files are written before this one's start (memory stays bounded);
      // its failure ends the run.
      await writing;
      writing = writeImage(run, explained).then((row) => {
        rows.push(row);
      });
      // Awaited below; marked handled so that its failure is not reported as unhandled meanwhile.
      writing.catch(() => undefined);
    }
    await writing;
  } finally {
    // Settled, so that nothing runs on behind the answer; its error (if any) is already thrown
    // or is the same kind of failure as the one being thrown.
    await writing.catch(() => undefined);
    await next?.catch(() => undefined);
    await run.journal.flush();
  }
  return rows;
}

/** Reads an image (and its mask), or says why it is skipped, failed or already done. */
async function prepare(run: FolderImageRun, image: FolderImage): Promise<Prepared> {
  const { editor } = run.explain;
  if (editor.needsMask && image.mask === null) {
    return {
      row: otherRow(
        image,
        'skipped',
        '',
        `no mask ${basename(image.path).replace(/\.[^.]+$/, '')}.mask.png beside it (the ${editor.id} editor edits a region)`,
      ),
    };
  }
  let source: Awaited<ReturnType<typeof loadSource>>;
  try {
    source = await loadSource(image.path);
  } catch (error) {
    if (!isInputError(error)) throw error;
    return { row: otherRow(image, 'failed', '', error.message) };
  }
  const resumed = await resumedRow(run, image, source.sha256);
  if (resumed !== null) return { row: resumed };
  try {
    const mask = image.mask === null ? null : await loadMask(image.mask, source.image);
    return { source, mask };
  } catch (error) {
    if (!isInputError(error)) throw error;
    return { row: otherRow(image, 'failed', source.sha256, error.message) };
  }
}

/** The journal's row of an image done by an earlier run, when its files are still there. */
async function resumedRow(
  run: FolderImageRun,
  image: FolderImage,
  sha256: string,
): Promise<FolderImageRow | null> {
  const entry = run.earlier.get(image.relative);
  if (entry === undefined) return null;
  const files = filesOf(run, image);
  const row = resumableRow(entry, {
    image: image.relative,
    sha256,
    resultFile: files.resultFile,
    thumbnail: files.thumbnail,
    settings: run.settings,
    steps: run.steps,
  });
  if (row === null) return null;
  const there = await Promise.all(
    [files.resultFile, files.thumbnail].map((f) =>
      stat(join(run.request.outDir, ...f.split('/'))).then(
        (s) => s.isFile(),
        () => false,
      ),
    ),
  );
  return there.every(Boolean) ? row : null;
}

/** Where an image's files go, relative to the output folder ('/'-separated). */
function filesOf(
  run: FolderImageRun,
  image: FolderImage,
): { key: string; stem: string; resultFile: string; thumbnail: string } {
  const key = imageKey(image.relative);
  const stem = resultName(image.relative, run.explain.editor.id);
  return {
    key,
    stem,
    resultFile: `images/${key}/${stem}.propsweep.json`,
    thumbnail: `images/${key}/thumb.png`,
  };
}

/** An explained image whose files are still to be written. */
interface Explained {
  readonly image: FolderImage;
  readonly source: RgbImage;
  readonly sha256: string;
  readonly outcome: Awaited<ReturnType<typeof explainLoaded>>;
  readonly index: number;
}

/**
 * Explains one image; a failure that is the user's to fix (a path too large, a model that refuses
 * it) is the image's failed row, unless the run was cancelled.
 */
async function explainImage(
  run: FolderImageRun,
  image: FolderImage,
  prepared: Exclude<Prepared, { row: FolderImageRow }>,
  label: string,
  index: number,
  total: number,
): Promise<Explained | FolderImageRow | 'cancelled'> {
  const { context, request } = run;
  const { key } = filesOf(run, image);
  // The image's own signal follows the run's only while it is explained: its frames, encoded
  // after a cancel, are still written (see writeImage).
  const own = new AbortController();
  const follow = (): void => {
    own.abort(context.signal.reason);
  };
  context.signal.addEventListener('abort', follow, { once: true });
  if (context.signal.aborted) follow();
  try {
    const outcome = await explainLoaded({
      request: { ...request, outDir: join(request.outDir, 'images', key) },
      ...run.explain,
      source: prepared.source,
      mask: prepared.mask,
      context: {
        ...context,
        signal: own.signal,
        // The step's own phase, so that the next image's start (phase 'image') goes out at once.
        progress: (p) => {
          context.progress({
            phase: p.phase ?? 'image',
            message: `${label}: ${p.message}`,
            done: index,
            total,
          });
        },
      },
    });
    return { image, source: prepared.source.image, sha256: prepared.source.sha256, outcome, index };
  } catch (error) {
    if (context.signal.aborted) return 'cancelled';
    if (!isInputError(error)) throw error;
    return otherRow(image, 'failed', prepared.source.sha256, error.message);
  } finally {
    context.signal.removeEventListener('abort', follow);
  }
}

/**
 * Writes an explained image's result folder and thumbnail and journals it. Not cancelled: a cancel
 * lets the image finish (a few PNGs), so that what was computed is kept.
 */
async function writeImage(run: FolderImageRun, explained: Explained): Promise<FolderImageRow> {
  const { request, context } = run;
  const files = filesOf(run, explained.image);
  const dir = join(request.outDir, 'images', files.key);
  await mkdir(dir, { recursive: true });
  const { explanation, shown } = explained.outcome;
  await writeExplanation(explanation, shown, {
    outDir: dir,
    name: files.stem,
    title: `${explained.image.relative}: ${run.explain.editor.title}`,
    sourcePng: join(run.scratch, `source-${explained.index}.png`),
    signal: new AbortController().signal,
    log: context.log,
  });
  await writeAtomic(join(dir, 'thumb.png'), await thumbnail(explained.source));
  const row: FolderImageRow = {
    image: explained.image.relative,
    status: 'done',
    sha256: explained.sha256,
    result_file: files.resultFile,
    thumbnail: files.thumbnail,
    reason: null,
    resumed: false,
    models: shown.models.map((m) => ({ ...modelRow(m), p_adjusted: 1, significant: false })),
  };
  await run.journal.add({ image: row.image, sha256: row.sha256, row });
  return row;
}

/** A PNG of the image, THUMBNAIL_SIDE pixels on its longer side (never enlarged). */
async function thumbnail(image: RgbImage): Promise<Uint8Array> {
  const scale = Math.min(1, THUMBNAIL_SIDE / Math.max(image.width, image.height));
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  return encodePng(scale === 1 ? image : await resizeImage(image, width, height));
}

function otherRow(
  image: FolderImage,
  status: 'skipped' | 'failed',
  sha256: string,
  reason: string,
): FolderImageRow {
  return {
    image: image.relative,
    status,
    sha256,
    result_file: null,
    thumbnail: null,
    reason: reason.slice(0, RESULT_LIMITS.text),
    resumed: false,
    models: [],
  };
}

function folderFile(
  request: ExplainFolderRun,
  settings: FolderSettings,
  strengths: readonly number[],
  classifiers: readonly { readonly classifier: Classifier }[],
  rows: readonly FolderImageRow[],
): FolderFile {
  const summarized = summarize(settings, rows);
  return {
    propsweep_folder: FOLDER_FILE_VERSION,
    created: new Date().toISOString(),
    folder: portable(request.outDir, request.folder),
    recursive: request.recursive,
    limit: request.limit,
    shard: request.shard,
    merged: [],
    settings,
    strengths,
    labels: classifiers.map(({ classifier }) => classifier.info.labels),
    rows: summarized.rows,
    summary: summarized.summary,
  };
}
