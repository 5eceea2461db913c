// The user's classifier process, as the command classifier talks to it: started without a shell,
// stdout read as bounded JSON lines, stderr copied to the log with its last lines kept for error
// messages, and stopped for sure. On POSIX it leads its own process group, so that stopping it
// also stops what it started (`conda run`, a shell wrapper, data-loader workers); a host that
// exits first takes the group down with it.
import { spawn, type ChildProcess } from 'node:child_process';

import { COMMAND_LIMITS, LineSplitter, ProtocolProblem, StreamTail } from './commandProtocol';

/** How the process ended, in words that complete "The classifier command X (...)". */
export class CommandEnded extends Error {
  override readonly name = 'CommandEnded';

  constructor(
    readonly what: string,
    readonly todo: string,
  ) {
    super(`${what}. ${todo}`);
  }
}

/** What stdout gave: a line, or nothing within the time allowed. */
export type ReadResult = { readonly line: string } | { readonly timedOut: true };

/** How to start a command. */
export interface StartOptions {
  /** Program and arguments, `{checkpoint}` already replaced. */
  readonly command: readonly string[];
  readonly cwd: string;
  /** Receives every stderr line (the first COMMAND_LIMITS.loggedStderrLines). */
  readonly log: (line: string) => void;
}

/** Milliseconds to wait after SIGTERM before SIGKILL. */
const TERM_GRACE_MS = 2000;
/** Milliseconds a command has to exit by itself once its stdin is closed. */
const EXIT_GRACE_MS = 3000;
/** How long stderr may trail the exit before the exit is reported without it. */
const STDERR_TRAIL_MS = 250;

// Processes still running when the host exits: killed synchronously from one 'exit' listener.
const running = new Set<CommandProcess>();
let exitHook = false;

/** A running classifier command (see the file's comment). */
export class CommandProcess {
  private readonly lines: string[] = [];
  private readonly stdout = new LineSplitter();
  private readonly stderr = new StreamTail();
  private logged = 0;
  private waiter: ((result: ReadResult | CommandEnded) => void) | undefined;
  private ended: CommandEnded | undefined;
  private readonly exit: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly log: (line: string) => void,
  ) {
    let exited: () => void = () => undefined;
    this.exit = new Promise((resolve) => (exited = resolve));
    child.stdout?.on('data', (chunk: Buffer) => {
      this.onStdout(chunk);
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      this.onStderr(text);
    });
    // A write to a process that is gone fails with EPIPE; its exit says more and is reported.
    child.stdin?.on('error', () => undefined);
    child.on('error', (error: NodeJS.ErrnoException) => {
      // Only a process that never started has no pid; other errors (a failed kill) change nothing.
      if (child.pid !== undefined) return;
      this.end(startFailure(error, child.spawnfile));
      running.delete(this);
      exited();
    });
    child.on('exit', (code, signal) => {
      running.delete(this);
      exited();
      // Its last lines explain the exit (or are its last answer): wait for its pipes to close a
      // moment, not for ever (a grandchild may hold them open).
      const trail = new Promise((resolve) => {
        child.once('close', resolve);
        setTimeout(resolve, STDERR_TRAIL_MS).unref();
      });
      void trail.then(() => {
        this.end(
          new CommandEnded(
            signal === null ? `exited with code ${code ?? '?'}` : `was ended by ${signal}`,
            'Run the command by hand to see why',
          ),
        );
      });
    });
  }

  /** Starts `options.command`; a program that cannot be started is reported by the first read. */
  static start(options: StartOptions): CommandProcess {
    const [program = '', ...args] = options.command;
    const child = spawn(program, args, {
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
      windowsHide: true,
      detached: process.platform !== 'win32',
      // Python block-buffers a piped stdout: unbuffered, an answer that forgets to flush still arrives.
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
    const started = new CommandProcess(child, options.log);
    running.add(started);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', () => {
        for (const command of running) command.signal('SIGKILL');
      });
    }
    return started;
  }

  /** The process id (undefined when it could not be started). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The last stderr lines, for error messages. */
  stderrTail(): string[] {
    return this.stderr.lines();
  }

  /** Writes one protocol line to its stdin. */
  write(line: string): void {
    if (this.ended === undefined) this.child.stdin?.write(line);
  }

  /**
   * The next stdout line, or timedOut after `ms`; rejects with CommandEnded once the process has
   * ended or broken the protocol, and with the signal's reason when it aborts.
   */
  read(ms: number, signal: AbortSignal | undefined): Promise<ReadResult> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve({ line });
    if (this.ended !== undefined) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      const done = (result: ReadResult | CommandEnded | 'aborted'): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiter = undefined;
        if (result === 'aborted') reject(abortReason(signal));
        else if (result instanceof CommandEnded) reject(result);
        else resolve(result);
      };
      const onAbort = (): void => {
        done('aborted');
      };
      const timer = setTimeout(() => {
        done({ timedOut: true });
      }, ms);
      this.waiter = done;
      if (signal?.aborted === true) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Stops the process (and its group): SIGTERM, then SIGKILL if it is still there after a grace. */
  async kill(): Promise<void> {
    if (!running.has(this)) return this.exit;
    this.signal('SIGTERM');
    const timer = setTimeout(() => {
      this.signal('SIGKILL');
    }, TERM_GRACE_MS);
    await this.exit;
    clearTimeout(timer);
  }

  /** Closes its stdin, the protocol's "done"; kills it when it does not exit within a grace. */
  async close(): Promise<void> {
    this.child.stdin?.end();
    if (!running.has(this)) return;
    const timer = setTimeout(() => {
      void this.kill();
    }, EXIT_GRACE_MS);
    await this.exit;
    clearTimeout(timer);
  }

  private signal(name: NodeJS.Signals): void {
    const { pid } = this.child;
    if (pid === undefined) return;
    try {
      if (process.platform === 'win32') this.child.kill();
      else process.kill(-pid, name);
    } catch {
      // Gone already.
    }
  }

  private onStdout(chunk: Buffer): void {
    let lines: string[];
    try {
      lines = this.stdout.push(chunk);
    } catch (error) {
      const problem = error as ProtocolProblem;
      this.fail(new CommandEnded(problem.what, problem.todo));
      return;
    }
    for (const line of lines) {
      if (line.trim() === '') continue;
      if (this.waiter !== undefined) this.waiter({ line });
      else this.lines.push(line);
    }
    if (this.lines.length > COMMAND_LIMITS.unaskedLines) {
      this.fail(
        new CommandEnded(
          `printed ${this.lines.length} lines on stdout that answer no request, starting with ${JSON.stringify(this.lines[0]?.slice(0, COMMAND_LIMITS.quotedChars))}`,
          'Print one answer per request; print logs and progress to stderr',
        ),
      );
    }
  }

  private onStderr(text: string): void {
    for (const line of this.stderr.push(text)) {
      if (this.logged < COMMAND_LIMITS.loggedStderrLines) this.log(line);
      else if (this.logged === COMMAND_LIMITS.loggedStderrLines) {
        this.log(
          `(more than ${COMMAND_LIMITS.loggedStderrLines} stderr lines; the rest is not logged)`,
        );
      }
      this.logged++;
    }
  }

  /** Records a protocol breach that ends the conversation, and stops the process. */
  private fail(ended: CommandEnded): void {
    this.lines.length = 0;
    this.end(ended);
    void this.kill();
  }

  private end(ended: CommandEnded): void {
    if (this.ended !== undefined) return;
    this.ended = ended;
    this.child.stdout?.removeAllListeners('data');
    this.waiter?.(ended);
  }
}

function startFailure(error: NodeJS.ErrnoException, program: string): CommandEnded {
  if (error.code === 'ENOENT') {
    return new CommandEnded(
      `could not be started: ${JSON.stringify(program)} was not found`,
      "Give the program's full path, or put it on PATH. The command runs without a shell: aliases, activation scripts and shell syntax do not apply (for a virtual environment, name its python, e.g. .venv/bin/python)",
    );
  }
  if (error.code === 'EACCES') {
    return new CommandEnded(
      `could not be started: ${JSON.stringify(program)} is not executable`,
      'Make it executable (chmod +x), or run it through its interpreter (python script.py)',
    );
  }
  return new CommandEnded(
    `could not be started (${error.message})`,
    'Check the program and its working folder',
  );
}

/** Why `signal` aborted, as the Error that throwIfAborted would throw. */
function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error
    ? reason
    : new DOMException('This operation was aborted', 'AbortError');
}
