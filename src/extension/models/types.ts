import type { ClassifierKind } from '../../shared/childProtocol';
import type { ExecutionProvider } from '../../shared/executionProviders';
import type { ModelFileRecord } from '../../shared/resultFile';
import type { RgbImage } from '../images/image';

/**
 * How a model wants its input, from the sidecar MODEL.json beside MODEL.onnx or from flags.
 * Pixel p in [0, 255] becomes ((p / 255) * (range[1] - range[0]) + range[0] - mean[c]) / std[c].
 */
export interface PreprocessConfig {
  readonly layout: 'NCHW' | 'NHWC';
  /** [height, width] fed to the model. */
  readonly inputSize: readonly [number, number];
  /** fill: stretch; cover: scale to cover then centre-crop; contain: scale to fit and pad. */
  readonly resize: 'fill' | 'cover' | 'contain';
  readonly range: readonly [number, number];
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  readonly channelOrder: 'RGB' | 'BGR';
  readonly labels: readonly string[] | null;
  /** logits get a softmax when `softmax` is on (the default for logits). */
  readonly outputKind: 'logits' | 'probabilities';
  readonly softmax: boolean;
}

/** Where a preprocessing value came from, so the output can state defaults it assumed. */
export type ConfigSource = 'sidecar' | 'flag' | 'default';

/** What every loaded classifier says of itself, whatever its kind, for results and reports. */
export interface ClassifierInfo {
  readonly kind: ClassifierKind;
  /** The file that is the classifier: an ONNX model, a command's checkpoint ('' when none), CLIP's model.onnx. */
  readonly path: string;
  /** Its sha256 (a command without a checkpoint: the sha256 of its command line). */
  readonly sha256: string;
  /** Other files that decide its answers (a CLIP model's prompts). */
  readonly files: readonly ModelFileRecord[];
  /** A classifier command's command line, `{checkpoint}` replaced; null for other kinds. */
  readonly command: readonly string[] | null;
  /** Scores per image. */
  readonly outputs: number;
  readonly labels: readonly string[];
  /** The execution provider that ran it, or 'command' for the user's own process. */
  readonly provider: ExecutionProvider | 'command';
  /** Why the requested provider was not used, when it was not. */
  readonly fallbackReason: string | null;
}

/** A loaded ONNX classifier: ClassifierInfo and how its file is fed. */
export interface OnnxClassifierInfo extends ClassifierInfo {
  readonly kind: 'onnx';
  readonly inputName: string;
  readonly outputName: string;
  readonly inputType: 'float32' | 'float16';
  /** Batch size fixed by the model, or null when the batch axis is dynamic. */
  readonly fixedBatch: number | null;
  readonly preprocess: PreprocessConfig;
  readonly configSources: Readonly<Record<keyof PreprocessConfig, ConfigSource>>;
  /** The provider that actually ran, after any fallback. */
  readonly provider: ExecutionProvider;
}

/** A classifier: images in, one output vector per image out (softmax applied when configured). */
export interface Classifier<Info extends ClassifierInfo = ClassifierInfo> {
  readonly info: Info;
  predict(images: readonly RgbImage[], signal?: AbortSignal): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

/** A model file, sidecar or image the classifier cannot use: the message says what to do. */
export class ModelInputError extends Error {
  override readonly name = 'ModelInputError';
}

/** Whether an error is the user's to fix (not a provider's failure to run). */
export function isModelError(error: unknown): boolean {
  return error instanceof ModelInputError;
}
