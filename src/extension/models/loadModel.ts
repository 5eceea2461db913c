// One entry to every kind of classifier: the pipeline asks for a model spec of any kind and gets a
// Classifier with its name. Each kind lives in its own file; this is the only place that knows
// them all.
import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';

import type { ModelSpec } from '../../shared/childProtocol';
import type { ExecutionProvider } from '../../shared/executionProviders';
import { assertNever } from '../../shared/protocol';
import { stableStringify } from '../../shared/resultFile';
import { fileStamp, filesStamp } from '../files/fileDigests';
import { loadCommandClassifier } from './commandClassifier';
import { loadClipClassifier } from './clipClassifier';
import { loadClassifier } from './onnxClassifier';
import { sidecarPath } from './sidecar';
import type { Classifier } from './types';
import type { WarmClassifiers } from './warmClassifiers';

/** Where and how classifiers run, for every kind. */
export interface LoadModelOptions {
  /** The provider to try first for ONNX models (the CPU is the fallback). */
  readonly provider: ExecutionProvider;
  readonly deviceId?: number | undefined;
  /** A folder of this run where a classifier may write files (a command's PNG hand-over). */
  readonly workDir: string;
  readonly log: (message: string) => void;
  readonly signal?: AbortSignal | undefined;
  /** Keeps ONNX and CLIP classifiers loaded between the runs of this process (the child's). */
  readonly warm?: WarmClassifiers | undefined;
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
      const load = (): Promise<Classifier> =>
        loadClassifier(spec.path, {
          flags: spec.overrides,
          provider: options.provider,
          deviceId: options.deviceId,
          log: options.log,
        });
      const classifier = await kept(options, spec.path, load, async () => ({
        key: { kind: 'onnx', path: resolve(spec.path), overrides: spec.overrides ?? null },
        stamp: await onnxStamp(spec.path),
      }));
      return { name: spec.name ?? basename(spec.path, '.onnx'), classifier };
    }
    case 'command':
      // Never kept: the user's script may change between runs, and only a new process runs it.
      return { name: modelLabel(spec), classifier: await loadCommandClassifier(spec, options) };
    case 'clip': {
      const load = (): Promise<Classifier> => loadClipClassifier(spec, options);
      const classifier = await kept(options, spec.path, load, async () => ({
        key: {
          kind: 'clip',
          path: resolve(spec.path),
          prompts: resolve(spec.prompts),
          output: spec.output ?? 'softmax',
        },
        stamp: `${await folderStamp(spec.path)} | ${await fileStamp(spec.prompts)}`,
      }));
      return { name: modelLabel(spec), classifier };
    }
    default:
      // exactOptionalPropertyTypes hides from TypeScript that the optional kind is covered.
      return assertNever(spec);
  }
}

/**
 * The classifier `load` gives, or, with options.warm, the one kept from a run before when its key
 * (what the spec decides, with the provider and device) and its files' stamps are the same.
 */
async function kept(
  options: LoadModelOptions,
  what: string,
  load: () => Promise<Classifier>,
  identity: () => Promise<{ readonly key: Record<string, unknown>; readonly stamp: string }>,
): Promise<Classifier> {
  const { warm } = options;
  if (warm === undefined) return load();
  const { key, stamp } = await identity();
  return warm.lease(
    stableStringify({ ...key, provider: options.provider, deviceId: options.deviceId ?? null }),
    stamp,
    load,
    (how) => {
      if (how === 'reused')
        options.log(`${what}: unchanged since a run before, its loaded session reused.`);
    },
  );
}

/** The model file's and its sidecar's stamps (size, modification time, inode; or missing). */
async function onnxStamp(modelPath: string): Promise<string> {
  const [model, sidecar] = await Promise.all([
    fileStamp(modelPath),
    fileStamp(sidecarPath(modelPath)),
  ]);
  return `${model} | ${sidecar}`;
}

/** Files of a model folder stamped at most; a folder with more is never reused. */
const FOLDER_STAMP_ENTRIES = 256;

/**
 * The stamps of every entry directly in `folder` (a CLIP export: the model, its tokenizer and
 * preprocessor files), by name; a unique stamp (nothing reused) when it cannot be listed or is
 * larger than an export.
 */
async function folderStamp(folder: string): Promise<string> {
  const names = await readdir(folder).catch(() => null);
  if (names === null || names.length > FOLDER_STAMP_ENTRIES) return `unlisted ${randomUUID()}`;
  return filesStamp(
    folder,
    names.sort().map((name) => join(folder, name)),
  );
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
