import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import { assessEdit } from '../editors/quality';
import { editorById, intendedRegion } from '../editors/registry';
import { loadSequence } from '../editors/sequence';
import { EditorInputError, type EditorParams, type ImageEditor } from '../editors/types';
import type { GrayImage, RgbImage } from '../images/image';
import {
  decodeImageFile,
  encodePng,
  readImage,
  readImageFile,
  readMaskHashed,
  resizeImage,
  type ImageFile,
} from '../images/io';
import { loadAll, loadingMessage, loadModel } from '../models/loadModel';
import { WarmClassifiers } from '../models/warmClassifiers';
import type { Classifier } from '../models/types';
import { explain, type Explanation, type LoadedImage, type PipelineImaging } from './explain';
import { storageError } from '../store/errors';
import { FrameCache } from '../store/frameCache';
import { cleanUpOnExit } from '../store/exitCleanup';
import { checkWritable, removeCreated, removeCreatedSync } from '../store/outputFolder';
import { portable } from '../store/resultFiles';
import { writeResult, type WrittenResult } from '../store/resultWriter';
import { previewFrames } from './preview';
import type { ExplainRun, RunPreview, RunProgress, RunValue } from '../../shared/childProtocol';
import type { ContentRecord, ResultFile } from '../../shared/resultFile';
import { runSizeProblem, seedsProblem } from '../../shared/limits';

/** What the inference child keeps loaded between explanations (ExplainContext.warm). */
export { WarmClassifiers };

/** What the child provides to an explain run. */
export interface ExplainContext {
  readonly workerPath: string;
  readonly signal: AbortSignal;
  readonly progress: (progress: RunProgress) => void;
  /** Given when the caller shows the answer before the frames are written (see `run/preview`). */
  readonly preview?: ((preview: RunPreview) => void) | undefined;
  readonly log: (message: string) => void;
  /** Keeps classifiers loaded for the next run (the inference child's; none: loaded per run). */
  readonly warm?: WarmClassifiers | undefined;
}

/**
 * Runs one explanation in the child: reads the image and mask, loads the classifiers, edits once,
 * classifies with every model, measures, previews the answer (when asked), then writes the frames
 * and the result folder.
 */
export async function runExplain(
  request: ExplainRun,
  context: ExplainContext,
): Promise<Extract<RunValue, { kind: 'explain' }>> {
  // Before any work: an output folder that cannot be written fails now, not after inference.
  const created = await checkWritable(request.outDir);
  const scratch = await mkdtemp(join(tmpdir(), 'propsweep-frames-'));
  // A run killed or interrupted meanwhile leaves neither its scratch nor an empty output folder.
  const dropExitCleanUp = cleanUpOnExit(() => {
    rmSync(scratch, { recursive: true, force: true });
    removeCreatedSync(request.outDir, created);
  });
  try {
    return await explainInto(request, context, scratch);
  } catch (error) {
    // Nothing of a failed run stays: publishResult removed its temporaries and partial frames,
    // and the folder goes too if it was made for this run.
    await removeCreated(request.outDir, created);
    throw storageError(error, request.outDir) ?? error;
  } finally {
    dropExitCleanUp();
    await rm(scratch, { recursive: true, force: true });
  }
}

async function explainInto(
  request: ExplainRun,
  context: ExplainContext,
  scratch: string,
): Promise<Extract<RunValue, { kind: 'explain' }>> {
  const { signal } = context;
  const editor = editorById(request.editor);
  const params = editor.resolveParams(request.params);
  const recorded = editor.recorded === true;
  // Recorded frames are files already, and a cache key cannot see them change on disk: they go
  // through a scratch cache of this run only.
  const cache = new FrameCache(recorded ? scratch : request.cacheDir);
  await cache.claim(); // makes the folder and checks it can be written
  // A recorded sequence is its own source: its first frame is the reference image.
  const sourcePath = recorded
    ? ((await loadSequence(params)).frames[0]?.path ?? request.image)
    : request.image;
  const source = await loadSource(sourcePath);
  const mask = request.mask === undefined ? null : await loadMask(request.mask, source.image);
  if (editor.needsMask && mask === null) {
    throw new EditorInputError(
      `The ${editor.id} editor edits a region: give its mask with --mask MASK.png (white = the region, same size as the image).`,
    );
  }
  const otherSeeds = otherSeedsFor(editor, request);
  const period = editor.periodOf?.(params);
  const strengths = await strengthsFor(editor, params, request.steps, period);
  signal.throwIfAborted();
  const classifiers: { name: string; classifier: Classifier }[] = [];
  try {
    context.progress({ phase: 'load', message: loadingMessage(request.models) });
    classifiers.push(
      ...(await loadAll(
        request.models,
        (spec, loading) =>
          loadModel(spec, {
            provider: request.provider,
            deviceId: request.deviceId,
            workDir: scratch,
            log: context.log,
            signal: loading,
            // A track run's checkpoints come once each (the next run has the next checkpoint):
            // kept, they would only hold memory, a GPU's too, while the training goes on.
            warm: request.track === undefined ? context.warm : undefined,
          }),
        signal,
      )),
    );
    const { explanation, shown } = await explainLoaded({
      request,
      editor,
      params,
      strengths,
      otherSeeds,
      period,
      classifiers,
      cache,
      source,
      mask,
      context,
    });
    if (context.preview !== undefined) {
      // Downscaled in a few milliseconds a frame; the PNGs take longer, and are not needed to read
      // the answer.
      const frames = previewFrames(explanation.frames);
      if (frames !== null) context.preview({ result: shown, frames });
    }
    const written = await writeExplanation(explanation, shown, {
      outDir: request.outDir,
      name: request.name,
      title: `${basename(sourcePath)}: ${editor.title}`,
      sourcePng: join(scratch, 'source.png'),
      signal,
      log: context.log,
    });
    return {
      kind: 'explain',
      resultPath: written.resultPath,
      reportPath: written.reportPath,
      result: written.result,
    };
  } finally {
    await Promise.all(classifiers.map(({ classifier }) => classifier.dispose()));
  }
}

/** The options of an image's explanation that the steps below read (a folder run gives its own). */
export type ImageRunOptions = Pick<
  ExplainRun,
  | 'seed'
  | 'permutations'
  | 'alpha'
  | 'legacy'
  | 'edgeOrder'
  | 'provider'
  | 'deviceId'
  | 'editMemoryMB'
  | 'outDir'
  | 'track'
>;

/** An image with its classifiers loaded: everything `explainLoaded` needs. */
export interface LoadedExplanation {
  readonly request: ImageRunOptions;
  readonly editor: ImageEditor;
  readonly params: EditorParams;
  readonly strengths: readonly number[];
  readonly otherSeeds: readonly number[];
  readonly period: number | undefined;
  /** The editor's fingerprint when made already (see ExplainRequest.content). */
  readonly content?: ContentRecord | null | undefined;
  readonly classifiers: readonly { readonly name: string; readonly classifier: Classifier }[];
  readonly cache: FrameCache;
  readonly source: LoadedImage<RgbImage> & { readonly notes: readonly string[] };
  readonly mask: LoadedImage<GrayImage> | null;
  readonly context: Pick<ExplainContext, 'workerPath' | 'signal' | 'progress' | 'log'>;
}

/**
 * Checks the run's size, explains, and makes the result as it will be saved: paths relative to
 * `request.outDir`, the image's reading notes on every model. The frames are not written yet.
 */
export async function explainLoaded(
  run: LoadedExplanation,
): Promise<{ explanation: Explanation; shown: ResultFile }> {
  const { request, source, mask, classifiers, context } = run;
  const tooLarge = runSizeProblem({
    steps: run.strengths.length,
    width: source.image.width,
    height: source.image.height,
    outputs: classifiers.map(({ classifier }) => classifier.info.outputs),
    labels: classifiers.map(({ classifier }) => classifier.info.labels),
  });
  if (tooLarge !== null) throw new EditorInputError(`${basename(source.path)}: ${tooLarge}`);
  const explanation = await explain({
    source: {
      image: source.image,
      path: portable(request.outDir, source.path),
      sha256: source.sha256,
    },
    mask: mask === null ? null : { ...mask, path: portable(request.outDir, mask.path) },
    editor: run.editor,
    params: run.params,
    strengths: run.strengths,
    seed: request.seed,
    otherSeeds: run.otherSeeds,
    content: run.content,
    classifiers,
    measure: {
      permutations: request.permutations,
      alpha: request.alpha,
      legacy: request.legacy,
      edgeOrder: request.edgeOrder,
      period: run.period,
    },
    cache: run.cache,
    imaging: imagingFor(run.editor, run.params),
    workerPath: context.workerPath,
    runtime: {
      provider: request.provider,
      deviceId: request.deviceId,
      memoryBudgetMB: request.editMemoryMB,
      log: context.log,
    },
    signal: context.signal,
    onProgress: context.progress,
  });
  context.signal.throwIfAborted();
  const { result } = explanation;
  const notes = source.notes.map((n) => `${basename(source.path)}: ${n}`);
  const models = result.models.map((m) => ({
    ...m,
    path: m.path === '' ? '' : portable(request.outDir, m.path),
    ...(m.files === undefined
      ? {}
      : { files: m.files.map((f) => ({ ...f, path: portable(request.outDir, f.path) })) }),
    notes: [...notes, ...m.notes],
  }));
  const { track } = request;
  const shown: ResultFile = {
    ...result,
    models,
    ...(track !== undefined && {
      track: {
        ...track,
        checkpoints: track.checkpoints.map((c) => ({
          ...c,
          file: portable(request.outDir, c.file),
        })),
      },
    }),
  };
  return { explanation, shown };
}

/** Where and how `writeExplanation` writes a result. */
export interface WriteOptions<Title extends string | null = string | null> {
  readonly outDir: string;
  readonly name: string;
  /** The HTML report's title; null writes no report (see writeResult). */
  readonly title: Title;
  /** A scratch file for the source at the frames' size (written only when the result needs it). */
  readonly sourcePng: string;
  readonly signal: AbortSignal;
  readonly log: (message: string) => void;
}

/** Encodes the frames the cache lacks and publishes the result folder (see writeResult). */
export async function writeExplanation(
  explanation: Explanation,
  shown: ResultFile,
  options: WriteOptions<string>,
): Promise<WrittenResult & { readonly reportPath: string }>;
export async function writeExplanation(
  explanation: Explanation,
  shown: ResultFile,
  options: WriteOptions,
): Promise<WrittenResult>;
export async function writeExplanation(
  explanation: Explanation,
  shown: ResultFile,
  options: WriteOptions,
): Promise<WrittenResult> {
  const framePaths = await explanation.writeFrames();
  // The source at the frames' size goes beside them, so the panel and the report show it next to
  // the reconstruction without reading outside the result's folder.
  let sourcePng: string | undefined;
  if (explanation.reference !== null) {
    sourcePng = options.sourcePng;
    await writeFile(sourcePng, await encodePng(explanation.reference));
  }
  options.signal.throwIfAborted();
  return writeResult(
    options.outDir,
    options.name,
    shown,
    framePaths,
    options.title,
    options.log,
    sourcePng,
  );
}

/** Seeds seed + 1, ... (wrapping at 2^32) for --seeds K; refused for editors without randomness. */
export function otherSeedsFor(
  editor: ImageEditor,
  request: Pick<ExplainRun, 'seed' | 'seeds'>,
): number[] {
  const count = request.seeds ?? 1;
  const problem = seedsProblem(count);
  if (problem !== null) throw new EditorInputError(`--${problem}.`);
  if (count > 1 && editor.random !== true) {
    throw new EditorInputError(
      `The ${editor.id} editor makes the same path whatever the seed, so --seeds ${count} would only repeat it. Several seeds show the noise floor of editors with randomness (instruct-pix2pix, noise).`,
    );
  }
  return Array.from({ length: count - 1 }, (_, j) => (request.seed + j + 1) % 2 ** 32);
}

/** sharp-backed image work; the quality report judges the region the edit is meant to change. */
export function imagingFor(editor: ImageEditor, params: EditorParams): PipelineImaging {
  return {
    encodePng,
    decodePng: async (path) => (await readImage(path)).image,
    resize: resizeImage,
    assessEdit: (source, frames, mask) =>
      assessEdit(source, frames, intendedRegion(editor, params, mask)),
  };
}

/** The source image, from its path or from its bytes read already (readImageFile). */
export async function loadSource(
  from: string | ImageFile,
): Promise<LoadedImage<RgbImage> & { notes: readonly string[] }> {
  const file = typeof from === 'string' ? await readImageFile(from) : from;
  const { image, notes, sha256 } = await decodeImageFile(file);
  return { image, path: file.path, sha256, notes };
}

export async function loadMask(path: string, source: RgbImage): Promise<LoadedImage<GrayImage>> {
  const { image, sha256 } = await readMaskHashed(path, {
    width: source.width,
    height: source.height,
  });
  return { image, path, sha256 };
}

/**
 * Parametric editors sweep t = 0..1 evenly; a path that goes all the way round stops one step
 * short of its period (t = period is t = 0 again); a recorded sequence brings its own strengths.
 */
export async function strengthsFor(
  editor: ImageEditor,
  params: EditorParams,
  steps: number,
  period: number | undefined,
): Promise<number[]> {
  if (editor.strengthsFor !== undefined) return editor.strengthsFor(params, steps);
  if (period !== undefined) return Array.from({ length: steps }, (_, k) => (k * period) / steps);
  return Array.from({ length: steps }, (_, k) => k / (steps - 1));
}
