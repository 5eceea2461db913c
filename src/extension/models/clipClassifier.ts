// A CLIP model as a zero-shot classifier over the user's prompts, from a folder in optimum's
// zero-shot-image-classification export layout (one model.onnx with both towers, the tokenizer,
// preprocessor_config.json). The text tower runs once per prompt set, at load: the prompts' unit
// embeddings are cached, a class's are averaged and renormalised (CLIP's prompt ensembling), and
// the logit scale is read off logits_per_image. Each image batch then runs with one empty prompt,
// the cheapest text input, and is scored from image_embeds. An export without the embeddings falls
// back to logits_per_image with every prompt in every batch. Runs only in the inference child.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type * as Ort from 'onnxruntime-node';

import type { ClipModelSpec } from '../../shared/childProtocol';
import type { ExecutionProvider } from '../../shared/executionProviders';
import { toFloat16Array } from '../../shared/float16';
import { FILE_LIMITS } from '../../shared/limits';
import { hashRegularFile, UnreadableFileError } from '../files/boundedFiles';
import { checkImageShape, type RgbImage } from '../images/image';
import { loadOrt } from '../natives/natives';
import { firstRunWithCpuFallback, openOrtSession, shortReason } from '../natives/ortSessions';
import { floatTensorValues } from '../natives/tensorData';
import type { ClipTokenizer } from '../text/clipTokenizer';
import { loadClipTokenizer } from '../text/tokenizerFiles';
import { CLIP_EXPORT_COMMAND, describeClipIo, type ClipIo } from './clipIo';
import {
  clipPixels,
  planImageRuns,
  readClipPreprocessor,
  type ClipPreprocess,
} from './clipPreprocess';
import {
  addToFit,
  classEmbeddings,
  dot,
  fitScale,
  NO_FIT,
  unitVector,
  zeroShotScores,
  type ScaleFit,
} from './clipScores';
import { formatShape } from './modelIo';
import type { LoadModelOptions } from './loadModel';
import { DEFAULT_BATCH_SIZE } from './onnxClassifier';
import { firstNonFinite, softmax } from './outputs';
import { padBatch, writeImageTensor } from './pixels';
import { readPrompts, type PromptSet } from './prompts';
import { isModelError, ModelInputError, type Classifier, type ClassifierInfo } from './types';

/** A loaded CLIP classifier: ClassifierInfo and how it scores. */
export interface ClipClassifierInfo extends ClassifierInfo {
  readonly kind: 'clip';
  readonly provider: ExecutionProvider;
  /** 'embeddings': cached text embeddings and image_embeds; 'logits': every prompt in every batch. */
  readonly mode: 'embeddings' | 'logits';
  readonly output: 'softmax' | 'similarity';
  /** The model's logit scale (CLIP's is 100), found at load; null in the logits mode. */
  readonly logitScale: number | null;
}

/** Run sizes; the defaults suit real models, tests make them small to see the batching. */
export interface ClipTuning {
  /** Images per run (default 16, lowered to keep one run's pixels under LIMITS.batchBytes). */
  readonly batchSize?: number | undefined;
  /** Prompts per run of the text tower (default 64). */
  readonly promptsPerRun?: number | undefined;
}

const PROMPTS_PER_RUN = 64;
const MODEL_FILE = 'model.onnx';
const EXPORT_HINT = `Export a CLIP model with ${CLIP_EXPORT_COMMAND}.`;

/**
 * Loads the CLIP classifier `spec` describes: checks and hashes the export, reads the prompts,
 * preprocessing and tokenizer, opens a session (the CPU as the fallback) and runs the text tower
 * over the prompts. Throws ModelInputError (TokenizerInputError for the tokenizer files) for what
 * the user has to fix.
 */
export function loadClipClassifier(
  spec: ClipModelSpec,
  options: LoadModelOptions,
): Promise<Classifier<ClipClassifierInfo>> {
  return loadClipClassifierWith(loadOrt, spec, options);
}

/** A prompt's ids and how many of them are the text (bos .. eos; the rest is padding). */
interface TokenRow {
  readonly ids: Int32Array;
  readonly length: number;
}

/** What every run needs. */
interface Model {
  readonly ort: typeof Ort;
  readonly io: ClipIo;
  readonly path: string;
  readonly pad: number;
}

/**
 * loadClipClassifier with the onnxruntime module supplied: the seam through which tests count the
 * runs of the text tower and make a provider fail its first run.
 */
export async function loadClipClassifierWith(
  getOrt: () => typeof Ort,
  spec: ClipModelSpec,
  options: LoadModelOptions,
  tuning: ClipTuning = {},
): Promise<Classifier<ClipClassifierInfo>> {
  const batchSize = tuning.batchSize ?? DEFAULT_BATCH_SIZE;
  const promptsPerRun = tuning.promptsPerRun ?? PROMPTS_PER_RUN;
  for (const [name, n] of [
    ['batchSize', batchSize],
    ['promptsPerRun', promptsPerRun],
  ] as const) {
    if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${name} must be >= 1, got ${n}`);
  }
  const { log } = options;
  const output = spec.output ?? 'softmax';
  const folder = spec.path;
  await checkFolder(folder);
  const modelPath = join(folder, MODEL_FILE);
  const sha256 = await hashFile(
    modelPath,
    FILE_LIMITS.modelBytes,
    `${folder} has no ${MODEL_FILE}`,
  );
  const prompts = await readPrompts(spec.prompts);
  const preprocess = await readClipPreprocessor(folder);
  const type = preprocess.config.processorType;
  if (type !== null && !type.startsWith('CLIP')) {
    log(`${preprocess.path}: read as CLIPImageProcessor, though it names ${type}.`);
  }
  const tokenizer = await loadClipTokenizer(folder);
  const rows = prompts.set.prompts.map((prompt) => {
    const dropped = tokenizer.countTruncated(prompt);
    if (dropped > 0) {
      log(
        `${spec.prompts}: the prompt "${prompt}" is ${dropped} token(s) longer than the text encoder reads (${tokenizer.maxLength - 2}); the end is dropped.`,
      );
    }
    return tokenRow(tokenizer, prompt);
  });
  const empty = tokenRow(tokenizer, '');
  options.signal?.throwIfAborted();
  const ort = getOrt();
  let opened = await openOrtSession(
    ort,
    modelPath,
    options.provider,
    options.deviceId,
    log,
    (reason) =>
      new ModelInputError(`${modelPath} is not a valid ONNX model: ${reason}. ${EXPORT_HINT}`),
  );
  try {
    const io = describeClipIo(
      opened.session.inputMetadata,
      opened.session.outputMetadata,
      modelPath,
    );
    const model: Model = { ort, io, path: modelPath, pad: tokenizer.padId };
    checkPixelShape(io, preprocess.config, modelPath, preprocess.path);
    checkSequence(io, [...rows, empty], modelPath);
    if (!io.embeddings) {
      log(
        `${modelPath} has no image_embeds and text_embeds outputs: every batch runs all ${rows.length} prompts through the text encoder (logits_per_image).`,
      );
    }
    checkOutputChoice(io, prompts.set, output, spec);
    const probe = probeImage(io, preprocess.config);
    const first = await firstRunWithCpuFallback(
      ort,
      opened,
      modelPath,
      log,
      isModelError,
      async (session) => {
        if (io.embeddings) {
          return encodeTexts(model, session, rows, probe, promptsPerRun, options.signal);
        }
        await runModel(model, session, probe, [rows[0] ?? empty], ['logits_per_image']);
        return null;
      },
    );
    opened = first.opened;
    const side = first.value;
    const scale = side === null ? null : logitScale(side.fit, modelPath);
    const targets =
      side === null
        ? null
        : output === 'similarity'
          ? side.embeds
          : classTargets(side.embeds, prompts.set);
    const labels =
      output === 'similarity' ? prompts.set.prompts : prompts.set.classes.map((c) => c.label);
    const info: ClipClassifierInfo = {
      kind: 'clip',
      path: modelPath,
      sha256,
      files: [
        { role: 'prompts', path: spec.prompts, sha256: prompts.sha256 },
        { role: 'preprocessor', path: preprocess.path, sha256: preprocess.sha256 },
      ],
      command: null,
      outputs: labels.length,
      labels,
      provider: opened.provider,
      fallbackReason: opened.fallbackReason,
      mode: io.embeddings ? 'embeddings' : 'logits',
      output,
      logitScale: scale,
    };
    const scorer: Scorer =
      targets === null || scale === null
        ? { kind: 'logits', texts: rows, promptsPerRun }
        : { kind: 'embeddings', empty, targets, scale };
    return clipClassifier(model, opened.session, info, preprocess.config, scorer, batchSize);
  } catch (error) {
    await opened.session.release();
    throw error;
  }
}

/** How a batch's images become scores. */
type Scorer =
  | {
      readonly kind: 'embeddings';
      readonly empty: TokenRow;
      readonly targets: readonly Float64Array[];
      readonly scale: number;
    }
  | {
      readonly kind: 'logits';
      readonly texts: readonly TokenRow[];
      readonly promptsPerRun: number;
    };

function clipClassifier(
  model: Model,
  session: Ort.InferenceSession,
  info: ClipClassifierInfo,
  config: ClipPreprocess,
  scorer: Scorer,
  batchSize: number,
): Classifier<ClipClassifierInfo> {
  let disposed = false;
  return {
    info,
    async predict(images: readonly RgbImage[], signal?: AbortSignal): Promise<Float32Array[]> {
      images.forEach((image, i) => {
        checkImageShape(image, 3, `image ${i}`);
      });
      const rows: Float32Array[] = [];
      for (const batch of planImageRuns(
        images,
        config,
        model.io.fixedImageBatch,
        batchSize,
        info.path,
      )) {
        signal?.throwIfAborted();
        if (disposed) throw new Error(`The classifier for ${info.path} was disposed.`);
        const pixels = await pixelBatch(
          images.slice(batch.start, batch.start + batch.count),
          config,
          batch.size,
        );
        const scores =
          scorer.kind === 'embeddings'
            ? await scoreByEmbeddings(model, session, pixels, batch.count, scorer, info.output)
            : await scoreByLogits(model, session, pixels, batch.count, scorer, signal);
        const bad = firstNonFinite(scores);
        if (bad !== null) {
          throw new ModelInputError(
            `${info.path} produced ${String(bad.value)} for image ${batch.start + bad.row} (0-based, of ${images.length}); the model is broken. Check it on the same image with transformers' CLIPModel.`,
          );
        }
        rows.push(...scores);
      }
      return rows;
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      await session.release();
    },
  };
}

/** The images of one run, as a tensor at `size` images (the last repeated when the batch is fixed). */
interface PixelBatch {
  readonly data: Float32Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
}

/** One run of images: [start, start + count), padded to `size`. */
async function pixelBatch(
  images: readonly RgbImage[],
  config: ClipPreprocess,
  size: number,
): Promise<PixelBatch> {
  // sharp resizes on its own thread pool, so the whole batch is resized concurrently.
  const prepared = await Promise.all(images.map((image) => clipPixels(image, config)));
  const { width, height } = prepared[0] ?? { width: 0, height: 0 };
  const data = new Float32Array(prepared.length * 3 * width * height);
  prepared.forEach((p, index) => {
    writeImageTensor(
      p.pixels,
      height,
      width,
      { layout: 'NCHW', channelOrder: 'RGB', ...config.normalisation },
      data,
      index,
    );
  });
  return { data: padBatch(data, prepared.length, size), count: size, height, width };
}

async function scoreByEmbeddings(
  model: Model,
  session: Ort.InferenceSession,
  pixels: PixelBatch,
  keep: number,
  scorer: Extract<Scorer, { kind: 'embeddings' }>,
  output: ClipClassifierInfo['output'],
): Promise<Float32Array[]> {
  const out = await runModel(model, session, pixels, [scorer.empty], ['image_embeds']);
  const embeds = rowsOf(
    out,
    'image_embeds',
    pixels.count,
    scorer.targets[0]?.length ?? null,
    model.path,
  );
  return embeds.slice(0, keep).map((row, k) => {
    const unit = unitVector(row);
    if (unit === null) {
      throw new ModelInputError(
        `${model.path} gave image ${k} of a batch the image embedding [${Array.from(row.slice(0, 4)).join(', ')}, ...], whose length is 0 or not finite; the model is broken. Export it again with ${CLIP_EXPORT_COMMAND}.`,
      );
    }
    return zeroShotScores(unit, scorer.targets, scorer.scale, output);
  });
}

async function scoreByLogits(
  model: Model,
  session: Ort.InferenceSession,
  pixels: PixelBatch,
  keep: number,
  scorer: Extract<Scorer, { kind: 'logits' }>,
  signal: AbortSignal | undefined,
): Promise<Float32Array[]> {
  const rows = Array.from({ length: keep }, () => new Float32Array(scorer.texts.length));
  for (let from = 0; from < scorer.texts.length; from += scorer.promptsPerRun) {
    signal?.throwIfAborted();
    const texts = scorer.texts.slice(from, from + scorer.promptsPerRun);
    const out = await runModel(model, session, pixels, texts, ['logits_per_image']);
    const logits = rowsOf(out, 'logits_per_image', pixels.count, texts.length, model.path);
    logits.slice(0, keep).forEach((row, k) => rows[k]?.set(row, from));
  }
  return rows.map((row) => softmax(row));
}

/** The text side found at load: every prompt's unit embedding and the logit-scale fit. */
interface TextSide {
  readonly embeds: Float64Array[];
  readonly fit: ScaleFit;
}

/**
 * Runs the text tower over every prompt, `perRun` at a time, with the probe image: the prompts'
 * unit embeddings, and the (logit, cosine) pairs that give the logit scale.
 */
async function encodeTexts(
  model: Model,
  session: Ort.InferenceSession,
  rows: readonly TokenRow[],
  probe: PixelBatch,
  perRun: number,
  signal: AbortSignal | undefined,
): Promise<TextSide> {
  const embeds: Float64Array[] = [];
  let fit = NO_FIT;
  let dimension: number | null = null;
  for (let from = 0; from < rows.length; from += perRun) {
    signal?.throwIfAborted();
    const texts = rows.slice(from, from + perRun);
    const out = await runModel(model, session, probe, texts, [
      'logits_per_image',
      'image_embeds',
      'text_embeds',
    ]);
    const text = rowsOf(out, 'text_embeds', texts.length, dimension, model.path);
    dimension = text[0]?.length ?? null;
    const image = unitVector(
      rowsOf(out, 'image_embeds', probe.count, dimension, model.path)[0] ?? [],
    );
    const logits = rowsOf(out, 'logits_per_image', probe.count, texts.length, model.path)[0];
    const units = text.map((row, k) => {
      const unit = unitVector(row);
      if (unit === null) {
        throw new ModelInputError(
          `${model.path} gave the prompt ${from + k + 1} a text embedding whose length is 0 or not finite; the model is broken. Export it again with ${CLIP_EXPORT_COMMAND}.`,
        );
      }
      return unit;
    });
    if (image === null || logits === undefined) {
      throw new ModelInputError(
        `${model.path} gave the probe image an embedding whose length is 0 or not finite; the model is broken. Export it again with ${CLIP_EXPORT_COMMAND}.`,
      );
    }
    fit = addToFit(
      fit,
      logits,
      units.map((u) => dot(image, u)),
    );
    embeds.push(...units);
  }
  return { embeds, fit };
}

function logitScale(fit: ScaleFit, modelPath: string): number {
  const found = fitScale(fit);
  if ('scale' in found) return found.scale;
  throw new ModelInputError(
    `${modelPath}: logits_per_image is not CLIP's logit scale times the cosine similarity of image_embeds and text_embeds (${found.problem}), so the zero-shot scores cannot be computed from the embeddings. ${EXPORT_HINT}`,
  );
}

function classTargets(embeds: readonly Float64Array[], set: PromptSet): Float64Array[] {
  return classEmbeddings(embeds, set.classes).map((unit, c) => {
    if (unit !== null) return unit;
    const label = set.classes[c]?.label ?? '';
    throw new ModelInputError(
      `The prompts of the class "${label}" have text embeddings that cancel out (their mean is 0), so the class has no direction. Change or add prompts for "${label}".`,
    );
  });
}

/**
 * One run: the images, the texts (padded with the pad id to the longest, or to the model's fixed
 * length; the attention mask marks each text's own tokens), and the outputs asked for.
 */
async function runModel(
  model: Model,
  session: Ort.InferenceSession,
  pixels: PixelBatch,
  texts: readonly TokenRow[],
  fetches: readonly string[],
): Promise<Ort.InferenceSession.ReturnType> {
  const { ort, io } = model;
  const length = io.fixedSequence ?? Math.max(...texts.map((t) => t.length));
  const ids = new Int32Array(texts.length * length).fill(model.pad);
  const mask = new Int32Array(texts.length * length);
  texts.forEach((t, k) => {
    ids.set(t.ids.subarray(0, Math.min(length, t.ids.length)), k * length);
    mask.fill(1, k * length, k * length + t.length);
  });
  const integers = (values: Int32Array, type: 'int32' | 'int64'): Ort.Tensor =>
    type === 'int64'
      ? new ort.Tensor(
          'int64',
          BigInt64Array.from(values, (v) => BigInt(v)),
          [texts.length, length],
        )
      : new ort.Tensor('int32', values, [texts.length, length]);
  const dims = [pixels.count, 3, pixels.height, pixels.width];
  const feeds: Record<string, Ort.Tensor> = {
    input_ids: integers(ids, io.ids),
    pixel_values:
      io.pixels === 'float16'
        ? new ort.Tensor('float16', toFloat16Array(pixels.data), dims)
        : new ort.Tensor('float32', pixels.data, dims),
  };
  if (io.mask !== null) feeds.attention_mask = integers(mask, io.mask);
  return session.run(feeds, [...fetches]);
}

/** An output as rows of float32 values, checked to be [rows, columns] (columns as expected, if known). */
function rowsOf(
  out: Ort.InferenceSession.ReturnType,
  name: string,
  rows: number,
  columns: number | null,
  modelPath: string,
): Float32Array[] {
  const tensor = out[name];
  if (tensor === undefined) throw new ModelInputError(`${modelPath} returned no "${name}" output.`);
  const [r, c] = tensor.dims;
  if (
    tensor.dims.length !== 2 ||
    r !== rows ||
    c === undefined ||
    c < 1 ||
    (columns !== null && c !== columns)
  ) {
    throw new ModelInputError(
      `${modelPath} returned "${name}" with shape ${formatShape(tensor.dims)}; propsweep expected [${rows}, ${columns ?? 'dimension'}]. ${EXPORT_HINT}`,
    );
  }
  const values = floatValues(tensor, name, modelPath);
  return Array.from({ length: rows }, (_, k) => values.slice(k * c, (k + 1) * c));
}

function floatValues(tensor: Ort.Tensor, name: string, modelPath: string): Float32Array {
  const values = floatTensorValues(tensor);
  if (values !== null) return values;
  throw new ModelInputError(
    `${modelPath} returned "${name}" as ${tensor.type}; propsweep reads float32 or float16.`,
  );
}

/** A prompt's ids, and its length up to and including the first end token (CLIP pools there). */
function tokenRow(tokenizer: ClipTokenizer, text: string): TokenRow {
  const ids = tokenizer.encode(text);
  const end = ids.indexOf(tokenizer.eosId, 1);
  return { ids, length: end < 0 ? ids.length : end + 1 };
}

/**
 * A deterministic probe image for the text pass (its embedding only serves to read the logit
 * scale): a different level per channel with a gentle ripple, at the size the model is fed.
 */
function probeImage(io: ClipIo, config: ClipPreprocess): PixelBatch {
  const fixed = (axis: number): number | null => {
    const d = io.pixelShape[axis];
    return typeof d === 'number' && d > 0 ? d : null;
  };
  const resize = config.resize;
  const side = resize === null ? 224 : 'shortestEdge' in resize ? resize.shortestEdge : null;
  const height =
    fixed(2) ??
    config.crop?.height ??
    (resize !== null && 'height' in resize ? resize.height : side) ??
    224;
  const width =
    fixed(3) ??
    config.crop?.width ??
    (resize !== null && 'width' in resize ? resize.width : side) ??
    224;
  const area = height * width;
  const one = Float32Array.from({ length: 3 * area }, (_, i) => {
    const c = Math.floor(i / area);
    return 0.5 * (c - 1) + 0.25 * Math.sin(0.1 * (i % area));
  });
  const count = io.fixedImageBatch ?? 1;
  return { data: padBatch(one, 1, count), count, height, width };
}

/** Refuses an output or a grouping that the export cannot give. */
function checkOutputChoice(
  io: ClipIo,
  set: PromptSet,
  output: ClipClassifierInfo['output'],
  spec: ClipModelSpec,
): void {
  if (!io.embeddings && output === 'similarity') {
    throw new ModelInputError(
      `${join(spec.path, MODEL_FILE)} has no image_embeds and text_embeds outputs, which the cosine similarities (--clip-output similarity) are computed from. Export it with ${CLIP_EXPORT_COMMAND} (optimum writes them), or use --clip-output softmax.`,
    );
  }
  const grouped = set.classes.find((c) => c.prompts.length > 1);
  if (!io.embeddings && grouped !== undefined) {
    throw new ModelInputError(
      `${spec.prompts} groups ${grouped.prompts.length} prompts into the class "${grouped.label}", but ${join(spec.path, MODEL_FILE)} has no text_embeds output to average them with. Export it with ${CLIP_EXPORT_COMMAND} (optimum writes it), or give one prompt per class.`,
    );
  }
  if (output === 'softmax' && set.classes.length < 2) {
    throw new ModelInputError(
      `${spec.prompts} has one class ("${set.classes[0]?.label ?? ''}"); a softmax over one class is always 1, so nothing could change. Add a prompt for another class (e.g. what the image shows when the property is absent), or use --clip-output similarity.`,
    );
  }
}

/** Refuses a crop size that a model with a fixed image size cannot take. */
function checkPixelShape(
  io: ClipIo,
  config: ClipPreprocess,
  modelPath: string,
  configPath: string,
): void {
  const [, , h, w] = io.pixelShape;
  if (config.crop === null) return;
  const { height, width } = config.crop;
  if ((typeof h === 'number' && h !== height) || (typeof w === 'number' && w !== width)) {
    throw new ModelInputError(
      `${modelPath} takes pixel_values ${formatShape(io.pixelShape)}, but ${configPath} crops images to ${height}x${width}. Use the preprocessor_config.json of the same export (${CLIP_EXPORT_COMMAND}).`,
    );
  }
}

/** Refuses a model whose fixed token count is shorter than a prompt. */
function checkSequence(io: ClipIo, rows: readonly TokenRow[], modelPath: string): void {
  const longest = Math.max(...rows.map((r) => r.length));
  if (io.fixedSequence !== null && io.fixedSequence < longest) {
    throw new ModelInputError(
      `${modelPath} takes ${io.fixedSequence} tokens per text, but a prompt has ${longest}. Shorten the prompts, or export the model with a dynamic sequence axis (${CLIP_EXPORT_COMMAND}).`,
    );
  }
}

/** Refuses a path that is not an existing folder. */
async function checkFolder(folder: string): Promise<void> {
  const info = await stat(folder).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelInputError(
      code === 'ENOENT'
        ? `${folder} does not exist. ${EXPORT_HINT}`
        : `Could not read ${folder} (${shortReason(error)}). Check that the folder is readable.`,
    );
  });
  if (!info.isDirectory()) {
    throw new ModelInputError(
      `${folder} is not a folder. A CLIP model is the folder of an export (model.onnx, tokenizer.json, preprocessor_config.json): give the folder. ${EXPORT_HINT}`,
    );
  }
}

/** The sha256 of a file of the export, refused with `missing` and the export command. */
async function hashFile(path: string, maxBytes: number, missing: string): Promise<string> {
  try {
    return await hashRegularFile(path, maxBytes);
  } catch (error) {
    if (!(error instanceof UnreadableFileError)) throw error;
    throw new ModelInputError(
      error.reason === 'missing'
        ? `${missing}. ${EXPORT_HINT}`
        : `${path} cannot be read: ${error.message}. ${EXPORT_HINT}`,
    );
  }
}
