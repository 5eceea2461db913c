import type { ExecutionProvider } from '../../shared/executionProviders';
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

/** A loaded classifier, described for results and reports. */
export interface ClassifierInfo {
  readonly path: string;
  readonly sha256: string;
  readonly inputName: string;
  readonly outputName: string;
  readonly inputType: 'float32' | 'float16';
  /** Batch size fixed by the model, or null when the batch axis is dynamic. */
  readonly fixedBatch: number | null;
  readonly outputs: number;
  readonly labels: readonly string[];
  readonly preprocess: PreprocessConfig;
  readonly configSources: Readonly<Record<keyof PreprocessConfig, ConfigSource>>;
  /** The provider that actually ran, after any fallback. */
  readonly provider: ExecutionProvider;
  /** Why the requested provider was not used, when it was not. */
  readonly fallbackReason: string | null;
}

/** A classifier: images in, one output vector per image out (softmax applied when configured). */
export interface Classifier {
  readonly info: ClassifierInfo;
  predict(images: readonly RgbImage[], signal?: AbortSignal): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

/** A model file, sidecar or image the classifier cannot use: the message says what to do. */
export class ModelInputError extends Error {
  override readonly name = 'ModelInputError';
}
