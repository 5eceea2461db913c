// A classifier that is the user's own process (a PyTorch checkpoint through their script), spoken
// to in the classifier command protocol (commandProtocol.ts). Frames go over as PNG files in the
// run's scratch folder, up to 32 per request; every failure names the command and the checkpoint
// and shows the command's last stderr lines. Runs only in the inference child process.
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import type { CommandModelSpec } from '../../shared/childProtocol';
import { formatSize } from '../../shared/format';
import { UnreadableFileError } from '../files/boundedFiles';
import { FileDigests } from '../files/fileDigests';
import { checkImageShape, type RgbImage } from '../images/image';
import { storedPng } from './commandPng';
import { CommandEnded, CommandProcess, type ReadResult } from './commandProcess';
import {
  COMMAND_LIMITS,
  HELLO_EXAMPLE,
  ProtocolProblem,
  commandText,
  imageCount,
  parseAnswer,
  parseHello,
  quoted,
  requestLine,
  resolveCommand,
  type CommandHello,
} from './commandProtocol';
import { softmax } from './outputs';
import { defaultLabels } from './preprocess';
import { ModelInputError, type Classifier, type ClassifierInfo } from './types';

/** What loading a command classifier needs from the run (LoadModelOptions' shape). */
export interface CommandLoadOptions {
  /** A folder of this run; the PNG hand-over goes into a subfolder per classifier. */
  readonly workDir: string;
  readonly log: (message: string) => void;
  readonly signal?: AbortSignal | undefined;
}

/** Seconds allowed for the hello when the spec gives none: importing torch is slow. */
const DEFAULT_HELLO_SECONDS = 120;
/** Seconds allowed per request when the spec gives none. */
const DEFAULT_BATCH_SECONDS = 600;
/** Largest checkpoint hashed for the result's stale check. */
const CHECKPOINT_BYTES = 64 * 1024 ** 3;
/** Longest time limit accepted: a day. */
const MAX_SECONDS = 86_400;

// Checkpoints are hashed once per process while unchanged (a track run loads each many times).
const digests = new FileDigests();

/** Where a failure happened, for its message. */
type Stage = { readonly hello: true } | { readonly id: number; readonly images: number };

/**
 * Starts the command, waits for its hello (and learns the number of scores from a probe when it
 * names no labels) and returns it as a Classifier. Throws ModelInputError for anything the user
 * has to fix; the process is stopped whenever loading fails.
 */
export async function loadCommandClassifier(
  spec: CommandModelSpec,
  options: CommandLoadOptions,
): Promise<Classifier> {
  const command = resolveCommand(spec.command, spec.checkpoint);
  const about = describe(command, spec.checkpoint);
  const helloMs = limitMs(spec.helloSeconds, DEFAULT_HELLO_SECONDS, 'helloSeconds', about);
  const batchMs = limitMs(spec.batchSeconds, DEFAULT_BATCH_SECONDS, 'batchSeconds', about);
  if (command.length === 0 || command[0] === '') {
    throw new ModelInputError(`${about} has no program. Give the command as a non-empty list.`);
  }
  if (spec.checkpoint === undefined && spec.command.some((w) => w.includes('{checkpoint}'))) {
    throw new ModelInputError(`${about} names {checkpoint}, but no checkpoint file was given.`);
  }
  const sha256 =
    spec.checkpoint === undefined
      ? createHash('sha256').update(JSON.stringify(command)).digest('hex')
      : await checkpointDigest(spec.checkpoint, about);
  const cwd = await workingFolder(spec, about);
  const folder = await mkdtemp(join(resolve(options.workDir), 'command-'));
  const label = spec.name ?? commandText(command);
  const handOver = new HandOver(folder);
  let child: CommandProcess;
  try {
    child = CommandProcess.start({
      command,
      cwd,
      log: (line) => {
        options.log(`${label}: ${line}`);
      },
    });
  } catch (error) {
    // spawn refuses some arguments at once (a NUL byte in one): the user's to fix.
    await handOver.dispose();
    throw new ModelInputError(
      `${about} could not be started (${error instanceof Error ? error.message : String(error)}). Check the program and its arguments.`,
    );
  }
  const talk = new Conversation(child, about);
  try {
    const hello = await talk.hello(helloMs, options.signal);
    // Without labels the number of scores is learned from one small image, before any real one.
    const outputs = hello.labels?.length ?? (await probeWidth(talk, handOver, batchMs, options));
    const info: ClassifierInfo = {
      kind: 'command',
      path: spec.checkpoint ?? '',
      sha256,
      files: [],
      command,
      outputs,
      labels: hello.labels ?? defaultLabels(outputs),
      provider: 'command',
      fallbackReason: null,
    };
    return commandClassifier(info, hello, talk, handOver, batchMs);
  } catch (error) {
    await child.kill();
    await handOver.dispose();
    throw error;
  }
}

/** The number of scores the command answers for one image. */
async function probeWidth(
  talk: Conversation,
  handOver: HandOver,
  batchMs: number,
  options: CommandLoadOptions,
): Promise<number> {
  const paths = handOver.write(talk.nextId, [PROBE]);
  try {
    const [row] = await talk.ask(paths, null, batchMs, options.signal);
    return row?.length ?? 0;
  } finally {
    handOver.remove(paths);
  }
}

/** An 8x8 mid-grey image: the probe that tells the number of scores. */
const PROBE: RgbImage = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(128) };

function commandClassifier(
  info: ClassifierInfo,
  hello: CommandHello,
  talk: Conversation,
  handOver: HandOver,
  batchMs: number,
): Classifier {
  let queue: Promise<unknown> = Promise.resolve();
  let disposed = false;
  // One request at a time, in order: the protocol answers requests in the order they came.
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    info,
    predict(images: readonly RgbImage[], signal?: AbortSignal): Promise<Float32Array[]> {
      images.forEach((image, i) => {
        checkImageShape(image, 3, `image ${i}`);
      });
      return serial(async () => {
        const rows: Float32Array[] = [];
        for (let start = 0; start < images.length; start += COMMAND_LIMITS.imagesPerRequest) {
          signal?.throwIfAborted();
          if (disposed) throw new Error(`${talk.about} was disposed.`);
          const batch = images.slice(start, start + COMMAND_LIMITS.imagesPerRequest);
          const paths = handOver.write(talk.nextId, batch);
          try {
            const answer = await talk.ask(paths, info.outputs, batchMs, signal);
            rows.push(...(hello.outputs === 'logits' ? answer.map((r) => softmax(r)) : answer));
          } finally {
            handOver.remove(paths);
          }
        }
        return rows;
      });
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      await talk.close();
      await handOver.dispose();
    },
  };
}

/**
 * The request and answer exchange with one process: ids, time limits, cancellation, and the
 * error messages. After any failure the process is stopped and every later request fails alike.
 */
class Conversation {
  private lastId = 0;
  private broken: Error | undefined;

  constructor(
    private readonly process: CommandProcess,
    /** How messages name the classifier. */
    readonly about: string,
  ) {}

  /** The id the next request gets. */
  get nextId(): number {
    return this.lastId + 1;
  }

  /** Waits for the hello and reads it. */
  async hello(ms: number, signal: AbortSignal | undefined): Promise<CommandHello> {
    const line = await this.read(ms, signal, { hello: true });
    return this.guard(() => parseHello(line));
  }

  /** Sends one request and returns its rows; an error answer is thrown as a ModelInputError. */
  async ask(
    paths: readonly string[],
    width: number | null,
    ms: number,
    signal: AbortSignal | undefined,
  ): Promise<Float32Array[]> {
    if (this.broken !== undefined) throw this.broken;
    const id = ++this.lastId;
    const stage = { id, images: paths.length };
    this.process.write(requestLine(id, paths));
    const line = await this.read(ms, signal, stage);
    const answer = this.guard(() => parseAnswer(line, { id, images: paths.length, width }));
    if ('error' in answer) {
      throw this.failure(
        `answered request ${id} (${imageCount(paths.length)}) with the error ${quoted(answer.error, 2000)}`,
        'Fix what it says, then run again',
      );
    }
    return answer.rows; // parseAnswer has refused non-finite scores
  }

  /** Closes stdin and waits for the process to exit (killing it after a grace). */
  async close(): Promise<void> {
    this.broken ??= new Error(`${this.about} was disposed.`);
    await this.process.close();
  }

  private async read(ms: number, signal: AbortSignal | undefined, stage: Stage): Promise<string> {
    let result: ReadResult;
    try {
      result = await this.process.read(ms, signal);
    } catch (error) {
      if (error instanceof CommandEnded) {
        const during = 'hello' in stage ? 'before its hello' : `during request ${stage.id}`;
        throw this.stop(`${error.what} ${during}`, error.todo);
      }
      // Cancelled: nothing more will be asked, and the process may be deep in a batch.
      this.broken = new Error(`${this.about} was stopped by a cancel.`);
      await this.process.kill();
      throw error;
    }
    if ('line' in result) return result.line;
    const seconds = ms / 1000;
    throw 'hello' in stage
      ? this.stop(
          `printed no hello within ${seconds} s`,
          `Print ${HELLO_EXAMPLE} on stdout (and flush it) as soon as the model is loaded; if loading takes longer, raise the limit (--hello-timeout, or "helloSeconds" in the classifier's settings entry)`,
        )
      : this.stop(
          `did not answer request ${stage.id} (${imageCount(stage.images)}) within ${seconds} s`,
          'Check that it answers every request with one line and flushes stdout; if the model is that slow, raise the limit (--batch-timeout, or "batchSeconds" in the classifier\'s settings entry)',
        );
  }

  private guard<T>(parse: () => T): T {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ProtocolProblem)) throw error;
      throw this.stop(error.what, error.todo);
    }
  }

  /** A failure that ends the conversation: the process is killed (not awaited). */
  private stop(what: string, todo: string): ModelInputError {
    const error = this.failure(what, todo);
    this.broken = error;
    void this.process.kill();
    return error;
  }

  private failure(what: string, todo: string): ModelInputError {
    const tail = this.process.stderrTail();
    const stderr =
      tail.length === 0
        ? ' It printed nothing on stderr.'
        : `\nIts last stderr lines:\n${tail.map((l) => `  ${l}`).join('\n')}`;
    return new ModelInputError(`${this.about} ${what}. ${todo}.${stderr}`);
  }
}

/**
 * The PNG files of the requests, `<id>-000.png`, `<id>-001.png`, ... in the classifier's own
 * folder. They are written and removed synchronously: a batch of 32 frames at 128 px (1.5 MB)
 * takes about 2.5 ms to write and 0.6 ms to remove here, against 4-10 ms and 2-4 ms for the same
 * as 32 concurrent writes on libuv's pool and a recursive removal of a folder per request
 * (npm run bench -- classifiers), time that the command waits for in every batch.
 */
class HandOver {
  constructor(private readonly folder: string) {}

  /**
   * Writes `images` as the files of request `id`; returns their absolute paths. When one cannot be
   * written (a full disk), those written are removed, so that the request can be made again.
   */
  write(id: number, images: readonly RgbImage[]): string[] {
    const paths: string[] = [];
    try {
      for (const [i, image] of images.entries()) {
        const path = join(this.folder, `${String(id)}-${String(i).padStart(3, '0')}.png`);
        writeFileSync(path, storedPng(image), { flag: 'wx' });
        paths.push(path);
      }
    } catch (error) {
      this.remove(paths);
      throw error;
    }
    return paths;
  }

  /** Removes a request's files once it is answered. */
  remove(paths: readonly string[]): void {
    for (const path of paths) rmSync(path, { force: true });
  }

  async dispose(): Promise<void> {
    await rm(this.folder, { recursive: true, force: true });
  }
}

/** "The classifier command `...` (checkpoint X)": how every message names the classifier. */
function describe(command: readonly string[], checkpoint: string | undefined): string {
  const named = `The classifier command \`${commandText(command)}\``;
  return checkpoint === undefined ? named : `${named} (checkpoint ${checkpoint})`;
}

function limitMs(value: number | undefined, fallback: number, key: string, about: string): number {
  const seconds = value ?? fallback;
  if (!(seconds > 0 && seconds <= MAX_SECONDS)) {
    throw new ModelInputError(
      `${about}: ${key} must be more than 0 and at most ${MAX_SECONDS} seconds, got ${String(value)}.`,
    );
  }
  return seconds * 1000;
}

async function checkpointDigest(checkpoint: string, about: string): Promise<string> {
  try {
    return (await digests.digest(checkpoint, CHECKPOINT_BYTES)).sha256;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ||
      code === 'ENOTDIR' ||
      (error instanceof UnreadableFileError && error.reason === 'missing')
        ? 'it does not exist'
        : error instanceof UnreadableFileError
          ? error.message
          : `it cannot be read (${(error as Error).message})`;
    throw new ModelInputError(
      `${about}: the checkpoint cannot be used: ${why}. Give an existing checkpoint file (at most ${formatSize(CHECKPOINT_BYTES)}) with --checkpoint or the "checkpoint" of the classifier's settings entry.`,
    );
  }
}

/** spec.cwd, else the checkpoint's folder, else the current folder; it must be a folder. */
async function workingFolder(spec: CommandModelSpec, about: string): Promise<string> {
  // The folder the user runs from (the CLI's; VS Code sends the workspace folder as cwd), where a
  // relative script path such as `python predict.py` is written to be found.
  const cwd = resolve(spec.cwd ?? '.');
  const isFolder = await stat(cwd).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isFolder) {
    throw new ModelInputError(
      `${about}: its working folder ${cwd} is not a folder. Give an existing folder as "cwd".`,
    );
  }
  return cwd;
}
