// An ONNX image classifier on onnxruntime-node: the model file is hashed, its sidecar read, its
// input and output checked against what propsweep feeds, and every batch validated before run()
// and after it (NaN/Inf). Runs only in the inference child process (natives load lazily there).
import { stat } from 'node:fs/promises';
import type * as Ort from 'onnxruntime-node';

import type { ExecutionProvider } from '../../shared/executionProviders';
import { FILE_LIMITS } from '../../shared/limits';
import { hashRegularFile } from '../files/boundedFiles';
import { checkImageShape, type RgbImage } from '../images/image';
import { loadOrt } from '../natives/natives';
import { floatTensorValues } from '../natives/tensorData';
import {
  firstRunWithCpuFallback,
  openOrtSession,
  shortReason,
  type OpenedSession,
} from '../natives/ortSessions';
import { toFloat16Array } from '../../shared/float16';
import {
  checkFeed,
  batchSizeFor,
  checkImageInput,
  checkLabels,
  describeIo,
  feedDims,
  outputClasses,
  planBatches,
  type BatchPlan,
  type ModelIo,
} from './modelIo';
import { firstNonFinite, softmax, splitRows } from './outputs';
import { BatchBuffers, padInPlace } from './pixels';
import {
  assumedDefaults,
  defaultLabels,
  resolvePreprocess,
  toTensorData,
  type PreprocessFlags,
} from './preprocess';
import { readSidecar, sidecarPath } from './sidecar';
import {
  isModelError,
  ModelInputError,
  type Classifier,
  type OnnxClassifierInfo,
  type PreprocessConfig,
} from './types';

/** How to load a classifier. */
export interface LoadClassifierOptions {
  /** Preprocessing overrides; each beats the sidecar. */
  readonly flags?: PreprocessFlags | undefined;
  /** The provider to try first (default 'cpu'); any failure falls back to CPU. */
  readonly provider?: ExecutionProvider | undefined;
  /** GPU index for 'cuda' and 'dml'. */
  readonly deviceId?: number | undefined;
  /** Images per run when the model's batch axis is dynamic (default 16). */
  readonly batchSize?: number | undefined;
  /** Where to say what was assumed or fallen back from. */
  readonly log?: ((message: string) => void) | undefined;
}

/** Images per run when the model does not fix its batch size. */
export const DEFAULT_BATCH_SIZE = 16;

type Session = Ort.InferenceSession;

/**
 * Loads an ONNX classifier: checks the file, hashes it, reads its sidecar, resolves the
 * preprocessing, checks the model's input and output, and opens a session on the requested
 * provider (falling back to CPU, with the reason recorded, when that provider cannot run it).
 * Throws ModelInputError for anything the user has to fix.
 */
export async function loadClassifier(
  modelPath: string,
  options: LoadClassifierOptions = {},
): Promise<Classifier<OnnxClassifierInfo>> {
  return loadClassifierWith(loadOrt, modelPath, options);
}

/**
 * loadClassifier with the onnxruntime module supplied: the seam through which tests make a
 * provider fail on its first run, which no provider on a CPU-only machine does by itself.
 */
export async function loadClassifierWith(
  getOrt: () => typeof Ort,
  modelPath: string,
  options: LoadClassifierOptions = {},
): Promise<Classifier<OnnxClassifierInfo>> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a whole number >= 1, got ${batchSize}`);
  }
  const log = options.log ?? (() => undefined);
  await checkModelFile(modelPath);
  const sha256 = await hashRegularFile(modelPath, FILE_LIMITS.modelBytes);
  const sidecar = await readSidecar(modelPath);
  const ort = getOrt();
  let opened = await openSession(ort, modelPath, options.provider ?? 'cpu', options.deviceId, log);
  try {
    const io = describeIo(opened.session.inputMetadata, opened.session.outputMetadata, modelPath);
    const resolved = resolvePreprocess(sidecar, options.flags ?? {}, io.input);
    checkImageInput(io, resolved, modelPath, sidecar);
    const runSize = batchSizeFor(io, resolved.config, batchSize, modelPath);
    const assumed = assumedDefaults(resolved, io.input);
    if (assumed.length > 0) {
      log(
        `${modelPath}: assumed ${assumed.join(', ')}. Write ${sidecarPath(modelPath)} to state them.`,
      );
    }
    let classes = io.classes;
    // A GPU provider can accept a model and still fail on its first run; a symbolic class
    // count is only known after one. Either way, one run on a zero batch settles it now.
    if (opened.provider !== 'cpu' || classes === null) {
      const probe = await probeRun(ort, opened, io, resolved.config, modelPath, log);
      opened = probe.opened;
      classes = probe.classes;
    }
    checkLabels(resolved, classes, modelPath, sidecar);
    const info: OnnxClassifierInfo = {
      kind: 'onnx',
      path: modelPath,
      sha256,
      files: [],
      command: null,
      inputName: io.input.name,
      outputName: io.output.name,
      inputType: io.input.type,
      fixedBatch: io.fixedBatch,
      outputs: classes,
      labels: resolved.config.labels ?? defaultLabels(classes),
      preprocess: resolved.config,
      configSources: resolved.sources,
      provider: opened.provider,
      fallbackReason: opened.fallbackReason,
    };
    return onnxClassifier(ort, opened.session, io, info, runSize);
  } catch (error) {
    await opened.session.release();
    throw error;
  }
}

function onnxClassifier(
  ort: typeof Ort,
  session: Session,
  io: ModelIo,
  info: OnnxClassifierInfo,
  batchSize: number,
): Classifier<OnnxClassifierInfo> {
  let disposed = false;
  const config = info.preprocess;
  const [height, width] = config.inputSize;
  const buffers = new BatchBuffers();
  return {
    info,
    async predict(images: readonly RgbImage[], signal?: AbortSignal): Promise<Float32Array[]> {
      images.forEach((image, i) => {
        checkImageShape(image, 3, `image ${i}`);
      });
      const rows: Float32Array[] = [];
      const plans = planBatches(images.length, io.fixedBatch, batchSize);
      const tensorOf = (plan: BatchPlan): Promise<Float32Array> => {
        const batch = images.slice(plan.start, plan.start + plan.count);
        const slots = buffers.take(plan.size * 3 * height * width);
        const data = toTensorData(batch, config, slots).then((d) =>
          padInPlace(d, plan.count, plan.size),
        );
        data.catch(() => undefined); // awaited below; a run failing first must not leave it unhandled
        return data;
      };
      let next = plans[0] === undefined ? null : tensorOf(plans[0]);
      for (const [k, plan] of plans.entries()) {
        signal?.throwIfAborted();
        if (disposed) throw new Error(`The classifier for ${info.path} was disposed.`);
        const data = await (next as Promise<Float32Array>);
        // The next batch is resized on sharp's threads while this one runs here.
        const following = plans[k + 1];
        next = following === undefined ? null : tensorOf(following);
        const scores = await runBatch(ort, session, io, config, data, plan.size, info.path);
        buffers.give(data); // onnxruntime has read it; the scores are its own memory
        const kept = splitRows(scores.values, scores.classes, plan.count);
        const bad = firstNonFinite(kept);
        if (bad !== null) {
          throw new ModelInputError(
            `${info.path} produced ${String(bad.value)} for image ${plan.start + bad.row} (0-based, of ${images.length}); the model or its preprocessing is broken. Its input was finite (range [${config.range.join(', ')}], mean [${config.mean.join(', ')}], std [${config.std.join(', ')}]); check the model on the same image in its own framework.`,
          );
        }
        rows.push(...(config.softmax ? kept.map((row) => softmax(row)) : kept));
      }
      return rows;
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      buffers.clear();
      await session.release();
    },
  };
}

/** One run: the batch tensor in, the score rows out as float32 (padded rows included). */
async function runBatch(
  ort: typeof Ort,
  session: Session,
  io: ModelIo,
  config: PreprocessConfig,
  data: Float32Array,
  batch: number,
  modelPath: string,
): Promise<{ values: Float32Array; classes: number }> {
  const dims = feedDims(config, batch);
  checkFeed(io, dims, io.input.type, modelPath);
  const tensor =
    io.input.type === 'float16'
      ? new ort.Tensor('float16', toFloat16Array(data), dims)
      : new ort.Tensor('float32', data, dims);
  const results = await session.run({ [io.input.name]: tensor });
  const output = results[io.output.name];
  if (output === undefined) {
    throw new ModelInputError(`${modelPath} returned no "${io.output.name}" output.`);
  }
  const classes = outputClasses(output.dims, batch, io.classes, io, modelPath);
  return { values: floatValues(output, modelPath), classes };
}

function floatValues(tensor: Ort.Tensor, modelPath: string): Float32Array {
  const values = floatTensorValues(tensor);
  if (values !== null) return values;
  throw new ModelInputError(
    `${modelPath} returned ${tensor.type} scores; propsweep reads float32 or float16.`,
  );
}

/**
 * Runs a zero batch once to learn the class count, and to catch a GPU provider that accepts the
 * model but cannot run it; such a provider is dropped for CPU with the reason recorded.
 */
async function probeRun(
  ort: typeof Ort,
  opened: OpenedSession,
  io: ModelIo,
  config: PreprocessConfig,
  modelPath: string,
  log: (message: string) => void,
): Promise<{ opened: OpenedSession; classes: number }> {
  const batch = io.fixedBatch ?? 1;
  const [h, w] = config.inputSize;
  const zeros = new Float32Array(batch * 3 * h * w);
  const first = await firstRunWithCpuFallback(
    ort,
    opened,
    modelPath,
    log,
    isModelError,
    (session) => runBatch(ort, session, io, config, zeros, batch, modelPath),
  );
  return { opened: first.opened, classes: first.value.classes };
}

function openSession(
  ort: typeof Ort,
  modelPath: string,
  provider: ExecutionProvider,
  deviceId: number | undefined,
  log: (message: string) => void,
): Promise<OpenedSession> {
  return openOrtSession(
    ort,
    modelPath,
    provider,
    deviceId,
    log,
    (reason) =>
      new ModelInputError(
        `${modelPath} is not a valid ONNX model: ${reason}. Export it with torch.onnx.export(model, torch.randn(1, 3, 224, 224), "model.onnx") (tf2onnx or keras2onnx for TensorFlow), and check it with onnx.checker.check_model.`,
      ),
  );
}

/** Refuses a missing, non-regular or empty model file with what to do. */
async function checkModelFile(modelPath: string): Promise<void> {
  let size: number;
  try {
    const info = await stat(modelPath);
    if (!info.isFile()) {
      throw new ModelInputError(`${modelPath} is not a file. Choose the .onnx model file itself.`);
    }
    size = info.size;
  } catch (error) {
    if (error instanceof ModelInputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelInputError(
      code === 'ENOENT'
        ? `${modelPath} does not exist. Check the path, or export the model there with torch.onnx.export.`
        : `Could not read ${modelPath} (${shortReason(error)}). Check that the file is readable.`,
    );
  }
  if (size === 0) {
    throw new ModelInputError(
      `${modelPath} is empty (0 bytes), perhaps an interrupted copy or export. Export or copy the model again.`,
    );
  }
}
