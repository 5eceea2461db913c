// ONNX Runtime sessions on the provider the user asked for, with the CPU as the fallback, for
// every kind of model (classifiers, the diffusion editor's four models). onnxruntime does not fall
// back by itself: with executionProviders ['cuda', 'cpu'] a missing CUDA library fails the whole
// session, so the requested provider is tried alone, then the CPU, and the reason is kept.
import type * as Ort from 'onnxruntime-node';

import type { ExecutionProvider } from '../../shared/executionProviders';
import { cpuThreads } from './cpuThreads';

/** A session and the provider it actually runs on. */
export interface OpenedSession {
  readonly session: Ort.InferenceSession;
  readonly provider: ExecutionProvider;
  /** Why the requested provider is not the one used, when it is not. */
  readonly fallbackReason: string | null;
}

/** What to do to get each provider working, said when it falls back. */
export const PROVIDER_HINTS: Readonly<Record<Exclude<ExecutionProvider, 'cpu'>, string>> = {
  cuda: 'CUDA needs the CUDA 12 and cuDNN 9 runtimes and the CUDA provider library: ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node.',
  dml: 'DirectML runs on Windows only.',
  coreml: 'CoreML runs on macOS only.',
  webgpu: 'WebGPU needs a GPU adapter (Vulkan, Metal or Direct3D 12).',
};

/**
 * A session on the requested provider alone, else on the CPU (logged with the reason and a hint).
 * A model the CPU cannot open either is refused with `invalid(reason)`, the caller's own error.
 */
export async function openOrtSession(
  ort: typeof Ort,
  modelPath: string,
  provider: ExecutionProvider,
  deviceId: number | undefined,
  log: (message: string) => void,
  invalid: (reason: string) => Error,
): Promise<OpenedSession> {
  let fallbackReason: string | null = null;
  if (provider !== 'cpu') {
    try {
      return {
        session: await createOrtSession(ort, modelPath, provider, deviceId),
        provider,
        fallbackReason: null,
      };
    } catch (error) {
      fallbackReason = shortReason(error);
      log(
        `${modelPath}: the ${provider} provider is not available (${fallbackReason}); using CPU. ${PROVIDER_HINTS[provider]}`,
      );
    }
  }
  let session: Ort.InferenceSession;
  try {
    session = await createOrtSession(ort, modelPath, 'cpu', undefined);
  } catch (error) {
    throw invalid(shortReason(error));
  }
  if (!toldCpuThreads) {
    toldCpuThreads = true;
    log(`CPU inference runs ${cpuThreadsNote()}.`);
  }
  return { session, provider: 'cpu', fallbackReason };
}

/** Whether this process (or thread) has logged what its CPU sessions run with. */
let toldCpuThreads = false;

/**
 * One session on one provider. By path, not from bytes: a model with external data (weights in
 * model.onnx_data) resolves them relative to its own path.
 */
export function createOrtSession(
  ort: typeof Ort,
  modelPath: string,
  provider: ExecutionProvider,
  deviceId: number | undefined,
): Promise<Ort.InferenceSession> {
  const ep: Ort.InferenceSession.ExecutionProviderConfig =
    (provider === 'cuda' || provider === 'dml') && deviceId !== undefined
      ? { name: provider, deviceId }
      : provider;
  return ort.InferenceSession.create(modelPath, {
    executionProviders: [ep],
    ...(provider === 'cpu' && cpuSessionOptions()),
  });
}

/**
 * A CPU session's threads: as many as cpuThreads() chooses, and they sleep between a run's
 * operators instead of spinning. Spinning threads took the cores that edit, measure and write
 * the other images: a folder run of 100 images on 2 threads (npm run bench -- folder) took 10.7 s
 * with spinning, 7.9 s without, and 8.1 s on onnxruntime's one thread.
 */
export function cpuSessionOptions(): Ort.InferenceSession.SessionOptions {
  const { threads } = cpuThreads();
  return {
    ...(threads !== null && { intraOpNumThreads: threads }),
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

/** What CPU sessions run with, for the log: "on 2 threads (one per physical core ...)". */
export function cpuThreadsNote(): string {
  const { threads, reason } = cpuThreads();
  if (threads === null) return `on the threads onnxruntime chooses (${reason})`;
  return `on ${threads} thread${threads === 1 ? '' : 's'} (${reason})`;
}

/** The first line of an onnxruntime message (they carry source paths and trailing newlines). */
export function shortReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/**
 * A session's first run, on the provider it opened on: a GPU provider can accept a model and still
 * fail its first run (a missing kernel or library), and is then dropped for the CPU with the reason
 * recorded (and logged). Errors `theirs` says are the caller's own (the user's input) are thrown.
 */
export async function firstRunWithCpuFallback<T>(
  ort: typeof Ort,
  opened: OpenedSession,
  modelPath: string,
  log: (message: string) => void,
  theirs: (error: unknown) => boolean,
  work: (session: Ort.InferenceSession) => Promise<T>,
): Promise<{ opened: OpenedSession; value: T }> {
  try {
    return { opened, value: await work(opened.session) };
  } catch (error) {
    if (opened.provider === 'cpu' || theirs(error)) throw error;
    const reason = shortReason(error);
    log(
      `${modelPath}: the ${opened.provider} provider failed its first run (${reason}); using CPU.`,
    );
    await opened.session.release();
    const cpu: OpenedSession = {
      session: await createOrtSession(ort, modelPath, 'cpu', undefined),
      provider: 'cpu',
      fallbackReason: reason,
    };
    try {
      return { opened: cpu, value: await work(cpu.session) };
    } catch (cpuError) {
      await cpu.session.release();
      throw cpuError;
    }
  }
}
