// One entry to every kind of classifier: the pipeline asks for a model spec of any kind and gets a
// Classifier with its name. Each kind lives in its own file; this is the only place that knows
// them all.
import { basename, extname } from 'node:path';

import type { ModelSpec } from '../../shared/childProtocol';
import type { ExecutionProvider } from '../../shared/executionProviders';
import { assertNever } from '../../shared/protocol';
import { loadCommandClassifier } from './commandClassifier';
import { loadClipClassifier } from './clipClassifier';
import { loadClassifier } from './onnxClassifier';
import type { Classifier } from './types';

/** Where and how classifiers run, for every kind. */
export interface LoadModelOptions {
  /** The provider to try first for ONNX models (the CPU is the fallback). */
  readonly provider: ExecutionProvider;
  readonly deviceId?: number | undefined;
  /** A folder of this run where a classifier may write files (a command's PNG hand-over). */
  readonly workDir: string;
  readonly log: (message: string) => void;
  readonly signal?: AbortSignal | undefined;
}

/** A loaded classifier and the name tables and results show for it. */
export interface NamedClassifier {
  readonly name: string;
  readonly classifier: Classifier;
}

/** Loads the classifier `spec` describes; throws ModelInputError for what the user must fix. */
export async function loadModel(
  spec: ModelSpec,
  options: LoadModelOptions,
): Promise<NamedClassifier> {
  switch (spec.kind) {
    case undefined:
    case 'onnx': {
      const classifier = await loadClassifier(spec.path, {
        flags: spec.overrides,
        provider: options.provider,
        deviceId: options.deviceId,
        log: options.log,
      });
      return { name: spec.name ?? basename(spec.path, '.onnx'), classifier };
    }
    case 'command':
      return { name: modelLabel(spec), classifier: await loadCommandClassifier(spec, options) };
    case 'clip':
      return { name: modelLabel(spec), classifier: await loadClipClassifier(spec, options) };
    default:
      // exactOptionalPropertyTypes hides from TypeScript that the optional kind is covered.
      return assertNever(spec);
  }
}

/** What a progress line calls the model while it loads. */
export function modelLabel(spec: ModelSpec): string {
  switch (spec.kind) {
    case undefined:
    case 'onnx':
    case 'clip':
      return spec.name ?? basename(spec.path);
    case 'command':
      return (
        spec.name ??
        (spec.checkpoint === undefined
          ? basename(spec.command[0] ?? '')
          : basename(spec.checkpoint, extname(spec.checkpoint)))
      );
    default:
      return assertNever(spec);
  }
}

/**
 * Loads every classifier at once, in the specs' order: a command's process starts and an ONNX
 * session opens while another loads, so the wait is the longest load, not their sum. The first
 * failure aborts the loads still going (a command's process is stopped), disposes those loaded,
 * and is thrown.
 */
export async function loadAll<S>(
  specs: readonly S[],
  load: (spec: S, signal: AbortSignal) => Promise<NamedClassifier>,
  signal?: AbortSignal,
): Promise<NamedClassifier[]> {
  signal?.throwIfAborted(); // nothing is started after a cancel
  const controller = new AbortController();
  const follow = (): void => {
    controller.abort(signal?.reason);
  };
  signal?.addEventListener('abort', follow, { once: true });
  let failure: { readonly error: unknown } | undefined;
  try {
    const settled = await Promise.allSettled(
      specs.map(async (spec) => {
        try {
          return await load(spec, controller.signal);
        } catch (error) {
          failure ??= { error };
          controller.abort(error);
          throw error;
        }
      }),
    );
    const loaded = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (failure === undefined) return loaded;
    await Promise.all(loaded.map(({ classifier }) => classifier.dispose()));
    throw failure.error;
  } finally {
    signal?.removeEventListener('abort', follow);
  }
}

/** "Loading dark-cats", or "Loading 3 classifiers: a, b, c": the progress line of loadAll. */
export function loadingMessage(specs: readonly ModelSpec[]): string {
  const names = specs.map(modelLabel);
  return names.length === 1
    ? `Loading ${names[0] ?? ''}`
    : `Loading ${names.length} classifiers: ${names.join(', ')}`;
}
