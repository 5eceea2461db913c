// Messages between a folder run and its classifier thread (classifierWorker.ts): the classifiers
// load and predict there, so that inference, which holds the thread that runs it for a whole
// batch, leaves the run's own thread free to edit, measure and write the other images meanwhile.
import type { ModelSpec } from '../../shared/childProtocol';
import type { ExecutionProvider } from '../../shared/executionProviders';
import type { ErrorHelp } from '../editors/types';
import type { RgbImage } from '../images/image';
import type { ClassifierInfo } from '../models/types';

/** An error as it crosses the thread boundary: its class by name, its message and help. */
export interface WorkerError {
  readonly name: string;
  readonly message: string;
  readonly help?: ErrorHelp | undefined;
}

/** From the run to the classifier thread. */
export type ToClassifierWorker =
  | {
      readonly type: 'classifier/load';
      readonly id: number;
      readonly spec: ModelSpec;
      readonly provider: ExecutionProvider;
      readonly deviceId?: number | undefined;
      readonly workDir: string;
    }
  | {
      readonly type: 'classifier/predict';
      readonly id: number;
      /** The classifier, by the order it was loaded in (0 first). */
      readonly model: number;
      readonly images: readonly RgbImage[];
    }
  /** Drops a queued prediction (answered 'failed' with an AbortError) or stops a load. */
  | { readonly type: 'classifier/cancel'; readonly id: number }
  /** Releases every classifier once the predictions asked for are done; answered 'disposed'. */
  | { readonly type: 'classifier/dispose' };

/** From the classifier thread to the run. */
export type FromClassifierWorker =
  | {
      readonly type: 'classifier/loaded';
      readonly id: number;
      /** What predictions call it (`model`). */
      readonly index: number;
      readonly name: string;
      readonly info: ClassifierInfo;
    }
  | { readonly type: 'classifier/predicted'; readonly id: number; readonly rows: Float32Array[] }
  | { readonly type: 'classifier/failed'; readonly id: number; readonly error: WorkerError }
  | { readonly type: 'classifier/log'; readonly message: string }
  | { readonly type: 'classifier/disposed' };
