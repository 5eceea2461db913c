import type { StepChange } from '../editors/quality';
import type { EditorParams, ImageEditor } from '../editors/types';
import type { GrayImage, RgbImage } from '../images/image';
import { analyse, complete, type EdgeOrder } from '../measures';
import type { Classifier } from '../models/types';
import type { EditQuality, FrameRecord, ModelRecord, ResultFile } from '../../shared/resultFile';
import { RESULT_FILE_VERSION } from '../../shared/resultFile';
import { isDecodablePngFile } from '../share/pngCheck';
import { FrameCache } from '../store/frameCache';
import { FILE_CONCURRENCY, mapLimited } from '../store/limited';
import { toMeasureJson } from './measureJson';
import { runPermutationTest } from './permutationPool';

/** A loaded image with where it came from. */
export interface LoadedImage<T> {
  readonly image: T;
  readonly path: string;
  readonly sha256: string;
}

/** Image work the pipeline needs (sharp in the child process; plain objects in tests). */
export interface PipelineImaging {
  encodePng(image: RgbImage): Promise<Uint8Array>;
  decodePng(path: string): Promise<RgbImage>;
  /** Whether a cached frame's file is whole, for editors that render instead of decoding (a PNG check by default). */
  isIntact?: ((path: string) => Promise<boolean>) | undefined;
  assessEdit(
    source: RgbImage,
    frames: readonly RgbImage[],
    mask: GrayImage | undefined,
  ): { steps: StepChange[]; quality: EditQuality };
}

/** Where a run is. */
export interface ExplainProgress {
  readonly phase: 'edit' | 'classify' | 'measure';
  readonly done: number;
  readonly total: number;
  readonly message: string;
}

/** One explanation: one image, one editor, one or more classifiers on the same edited images. */
export interface ExplainRequest {
  readonly source: LoadedImage<RgbImage>;
  readonly mask: LoadedImage<GrayImage> | null;
  readonly editor: ImageEditor;
  /** Resolved parameters (defaults filled in). */
  readonly params: EditorParams;
  readonly strengths: readonly number[];
  readonly seed: number;
  readonly classifiers: readonly { readonly name: string; readonly classifier: Classifier }[];
  readonly measure: {
    readonly permutations: number;
    readonly alpha: number;
    readonly legacy?: boolean | undefined;
    readonly edgeOrder?: EdgeOrder | undefined;
    readonly period?: number | undefined;
  };
  /** Where edited frames are kept between runs (a scratch folder when they must not be reused). */
  readonly cache: FrameCache;
  readonly imaging: PipelineImaging;
  /** dist/permutationWorker.js, for large shuffle tests. */
  readonly workerPath: string;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((progress: ExplainProgress) => void) | undefined;
}

/** The explanation, its edited images, and the writing of their PNG files. */
export interface Explanation {
  readonly result: ResultFile;
  /** The edited images in path order, as every classifier saw them. */
  readonly frames: readonly RgbImage[];
  /**
   * Encodes the frames the cache lacks as PNG and stores them, a few at a time; resolves to every
   * frame's cached file, in path order. Nothing is encoded before the first call (later calls
   * return the same promise); the request's signal stops it between frames, and a failure is
   * thrown only once every started write has settled.
   */
  readonly writeFrames: () => Promise<readonly string[]>;
}

/**
 * Edits once, classifies many: every classifier sees the same edited images, which come from the
 * content-addressed cache when an earlier run made them. Returns once the measures are done, with
 * the new frames not yet encoded: PNG encoding costs a fifth to a third of a small model's
 * inference, so the caller shows the answer first and then writes the frames (`writeFrames`).
 * Encoding never overlaps inference or the measures, whose threads it would slow down by more
 * than it saves.
 */
export async function explain(request: ExplainRequest): Promise<Explanation> {
  const started = performance.now();
  const path = await editPath(request);
  const { frames, parameters } = path;
  const edited = performance.now();
  const outputs: { readonly outputs: readonly Float32Array[]; readonly ms: number }[] = [];
  const total = request.classifiers.length;
  for (const [i, { name, classifier }] of request.classifiers.entries()) {
    request.signal?.throwIfAborted();
    request.onProgress?.({
      phase: 'classify',
      done: i,
      total,
      message: `Classifying ${frames.length} images with ${name}`,
    });
    const before = performance.now();
    outputs.push({
      outputs: await classifier.predict(frames, request.signal),
      ms: performance.now() - before,
    });
  }
  request.signal?.throwIfAborted();
  const { steps, quality } = request.imaging.assessEdit(
    request.source.image,
    frames,
    request.mask?.image,
  );
  const frameRecords: FrameRecord[] = request.strengths.map((strength, k) => ({
    file: `frames/${String(k).padStart(3, '0')}.png`,
    strength,
    parameter: parameters[k] ?? strength,
    changeInside: steps[k]?.changeInside ?? 0,
    changeOutside: steps[k]?.changeOutside ?? null,
  }));
  const models: ModelRecord[] = [];
  for (const [i, { name, classifier }] of request.classifiers.entries()) {
    const run = outputs[i];
    if (run === undefined) break;
    request.onProgress?.({ phase: 'measure', done: i, total, message: `Measuring ${name}` });
    models.push(await measureModel(request, name, classifier, run.outputs, run.ms));
  }
  const finished = performance.now();
  return {
    frames,
    writeFrames: path.writeFrames,
    result: {
      propsweep: RESULT_FILE_VERSION,
      created: new Date().toISOString(),
      image: {
        path: request.source.path,
        sha256: request.source.sha256,
        width: request.source.image.width,
        height: request.source.image.height,
      },
      mask: request.mask === null ? null : { path: request.mask.path, sha256: request.mask.sha256 },
      editor: {
        id: request.editor.id,
        title: request.editor.title,
        params: request.params,
        parameterName: request.editor.parameterName,
        identityAtZero: request.editor.identityAtZero,
        seed: request.seed,
      },
      frames: frameRecords,
      quality,
      models,
      timings: {
        editMs: round(edited - started),
        classifyAndMeasureMs: round(finished - edited),
        totalMs: round(finished - started),
      },
    },
  };
}

/** The edited path: its frames now; their PNG files in the cache once `writeFrames` is done. */
interface EditedPath {
  readonly frames: RgbImage[];
  readonly parameters: number[];
  /** Encodes and stores the frames the cache lacks, once; resolves to every frame's cached file. */
  readonly writeFrames: () => Promise<string[]>;
}

async function editPath(request: ExplainRequest): Promise<EditedPath> {
  const { imaging, strengths, signal, editor, cache } = request;
  const content = (await editor.fingerprint?.(request.params, signal)) ?? null;
  const keys = strengths.map((strength) =>
    FrameCache.key({
      sourceSha256: request.source.sha256,
      maskSha256: request.mask?.sha256 ?? null,
      editor: editor.id,
      params: request.params,
      content,
      strength,
      seed: request.seed,
    }),
  );
  const frames = new Array<RgbImage | undefined>(strengths.length);
  const framePaths = new Array<string>(strengths.length).fill('');
  const parameters = new Array<number>(strengths.length).fill(NaN);
  // A few files at a time: a long path would otherwise open every frame at once (EMFILE).
  const hits = await mapLimited(keys, FILE_CONCURRENCY, (key) => cache.lookup(key));
  // A cheap editor renders every frame again (faster than decoding PNGs), so only the files'
  // integrity is checked; the others decode their hits. An entry that fails (truncated, corrupt)
  // is dropped and made again, never published.
  const usable = await mapLimited(hits, FILE_CONCURRENCY, async (hit, k) => {
    if (hit === undefined) return false;
    if (editor.cheap) return (imaging.isIntact ?? isDecodablePngFile)(hit.path);
    try {
      frames[k] = await imaging.decodePng(hit.path);
      return true;
    } catch {
      return false;
    }
  });
  const missing: number[] = [];
  for (const [k, hit] of hits.entries()) {
    if (hit !== undefined && usable[k] === true) {
      framePaths[k] = hit.path;
      parameters[k] = hit.parameter;
    } else {
      if (hit !== undefined) await cache.remove(keys[k] ?? '');
      missing.push(k);
    }
  }
  let writing: Promise<string[]> | undefined;
  const render = editor.cheap ? strengths.map((_, k) => k) : missing;
  const total = strengths.length;
  let done = total - missing.length;
  request.onProgress?.({
    phase: 'edit',
    done,
    total,
    message: done > 0 ? `${done} of ${total} edited images cached` : `Editing ${total} images`,
  });
  if (render.length > 0) {
    const input = {
      source: request.source.image,
      mask: request.mask?.image,
      params: request.params,
      seed: request.seed,
    };
    const rendered = new Set(missing);
    let i = 0;
    for await (const frame of editor.edit(
      input,
      render.map((k) => strengths[k] ?? 0),
      signal,
    )) {
      signal?.throwIfAborted();
      const k = render[i++];
      if (k === undefined) break;
      frames[k] = frame.image;
      if (rendered.has(k)) {
        parameters[k] = frame.parameter;
        request.onProgress?.({
          phase: 'edit',
          done: ++done,
          total,
          message: `Edited ${done} of ${total} images`,
        });
      }
    }
    if (i !== render.length) {
      throw new Error(
        `The ${editor.id} editor returned ${i} images for ${render.length} strengths.`,
      );
    }
  }
  return {
    frames: frames.map((f) => f ?? request.source.image),
    parameters,
    // PNG encoding runs on sharp's threads, a few frames at a time (see FILE_CONCURRENCY). Every
    // write is awaited before a failure is reported, so no write is left running behind a run.
    writeFrames: () =>
      (writing ??= mapLimited(missing, FILE_CONCURRENCY, async (k) => {
        signal?.throwIfAborted();
        const frame = frames[k];
        if (frame === undefined) return;
        const png = await imaging.encodePng(frame);
        framePaths[k] = await cache.store(keys[k] ?? '', png, parameters[k] ?? NaN);
      }).then(() => framePaths)),
  };
}

async function measureModel(
  request: ExplainRequest,
  name: string,
  classifier: Classifier,
  outputs: readonly Float32Array[],
  inferenceMs: number,
): Promise<ModelRecord> {
  const predictions = outputs.map((row) => Array.from(row));
  const analysis = analyse(
    { predictions, strengths: request.strengths },
    {
      permutations: request.measure.permutations,
      seed: request.seed,
      alpha: request.measure.alpha,
      legacy: request.measure.legacy,
      edgeOrder: request.measure.edgeOrder,
      period: request.measure.period,
    },
  );
  const test = await runPermutationTest(analysis, {
    workerPath: request.workerPath,
    signal: request.signal,
  });
  const { info } = classifier;
  return {
    name,
    path: info.path,
    sha256: info.sha256,
    provider: info.provider,
    fallbackReason: info.fallbackReason,
    labels: info.labels,
    predictions,
    measure: toMeasureJson(complete(analysis, test), info.labels),
    inferenceMs: round(inferenceMs),
    notes: info.fallbackReason === null ? [] : [`Ran on CPU: ${info.fallbackReason}`],
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
