import { join } from 'node:path';

import type { StepChange } from '../editors/quality';
import type { EditorParams, EditorRuntime, ImageEditor } from '../editors/types';
import type { GrayImage, RgbImage } from '../images/image';
import { analyse, complete, type EdgeOrder } from '../measures';
import type { Classifier } from '../models/types';
import type {
  ContentRecord,
  EditorRunRecord,
  EditQuality,
  FrameRecord,
  ModelRecord,
  ResultFile,
  SeedSpreadRecord,
} from '../../shared/resultFile';
import { RESULT_FILE_VERSION } from '../../shared/resultFile';
import { DIGEST_STORE, FrameCache } from '../store/frameCache';
import { FILE_CONCURRENCY, mapLimited } from '../store/limited';
import type { FrameSource } from '../store/publish';
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
  /**
   * The image at another size (the source at the working size of an editor that makes its frames
   * smaller); needed only by such editors.
   */
  resize?: ((image: RgbImage, width: number, height: number) => Promise<RgbImage>) | undefined;
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
  /**
   * The editor's fingerprint of these parameters when the caller has made it (a folder run, once
   * for all its images); undefined: made here.
   */
  readonly content?: ContentRecord | null | undefined;
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
  /**
   * More seeds of the editor to make the path with (explain --seeds K gives K - 1 of them): each
   * model's EPGM and flips on every path, and the band of its predictions, are recorded as its
   * seedSpread. The frames shown and measured in full are those of `seed`.
   */
  readonly otherSeeds?: readonly number[] | undefined;
  /** Where model-based editors run (provider, memory budget, log); their progress and report are the pipeline's. */
  readonly runtime?:
    Pick<EditorRuntime, 'provider' | 'deviceId' | 'memoryBudgetMB' | 'log'> | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((progress: ExplainProgress) => void) | undefined;
}

/** The explanation, its edited images, and the writing of their PNG files. */
export interface Explanation {
  readonly result: ResultFile;
  /** The edited images in path order, as every classifier saw them. */
  readonly frames: readonly RgbImage[];
  /** The source at the frames' size, when the source is not on the path (else null). */
  readonly reference: RgbImage | null;
  /**
   * Encodes the frames the cache lacks as PNG and stores them, a few at a time; resolves to every
   * frame in path order: its cached file, or for a cheap editor its PNG bytes (such an editor's
   * frames are never cached, see editPath). Nothing is encoded before the first call (later calls
   * return the same promise); the request's signal stops it between frames, and a failure is
   * thrown only once every started write has settled.
   */
  readonly writeFrames: () => Promise<readonly FrameSource[]>;
}

/**
 * Edits once, classifies many: every classifier sees the same edited images, which come from the
 * content-addressed cache when an earlier run made them (unless the editor is cheap: see editPath). Returns once the measures are done, with
 * the new frames not yet encoded: PNG encoding costs a tenth of a small model's inference
 * (a third before it did without sharp), so the caller shows the answer first and then writes the frames (`writeFrames`).
 * Encoding never overlaps inference or the measures, whose threads it would slow down by more
 * than it saves.
 */
export async function explain(request: ExplainRequest): Promise<Explanation> {
  const started = performance.now();
  // The content of the files the parameters name is the same for every seed: fingerprinted once.
  const content =
    request.content !== undefined
      ? request.content
      : ((await request.editor.fingerprint?.(
          request.params,
          request.signal,
          join(request.cache.dir, DIGEST_STORE),
        )) ?? null);
  const path = await editPath(request, content);
  const { frames, parameters } = path;
  const edited = performance.now();
  // An editor whose first frame is not the source (a diffusion editor re-synthesises the image
  // even at its weakest): the source is classified too, and the jump to the first frame reported
  // on its own, never as a step of the path.
  const withSource = !request.editor.identityAtZero && request.editor.recorded !== true;
  const classified = withSource ? [...frames, request.source.image] : frames;
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
      outputs: await classifier.predict(classified, request.signal),
      ms: performance.now() - before,
    });
  }
  request.signal?.throwIfAborted();
  const reference = await referenceFor(request, frames);
  const { steps, quality } = request.imaging.assessEdit(reference, frames, request.mask?.image);
  const frameRecords: FrameRecord[] = request.strengths.map((strength, k) => ({
    file: `frames/${String(k).padStart(3, '0')}.png`,
    strength,
    parameter: parameters[k] ?? strength,
    changeInside: steps[k]?.changeInside ?? 0,
    changeOutside: steps[k]?.changeOutside ?? null,
  }));
  const pathOutputs = outputs.map((run) => (withSource ? run.outputs.slice(0, -1) : run.outputs));
  const seeded = await otherSeedPaths(request, content, pathOutputs);
  const models: ModelRecord[] = [];
  for (const [i, { name, classifier }] of request.classifiers.entries()) {
    const run = outputs[i];
    if (run === undefined) break;
    request.onProgress?.({ phase: 'measure', done: i, total, message: `Measuring ${name}` });
    const source = withSource ? run.outputs.at(-1) : undefined;
    const model = await measureModel(request, name, classifier, pathOutputs[i] ?? [], run.ms);
    const spread = seeded.spreads[i];
    models.push({
      ...model,
      ...(source === undefined ? {} : { sourcePrediction: Array.from(source) }),
      ...(spread === undefined ? {} : { seedSpread: spread }),
    });
  }
  const finished = performance.now();
  let writing: Promise<readonly FrameSource[]> | undefined;
  return {
    frames,
    reference: withSource ? reference : null,
    // The other seeds' frames go to the cache too (a rerun with other classifiers edits nothing),
    // after the path's own; a cheap editor's are not kept (it renders them again faster).
    writeFrames: () =>
      (writing ??= path.writeFrames().then(async (written) => {
        if (!request.editor.cheap) for (const other of seeded.paths) await other.writeFrames();
        return written;
      })),
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
        ...(path.content === null ? {} : { content: path.content }),
        ...(path.run === undefined ? {} : { run: path.run }),
      },
      ...(withSource ? { reconstruction: { change: steps[0]?.changeInside ?? 0 } } : {}),
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

/**
 * The source as the frames' size: the editor's working size when it made them smaller (the
 * quality report and the jump compare like with like).
 */
async function referenceFor(
  request: ExplainRequest,
  frames: readonly RgbImage[],
): Promise<RgbImage> {
  const source = request.source.image;
  const first = frames[0];
  if (first === undefined || (first.width === source.width && first.height === source.height)) {
    return source;
  }
  if (request.imaging.resize === undefined) {
    throw new Error(
      `The ${request.editor.id} editor made ${first.width}x${first.height} frames of a ${source.width}x${source.height} source, and the pipeline cannot resize.`,
    );
  }
  return request.imaging.resize(source, first.width, first.height);
}

/**
 * The edited path: its frames now; their PNGs once `writeFrames` is done (files in the cache, or
 * a cheap editor's bytes).
 */
interface EditedPath {
  readonly frames: RgbImage[];
  readonly parameters: number[];
  /** The content of the files the editor's parameters name. */
  readonly content: ContentRecord | null;
  /** What a model-based editor reported, when it ran. */
  readonly run: EditorRunRecord | undefined;
  /** Encodes the frames the cache lacks and stores them, once (see Explanation.writeFrames). */
  readonly writeFrames: () => Promise<FrameSource[]>;
}

/**
 * The path made again with each of `request.otherSeeds`, classified by every model: per model, the
 * EPGM and flips on each seed's path and the band of its predictions (the first seed's included).
 */
async function otherSeedPaths(
  request: ExplainRequest,
  content: ContentRecord | null,
  first: readonly (readonly Float32Array[])[],
): Promise<{ spreads: (SeedSpreadRecord | undefined)[]; paths: EditedPath[] }> {
  const seeds = request.otherSeeds ?? [];
  if (seeds.length === 0) return { spreads: [], paths: [] };
  const all = [request.seed, ...seeds];
  const rows: Float32Array[][][] = first.map((outputs) => [[...outputs]]);
  const paths: EditedPath[] = [];
  for (const [j, seed] of seeds.entries()) {
    request.signal?.throwIfAborted();
    const tag = `seed ${j + 2} of ${all.length}`;
    const path = await editPath(
      {
        ...request,
        seed,
        onProgress: (p) => request.onProgress?.({ ...p, message: `${p.message} (${tag})` }),
      },
      content,
    );
    paths.push(path);
    for (const [i, { name, classifier }] of request.classifiers.entries()) {
      request.signal?.throwIfAborted();
      request.onProgress?.({
        phase: 'classify',
        done: i,
        total: request.classifiers.length,
        message: `Classifying ${path.frames.length} images with ${name} (${tag})`,
      });
      rows[i]?.push(await classifier.predict(path.frames, request.signal));
    }
  }
  const spreads = rows.map((perSeed) => seedSpread(request, all, perSeed));
  return { spreads, paths };
}

/** EPGM and flips of each seed's path, their mean and spread, and the band of the predictions. */
function seedSpread(
  request: ExplainRequest,
  seeds: readonly number[],
  perSeed: readonly (readonly Float32Array[])[],
): SeedSpreadRecord {
  const epgm: number[] = [];
  const flips: number[] = [];
  for (const outputs of perSeed) {
    const { partial } = analyse(
      { predictions: outputs.map((row) => Array.from(row)), strengths: request.strengths },
      {
        permutations: 1,
        legacy: request.measure.legacy,
        edgeOrder: request.measure.edgeOrder,
        period: request.measure.period,
      },
    );
    epgm.push(partial.epgm);
    flips.push(partial.flips?.count ?? 0);
  }
  const mean = epgm.reduce((a, b) => a + b, 0) / epgm.length;
  const variance =
    epgm.length < 2 ? 0 : epgm.reduce((a, b) => a + (b - mean) ** 2, 0) / (epgm.length - 1);
  const first = perSeed[0] ?? [];
  const lower = first.map((row, k) =>
    Array.from(row, (_, c) => Math.min(...perSeed.map((outputs) => outputs[k]?.[c] ?? NaN))),
  );
  const upper = first.map((row, k) =>
    Array.from(row, (_, c) => Math.max(...perSeed.map((outputs) => outputs[k]?.[c] ?? NaN))),
  );
  return {
    seeds,
    epgm,
    flips,
    epgmMean: mean,
    epgmStd: Math.sqrt(variance),
    lower,
    upper,
  };
}

async function editPath(
  request: ExplainRequest,
  content: ContentRecord | null,
): Promise<EditedPath> {
  const { imaging, strengths, signal, editor, cache } = request;
  const contentKey = content?.sha256 ?? null;
  const keys = strengths.map((strength) =>
    FrameCache.key({
      sourceSha256: request.source.sha256,
      maskSha256: request.mask?.sha256 ?? null,
      editor: editor.id,
      params: request.params,
      content: contentKey,
      strength,
      seed: request.seed,
    }),
  );
  const frames = new Array<RgbImage | undefined>(strengths.length);
  const written = new Array<FrameSource>(strengths.length).fill('');
  const parameters = new Array<number>(strengths.length).fill(NaN);
  // A cheap editor renders every frame faster than its cached PNG decodes, so the cache could
  // only save it the encoding, at the price of two files per frame and a copy of each: it is not
  // used at all, and the frames' PNGs go straight into the result (see writeFrames below). The
  // others look up a few files at a time (a long path would otherwise open every frame at once:
  // EMFILE) and decode their hits; an entry that fails (truncated, corrupt) is dropped and made
  // again, never published.
  const hits = editor.cheap
    ? keys.map(() => undefined)
    : await mapLimited(keys, FILE_CONCURRENCY, (key) => cache.lookup(key));
  const usable = await mapLimited(hits, FILE_CONCURRENCY, async (hit, k) => {
    if (hit === undefined) return false;
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
      written[k] = hit.path;
      parameters[k] = hit.parameter;
    } else {
      if (hit !== undefined) await cache.remove(keys[k] ?? '');
      missing.push(k);
    }
  }
  let writing: Promise<FrameSource[]> | undefined;
  const total = strengths.length;
  let done = total - missing.length;
  request.onProgress?.({
    phase: 'edit',
    done,
    total,
    message: done > 0 ? `${done} of ${total} edited images cached` : `Editing ${total} images`,
  });
  let run: EditorRunRecord | undefined;
  if (missing.length > 0) {
    const runtime: EditorRuntime | undefined =
      request.runtime === undefined
        ? undefined
        : {
            ...request.runtime,
            progress: (message, stepDone, stepTotal) => {
              request.onProgress?.({
                phase: 'edit',
                done: stepDone,
                total: stepTotal,
                message: `${message} (${missing.length} images)`,
              });
            },
            report: (record) => {
              run = record;
            },
          };
    const input = {
      source: request.source.image,
      mask: request.mask?.image,
      params: request.params,
      seed: request.seed,
      runtime,
    };
    let i = 0;
    for await (const frame of editor.edit(
      input,
      missing.map((k) => strengths[k] ?? 0),
      signal,
    )) {
      signal?.throwIfAborted();
      const k = missing[i++];
      if (k === undefined) break;
      frames[k] = frame.image;
      parameters[k] = frame.parameter;
      request.onProgress?.({
        phase: 'edit',
        done: ++done,
        total,
        message: `Edited ${done} of ${total} images`,
      });
    }
    if (i !== missing.length) {
      throw new Error(
        `The ${editor.id} editor returned ${i} images for ${missing.length} strengths.`,
      );
    }
  }
  return {
    frames: frames.map((f) => f ?? request.source.image),
    parameters,
    content,
    run,
    // PNG deflating runs on libuv's threads, a few frames at a time (see FILE_CONCURRENCY). Every
    // write is awaited before a failure is reported, so no write is left running behind a run.
    writeFrames: () =>
      (writing ??= mapLimited(missing, FILE_CONCURRENCY, async (k) => {
        signal?.throwIfAborted();
        const frame = frames[k];
        if (frame === undefined) return;
        const png = await imaging.encodePng(frame);
        written[k] = editor.cheap
          ? png
          : await cache.store(keys[k] ?? '', png, parameters[k] ?? NaN);
      }).then(() => written)),
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
    ...(info.kind === 'onnx' ? {} : { kind: info.kind }),
    path: info.path,
    sha256: info.sha256,
    ...(info.command === null ? {} : { command: info.command }),
    ...(info.files.length === 0 ? {} : { files: info.files }),
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
