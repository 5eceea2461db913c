// A folder run in the child: every image of a folder (or of a shard of it) through the same
// editor and classifiers, each into its own result folder under `OUT/images/`, then the summary
// `OUT/NAME.propsweep-folder.json`. The classifiers load once. An image the user must fix
// (unreadable, too large) is a failed row and the run goes on; one without the mask its editor
// needs is skipped. A cancel keeps what is done and writes its summary; the journal lets the next
// run with the same settings resume instead of recomputing.
//
// Throughput: the classifiers run on a thread of their own (classifierWorker.ts), because
// onnxruntime holds the thread that runs a batch; while image k is classified there (and image
// k + 1 resized for it), image k - 1 is measured and written and image k + 2 read and edited here
// (IMAGES_AT_ONCE). Images' files are written in order, and image k + 3 starts once image k is
// done, so at most three are in memory. An image's folder has no HTML report: the folder's
// summary is the report of the set.
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
import { encodePng, readImageFile, resizeImage, type ImageFile } from '../images/io';
import { loadAll, loadingMessage, loadModel } from '../models/loadModel';
import type { Classifier } from '../models/types';
import { writeAtomic } from '../store/atomic';
import { storageError } from '../store/errors';
import { cleanUpOnExit } from '../store/exitCleanup';
import { DIGEST_STORE, FrameCache } from '../store/frameCache';
import { mapLimited } from '../store/limited';
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
  type LoadedExplanation,
} from './explainRun';
import { isInputError } from './inputErrors';
import { startClassifierThread, type ClassifierThread } from './workerClassifiers';
import { openJournal, resumableRow, type JournalEntry, type JournalWriter } from './folderJournal';
import type { ExplainFolderRun, RunValue } from '../../shared/childProtocol';
import {
  FOLDER_FILE_SUFFIX,
  FOLDER_FILE_VERSION,
  folderSizeProblem,
  type FolderFile,
  type FolderImageRow,
  type FolderSettings,
} from '../../shared/folderFile';
import { modelRow, summarize } from '../../shared/folderSummary';
import { resultName, resultNameProblem } from '../../shared/names';
import { RESULT_LIMITS, stableStringify, type ContentRecord } from '../../shared/resultFile';

/** What the child provides to a folder run. */
export type FolderContext = Pick<ExplainContext, 'workerPath' | 'signal' | 'progress' | 'log'> & {
  /**
   * dist/classifierWorker.js: the classifiers then run on a thread of their own, while this one
   * edits, measures and writes the other images. Without it they run on this thread.
   */
  readonly classifierWorkerPath?: string | undefined;
};

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
  // A shard with no images (more shards than images) writes an empty summary that merges.
  if (listing.total === 0) {
    throw new EditorInputError(
      `${request.folder} has no images (png, jpg, jpeg, webp, bmp)${request.recursive ? '' : '; give --recursive for the images in its subfolders'}.`,
    );
  }
  const tooLarge = folderSizeProblem(
    listing.images.map((image) => image.relative),
    request.models.length,
    strengths.length,
  );
  if (tooLarge !== null) throw new EditorInputError(tooLarge);
  const created = await checkWritable(request.outDir);
  const scratch = await mkdtemp(join(tmpdir(), 'propsweep-folder-'));
  const dropExitCleanUp = cleanUpOnExit(() => {
    rmSync(scratch, { recursive: true, force: true });
    removeCreatedSync(request.outDir, created);
  });
  const classifiers: { name: string; classifier: Classifier }[] = [];
  let thread: ClassifierThread | null = null;
  try {
    const cache = new FrameCache(request.cacheDir);
    await cache.claim();
    thread =
      context.classifierWorkerPath === undefined
        ? null
        : startClassifierThread(context.classifierWorkerPath, context.log);
    context.progress({ phase: 'load', message: loadingMessage(request.models) });
    classifiers.push(
      ...(await loadAll(
        request.models,
        (spec, signal) => {
          const options = {
            provider: request.provider,
            deviceId: request.deviceId,
            workDir: scratch,
            signal,
          };
          return thread === null
            ? loadModel(spec, { ...options, log: context.log })
            : thread.load(spec, options);
        },
        context.signal,
      )),
    );
    // The files the parameters name (an overlay, a model folder) are the same for every image:
    // fingerprinted once, and their digest is part of the settings a resume or a merge compares.
    const content =
      (await editor.fingerprint?.(params, context.signal, join(cache.dir, DIGEST_STORE))) ?? null;
    const settings = folderSettings(request, editor, params, content, classifiers);
    // A folder holding a run of other settings or other images (another shard) is refused.
    const { journal, earlier } = await openJournal(
      request.outDir,
      join(request.outDir, `${request.name}${FOLDER_FILE_SUFFIX}`),
      {
        settings,
        selection: {
          folder: request.folder,
          recursive: request.recursive,
          limit: request.limit,
          shard: request.shard,
        },
      },
      listing.images.map((image) => image.relative),
    );
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
        content,
        classifiers,
        cache,
      },
    };
    const rows = await runImages(run, listing.images);
    const file = folderFile(request, settings, strengths, classifiers, rows, listing.images.length);
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
    await thread?.dispose();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The settings that must be equal for a resumed run and for merged shards. */
export function folderSettings(
  request: ExplainFolderRun,
  editor: ImageEditor,
  params: EditorParams,
  content: ContentRecord | null,
  classifiers: readonly { readonly name: string; readonly classifier: Classifier }[],
): FolderSettings {
  return {
    editor: editor.id,
    params,
    content: content?.sha256 ?? null,
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

/** Everything the images of a run share. */
interface FolderImageRun {
  readonly request: ExplainFolderRun;
  readonly context: FolderContext;
  readonly settings: FolderSettings;
  readonly steps: number;
  readonly journal: JournalWriter;
  readonly earlier: ReadonlyMap<string, JournalEntry>;
  readonly scratch: string;
  /** What every image's explanation shares (the rest is the image's own). */
  readonly explain: Omit<LoadedExplanation, 'request' | 'source' | 'mask' | 'context'>;
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
 * Images in the work at once. Three: while one is classified (on the classifier thread, see
 * FolderContext), the next is being resized for it there, and the third is read, edited,
 * measured or written on this one; at most three images' frames are in memory.
 */
export const IMAGES_AT_ONCE = 3;

/**
 * The images in order, IMAGES_AT_ONCE at a time: each is read and explained as soon as it starts,
 * and its row taken (its files written) in order, once every image before it is finished. Image i
 * is then announced ("Image i + 1 of N", done: i), and a cancel keeps exactly the images finished
 * before it and the one being written: no image starts or is written after it. The journal is
 * written whatever happens.
 */
async function runImages(
  run: FolderImageRun,
  images: readonly FolderImage[],
): Promise<FolderImageRow[]> {
  const { context } = run;
  const rows: FolderImageRow[] = [];
  // A function, not the property: the signal changes while the images are awaited.
  const cancelled = (): boolean => context.signal.aborted;
  const label = (i: number): string =>
    `Image ${i + 1} of ${images.length}: ${images[i]?.relative ?? ''}`;
  const open: (() => void)[] = [];
  const turns = images.map(
    (_, i) =>
      new Promise<void>((resolve) => {
        open[i] = resolve;
      }),
  );
  // Images finished out of order wait here until those before them are.
  const over = new Set<number>();
  let finished = 0;
  const take = (i: number): void => {
    if (!context.signal.aborted) {
      context.progress({ phase: 'image', message: label(i), done: i, total: images.length });
    }
    open[i]?.();
  };
  const finish = (i: number): void => {
    over.add(i);
    while (over.delete(finished)) {
      finished++;
      if (finished < images.length) take(finished);
    }
  };
  if (images.length > 0) take(0);
  try {
    // After a failure no image starts, and it is thrown once those under way have settled.
    await mapLimited(images, IMAGES_AT_ONCE, async (image, i) => {
      if (context.signal.aborted) return;
      try {
        const outcome = await imageOutcome(
          run,
          image,
          label(i),
          i,
          images.length,
          () => finished >= i,
        );
        await turns[i];
        if (outcome === 'cancelled' || cancelled()) return;
        rows.push('status' in outcome ? outcome : await writeImage(run, outcome));
      } finally {
        finish(i);
      }
    });
  } finally {
    await run.journal.flush();
  }
  return rows;
}

/** Reads and explains one image: what is to be written, or its row, or 'cancelled'. */
async function imageOutcome(
  run: FolderImageRun,
  image: FolderImage,
  label: string,
  index: number,
  total: number,
  current: () => boolean,
): Promise<Explained | FolderImageRow | 'cancelled'> {
  const prepared = await prepare(run, image);
  if (prepared.row !== undefined) return prepared.row;
  return explainImage(run, image, prepared, label, index, total, current);
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
  let file: ImageFile;
  try {
    file = await readImageFile(image.path);
  } catch (error) {
    if (!isInputError(error)) throw error;
    return { row: otherRow(image, 'failed', '', error.message) };
  }
  // An image an earlier run did, unchanged since, is resumed without being decoded.
  const resumed = await resumedRow(run, image, file.sha256);
  if (resumed !== null) return { row: resumed };
  try {
    const source = await loadSource(file);
    const mask = image.mask === null ? null : await loadMask(image.mask, source.image);
    return { source, mask };
  } catch (error) {
    if (!isInputError(error)) throw error;
    return { row: otherRow(image, 'failed', file.sha256, error.message) };
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
  /** Whether the image is the one shown (those before it finished): only its steps are told. */
  current: () => boolean,
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
          if (!current()) return;
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
  // The source at the frames' size goes beside them; its scratch copy goes once it is published.
  const sourcePng = join(run.scratch, `source-${explained.index}.png`);
  try {
    await writeExplanation(explanation, shown, {
      outDir: dir,
      name: files.stem,
      // The folder's summary is its report: an HTML report per image would double the bytes written.
      title: null,
      sourcePng,
      signal: new AbortController().signal,
      log: context.log,
    });
  } finally {
    await rm(sourcePng, { force: true });
  }
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
  /** The images selected: more than the rows when the run was stopped before it finished. */
  listed: number,
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
    listed,
    settings,
    strengths,
    labels: classifiers.map(({ classifier }) => classifier.info.labels),
    rows: summarized.rows,
    summary: summarized.summary,
  };
}
