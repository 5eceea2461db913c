import { fork, type ChildProcess } from 'node:child_process';

import {
  BACKGROUND_FLAG,
  CHILD_PROTOCOL_VERSION,
  childMessageProblem,
  isChildToHost,
  messageId,
  type ChildError,
  type ChildToHost,
  type ExplainFolderRun,
  type ExplainRun,
  type HostToChild,
  type MeasureRun,
  type RunPreview,
  type RunProgress,
  type RunValue,
} from '../../shared/childProtocol';
import { shown } from '../../shared/coerce';
import type { MeasureJson } from '../../shared/result';

/** A request the child answered with an error; `kind` says whose it is to fix. */
export class ChildRunError extends Error {
  override readonly name = 'ChildRunError';
  constructor(
    readonly kind: ChildError['kind'] | 'crashed',
    message: string,
    /** Where to read how to fix it (see ChildError.help). */
    readonly help?: ChildError['help'],
  ) {
    super(message);
  }
}

/**
 * A cancelled request whose child did not stop within the grace period and was killed: unlike a
 * cooperative cancel, it may have left files behind. Still an AbortError for callers that only
 * need to know the run was cancelled.
 */
export class StoppedAtOnceError extends DOMException {
  constructor() {
    super(
      'The run was stopped at once: the inference process did not stop in time and was killed, so a result it was writing may be incomplete.',
      'AbortError',
    );
  }
}

/**
 * How long a cancelled folder run may take to stop before its process is killed (an explanation
 * gets 2 s): it finishes the image being written and writes the summary of those done, which took
 * longer than 2 s on a busy machine; killed, it wrote no summary, and the cancel seemed to keep
 * nothing (its journal still held the images done).
 */
export const FOLDER_CANCEL_GRACE_MS = 20_000;

/** Options of one request. */
export interface RunOptions {
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((progress: RunProgress) => void) | undefined;
  /** An explanation's answer before its frames are written (asked for with `preview: true`). */
  readonly onPreview?: ((preview: RunPreview) => void) | undefined;
  /** How long a cancelled request may take to stop before the process is killed. */
  readonly graceMs?: number | undefined;
}

interface Pending {
  readonly resolve: (value: RunValue) => void;
  readonly reject: (error: Error) => void;
  readonly onProgress: ((progress: RunProgress) => void) | undefined;
  readonly onPreview: ((preview: RunPreview) => void) | undefined;
}

/**
 * The forked inference process, seen from the host or the CLI. A crash of the child rejects every
 * pending request and never takes the parent down; `dispose` kills it.
 */
export class InferenceChild {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exited: string | undefined;
  /** Set by `retire`: the process goes once no request waits. */
  private retiring = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly log: (text: string) => void,
  ) {
    child.on('message', (message: unknown) => {
      const problem = childMessageProblem(message);
      if (problem === null) this.receive(message as ChildToHost);
      else this.refuse(message, problem);
    });
    child.on('exit', (code, signal) => {
      this.exited =
        signal !== null ? `was killed by ${signal}` : `exited with code ${code ?? 'unknown'}`;
      const error = new ChildRunError(
        'crashed',
        `The propsweep inference process ${this.exited} while working. See the log for details.`,
      );
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    });
    // A closed channel carries no answer: the child is stopped, and its exit fails what waits.
    child.on('disconnect', () => {
      if (this.exited === undefined) this.child.kill('SIGKILL');
    });
    // A request or cancel sent as the channel closes (before the exit is known) fails here; thrown
    // from an 'error' event without a listener, it took the host down.
    child.on('error', (error) => {
      this.log(`propsweep: the inference process: ${error.message}\n`);
    });
  }

  /**
   * Forks `childPath` and waits for its `child/ready`. `background`: the child runs below normal
   * priority (VS Code starts it so; the command line does not), so that the editor stays
   * responsive while models and the shuffle test use every core.
   */
  static start(
    childPath: string,
    options: {
      stderr?: (text: string) => void;
      timeoutMs?: number;
      background?: boolean;
      /** Variables set for the child on top of this process's own (PROPSWEEP_CPU_THREADS). */
      env?: Readonly<Record<string, string>>;
    } = {},
  ): Promise<InferenceChild> {
    // The child is a bundled script: it needs none of the parent's loader or inspector flags.
    const child = fork(childPath, options.background === true ? [BACKGROUND_FLAG] : [], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
      execArgv: [],
      ...(options.env !== undefined && { env: { ...process.env, ...options.env } }),
    });
    // Decoded as a stream: a character split across two chunks stays one character.
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => options.stderr?.(chunk));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        fail(
          new Error(
            `The propsweep inference process did not start within ${options.timeoutMs ?? 15000} ms.`,
          ),
        );
      }, options.timeoutMs ?? 15000);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(error);
      };
      child.once('error', fail);
      child.once('exit', (code) => {
        fail(
          new Error(
            `The propsweep inference process exited with code ${code ?? 'unknown'} on start.`,
          ),
        );
      });
      child.once('message', (message: unknown) => {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.removeAllListeners('error');
        if (
          !isChildToHost(message) ||
          message.type !== 'child/ready' ||
          message.version !== CHILD_PROTOCOL_VERSION
        ) {
          child.kill('SIGKILL');
          reject(
            new Error(
              `The propsweep inference process speaks another protocol (got ${shown(message)}); rebuild the extension.`,
            ),
          );
          return;
        }
        resolve(new InferenceChild(child, (text) => options.stderr?.(text)));
      });
    });
  }

  /** Whether the process is still running, and can still be spoken to. */
  get alive(): boolean {
    return this.exited === undefined && this.child.connected;
  }

  /** The child's process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Measures one path in the child. */
  async measure(request: Omit<MeasureRun, 'type'>, options: RunOptions = {}): Promise<MeasureJson> {
    const value = await this.run({ type: 'measure/run', ...request }, options);
    if (value.kind !== 'measure')
      throw new ChildRunError(
        'internal',
        'The inference process answered a measurement with another kind of result.',
      );
    return value.result;
  }

  /** Edits, classifies, measures and writes one explanation in the child. */
  async explain(
    request: Omit<ExplainRun, 'type'>,
    options: RunOptions = {},
  ): Promise<Extract<RunValue, { kind: 'explain' }>> {
    const value = await this.run({ type: 'explain/run', ...request }, options);
    if (value.kind !== 'explain')
      throw new ChildRunError(
        'internal',
        'The inference process answered an explanation with another kind of result.',
      );
    return value;
  }

  /**
   * Explains every image of a folder (or shard) in the child and writes its summary; progress
   * comes once per image. A cancel stops between images and rejects with an AbortError, after the
   * child has written the summary of the images that were done (a later run resumes them).
   */
  async explainFolder(
    request: Omit<ExplainFolderRun, 'type'>,
    options: Omit<RunOptions, 'onPreview'> = {},
  ): Promise<Extract<RunValue, { kind: 'folder' }>> {
    const value = await this.run(
      { type: 'explainFolder/run', ...request },
      { graceMs: FOLDER_CANCEL_GRACE_MS, ...options },
    );
    if (value.kind !== 'folder')
      throw new ChildRunError(
        'internal',
        'The inference process answered a folder run with another kind of result.',
      );
    return value;
  }

  /** Kills the process (it holds nothing that needs a clean shutdown). */
  dispose(): void {
    if (this.exited === undefined) this.child.kill('SIGKILL');
  }

  /**
   * Kills the process once no request waits for an answer: at once when none does, else when the
   * last settles. Looked at after the current turn of the event loop, so that a caller handed this
   * child in this turn (ChildService.get) has sent its request by then.
   */
  retire(): void {
    this.retiring = true;
    setImmediate(() => {
      this.settled();
    });
  }

  /** After a request settled: a retired child with none left goes. */
  private settled(): void {
    if (this.retiring && this.pending.size === 0) this.dispose();
  }

  private run(
    message: MeasureRun | ExplainRun | ExplainFolderRun,
    options: RunOptions,
  ): Promise<RunValue> {
    if (this.exited !== undefined || !this.child.connected)
      return Promise.reject(
        new ChildRunError(
          'crashed',
          `The propsweep inference process ${this.exited ?? 'closed its channel'}.`,
        ),
      );
    const { signal } = options;
    if (signal?.aborted === true) return Promise.reject(abortError());
    const id = this.nextId++;
    return new Promise<RunValue>((resolve, reject) => {
      let killTimer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        this.child.send({ type: 'run/cancel', id });
        // Cooperative first; a child stuck inside one long native call is killed.
        killTimer = setTimeout(() => {
          this.pending.delete(id);
          this.child.kill('SIGKILL');
          reject(new StoppedAtOnceError());
        }, options.graceMs ?? 2000);
      };
      const done = (): void => {
        clearTimeout(killTimer);
        signal?.removeEventListener('abort', onAbort);
      };
      this.pending.set(id, {
        resolve: (r) => {
          done();
          resolve(r);
        },
        reject: (e) => {
          done();
          reject(e);
        },
        onProgress: options.onProgress,
        onPreview: options.onPreview,
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      const request: HostToChild = { ...message, id }; // typed: an id-less request would be ignored
      this.child.send(request);
    });
  }

  /**
   * An invalid message must not leave its request waiting for ever: one that names a pending
   * request fails that request (and asks the child to stop it); one that names none means the
   * child can no longer be trusted to answer, so every pending request fails and the child is
   * killed (ChildService starts a fresh one for the next request).
   */
  private refuse(message: unknown, problem: string): void {
    const id = messageId(message);
    this.log(
      `propsweep: the inference process sent an invalid message${id === undefined ? '' : ` for request ${id}`} (${problem}).\n`,
    );
    const pending = id === undefined ? undefined : this.pending.get(id);
    if (id !== undefined && pending !== undefined) {
      this.pending.delete(id);
      if (this.exited === undefined) this.child.send({ type: 'run/cancel', id });
      pending.reject(
        new ChildRunError(
          'internal',
          `The propsweep inference process answered with an invalid message (${problem}). See the log for details.`,
        ),
      );
      this.settled();
      return;
    }
    if (id !== undefined) return; // a late message for a request that has settled already
    this.exited = 'sent an invalid message and was stopped';
    const error = new ChildRunError(
      'crashed',
      `The propsweep inference process sent an invalid message (${problem}) and was stopped; it starts afresh on the next run. See the log for details.`,
    );
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.child.kill('SIGKILL');
  }

  private receive(message: ChildToHost): void {
    if (message.type === 'child/ready') return;
    const pending = this.pending.get(message.id);
    if (pending === undefined) return;
    if (message.type === 'run/progress') {
      pending.onProgress?.(message);
      return;
    }
    if (message.type === 'run/preview') {
      pending.onPreview?.(message);
      return;
    }
    this.pending.delete(message.id);
    if (message.ok) pending.resolve(message.value);
    else if (message.error.kind === 'cancelled') pending.reject(abortError());
    else {
      pending.reject(
        new ChildRunError(message.error.kind, message.error.message, message.error.help),
      );
    }
    this.settled();
  }
}

function abortError(): Error {
  return new DOMException('The run was cancelled.', 'AbortError');
}
