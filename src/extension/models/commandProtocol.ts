// The classifier command protocol, version 1 (README "Classifier commands"), as pure functions:
// the lines propsweep writes, the lines it accepts, and the bounds on what it reads. JSON lines
// over the command's stdin and stdout:
//   command: {"propsweep": 1, "labels": ["cat", "dog"], "outputs": "logits"}   (labels optional)
//   host:    {"id": 1, "images": ["/abs/000.png", ...]}
//   command: {"id": 1, "outputs": [[...], ...]}  or  {"id": 1, "error": "what went wrong"}
//   host closes stdin; the command exits.
// A hello without labels leaves the number of scores open: the host then sends a probe request
// of one 8x8 grey image at load and takes the width of its answer (the run's size is checked
// before the first real image is classified). Nothing here starts a process, so every refusal is
// unit tested on literal lines.
import { shown } from '../../shared/coerce';
import { formatSize } from '../../shared/format';
import { LIMITS } from '../../shared/limits';

/** The protocol version propsweep speaks: the hello's "propsweep" value. */
const COMMAND_PROTOCOL_VERSION = 1;

/** Bounds on everything read from a command, and on what propsweep sends it. */
export const COMMAND_LIMITS = {
  /** Longest stdout line: 32 rows of 100,000 scores fit, a stream without newlines does not. */
  lineBytes: 64 * 1024 * 1024,
  /** Lines a command may print that answer no request before it is stopped. */
  unaskedLines: 8,
  /** stderr lines kept for error messages. */
  stderrLines: 20,
  /** Characters kept of one stderr line (a progress bar redrawn with \r can be one long line). */
  stderrLineChars: 1000,
  /** stderr lines copied to the log before the rest is only counted. */
  loggedStderrLines: 10_000,
  /** Characters of a stray line or an error answer quoted in a message. */
  quotedChars: 200,
  /** Most images in one request. */
  imagesPerRequest: 32,
} as const;

/** What a command says of itself in its hello. */
export interface CommandHello {
  /** Class names, one per score; null when the command names none. */
  readonly labels: readonly string[] | null;
  /** logits get a softmax, as for ONNX models; probabilities are taken as they are. */
  readonly outputs: 'logits' | 'probabilities';
}

/** An answer: one row of scores per image, or the command's own error message. */
export type CommandAnswer = { readonly rows: Float32Array[] } | { readonly error: string };

/**
 * A line (or stream) that breaks the protocol. `what` completes "The classifier command X (...)":
 * what happened; `todo` says what to do. The caller adds the command, checkpoint and stderr.
 */
export class ProtocolProblem extends Error {
  override readonly name = 'ProtocolProblem';

  constructor(
    readonly what: string,
    readonly todo: string,
  ) {
    super(`${what}. ${todo}`);
  }
}

/** The hello a command prints, for messages. */
export const HELLO_EXAMPLE = '{"propsweep": 1, "labels": ["cat", "dog"], "outputs": "logits"}';

const STDOUT_TODO =
  'stdout carries only the protocol\'s JSON lines: print logs and progress to stderr (in Python, print(..., file=sys.stderr)); README "Classifier commands" has the protocol';

/** `text` as a quoted JSON string of at most `max` characters, with its full length when cut. */
export function quoted(text: string, max: number = COMMAND_LIMITS.quotedChars): string {
  if (text.length <= max) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, max))}... (${text.length} characters)`;
}

/** The argument list with every `{checkpoint}` replaced by the checkpoint's path. */
export function resolveCommand(
  command: readonly string[],
  checkpoint: string | undefined,
): string[] {
  return command.map((word) =>
    checkpoint === undefined ? word : word.replaceAll('{checkpoint}', checkpoint),
  );
}

/** An argument list as one line for messages: words with spaces or quotes are JSON-quoted. */
export function commandText(command: readonly string[]): string {
  const text = command.map((w) => (w === '' || /[\s"'\\]/.test(w) ? JSON.stringify(w) : w));
  const line = text.join(' ');
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}

/** "1 image", "32 images". */
export function imageCount(n: number): string {
  return `${n} image${n === 1 ? '' : 's'}`;
}

/** The request line for a batch of PNG files (absolute paths), newline included. */
export function requestLine(id: number, images: readonly string[]): string {
  return `${JSON.stringify({ id, images })}\n`;
}

function parseObject(line: string): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/** The hello, or a ProtocolProblem saying what is wrong with the first line a command printed. */
export function parseHello(line: string): CommandHello {
  const hello = parseObject(line);
  if (hello === null || !('propsweep' in hello)) {
    throw new ProtocolProblem(
      `printed ${quoted(line)} on stdout instead of its hello`,
      `Print the hello ${HELLO_EXAMPLE} first, once the model is loaded; ${STDOUT_TODO}`,
    );
  }
  if (hello.propsweep !== COMMAND_PROTOCOL_VERSION) {
    throw new ProtocolProblem(
      `says it speaks protocol version ${shown(hello.propsweep)}`,
      `propsweep speaks version ${COMMAND_PROTOCOL_VERSION}: print ${HELLO_EXAMPLE}`,
    );
  }
  if (hello.outputs !== 'logits' && hello.outputs !== 'probabilities') {
    throw new ProtocolProblem(
      `says "outputs": ${shown(hello.outputs)} in its hello`,
      'Say "outputs": "logits" (propsweep applies a softmax) or "outputs": "probabilities" (taken as they are)',
    );
  }
  return { labels: helloLabels(hello.labels), outputs: hello.outputs };
}

function helloLabels(labels: unknown): readonly string[] | null {
  if (labels === undefined || labels === null) return null;
  const problem = !Array.isArray(labels)
    ? `"labels": ${shown(labels)}, not a list`
    : labels.length === 0
      ? 'an empty "labels" list'
      : labels.length > LIMITS.outputs
        ? `${labels.length} labels, more than the ${LIMITS.outputs} scores a result can hold`
        : labelProblem(labels as unknown[]);
  if (problem === null) return labels as string[];
  throw new ProtocolProblem(
    `sent ${problem} in its hello`,
    `Give "labels" as a list of class names (1 to ${LIMITS.labelChars} characters each), one per score, or leave it out`,
  );
}

function labelProblem(labels: readonly unknown[]): string | null {
  const index = labels.findIndex(
    (l) => typeof l !== 'string' || l.length === 0 || l.length > LIMITS.labelChars,
  );
  return index === -1 ? null : `label ${index} ${shown(labels[index])}`;
}

/** What an answer must look like: its request's id, one row per image, the known width if any. */
export interface AnswerShape {
  readonly id: number;
  readonly images: number;
  /** Scores per row; null while unknown (the probe learns it). */
  readonly width: number | null;
}

// Python's json.dumps writes NaN and Infinity, which are not JSON.
const NON_FINITE_WORD = /(?:^|[^\w"])-?(?:NaN|Infinity)(?:[^\w"]|$)/;

/** The answer to request `shape.id`, or a ProtocolProblem saying how the line breaks the protocol. */
export function parseAnswer(line: string, shape: AnswerShape): CommandAnswer {
  const { id } = shape;
  const answer = parseObject(line);
  // Only an answer (a JSON object) holds scores: a log line that says NaN is a stray line.
  if (answer === null && line.trimStart().startsWith('{') && NON_FINITE_WORD.test(line)) {
    throw new ProtocolProblem(
      `answered request ${id} with NaN or Infinity, which JSON cannot hold`,
      'The model produced non-finite scores: check it on the same images in its own framework (its preprocessing too)',
    );
  }
  if (answer === null || !('id' in answer)) {
    throw new ProtocolProblem(
      `printed ${quoted(line)} on stdout while propsweep waited for the answer to request ${id}`,
      `Answer each request with {"id": ${id}, "outputs": [[...], ...]}; ${STDOUT_TODO}`,
    );
  }
  if (answer.id !== id) {
    throw new ProtocolProblem(
      `answered id ${shown(answer.id)} when request ${id} was waiting`,
      'Answer each request once, in order, with the id it came with',
    );
  }
  // "error": null is no error: a Python answer that always carries the key writes None so.
  if ('error' in answer && answer.error !== null) {
    return { error: typeof answer.error === 'string' ? answer.error : shown(answer.error) };
  }
  return { rows: answerRows(answer.outputs, shape) };
}

function answerRows(outputs: unknown, shape: AnswerShape): Float32Array[] {
  const { id, images } = shape;
  const wrong = (
    what: string,
    todo = "Answer one list of scores per image, in the request's order, every list as long",
  ): never => {
    throw new ProtocolProblem(`answered request ${id} (${imageCount(images)}) with ${what}`, todo);
  };
  if (!Array.isArray(outputs)) return wrong(`"outputs": ${shown(outputs)}, not a list of rows`);
  if (outputs.length !== images) return wrong(`${outputs.length} rows`);
  const width = shape.width ?? (Array.isArray(outputs[0]) ? outputs[0].length : 0);
  if (width < 1 || width > LIMITS.outputs) {
    return wrong(`rows of ${width} scores`, `Answer 1 to ${LIMITS.outputs} scores per image`);
  }
  return outputs.map((row: unknown, r) => {
    if (!Array.isArray(row)) return wrong(`row ${r} ${shown(row)}, not a list of numbers`);
    if (row.length !== width) {
      return wrong(
        `${row.length} scores in row ${r} where ${shape.width === null ? 'row 0 has' : 'its labels say'} ${width}`,
      );
    }
    const values = new Float32Array(width);
    for (let c = 0; c < width; c++) {
      const v: unknown = row[c];
      if (typeof v !== 'number') {
        return wrong(
          `${shown(v)} as score ${c} of row ${r}${v === null ? ' (JavaScript writes NaN and Infinity as null)' : ''}`,
          typeof v === 'number' || v === null
            ? 'The model produced non-finite scores: check it on the same images in its own framework'
            : 'Every score must be a number',
        );
      }
      values[c] = v;
      if (!Number.isFinite(values[c])) {
        return wrong(
          `${v} as score ${c} of row ${r}, beyond float32`,
          'Scores must be finite 32-bit floats: check the model on the same images',
        );
      }
    }
    return values;
  });
}

/**
 * Splits a byte stream into lines (\n or \r\n), UTF-8 decoded once whole, refusing a line longer
 * than `maxBytes` as soon as it passes it: a process that writes without newlines cannot make
 * propsweep hold more than that.
 */
export class LineSplitter {
  private parts: Uint8Array[] = [];
  private size = 0;
  private readonly decoder = new TextDecoder();

  constructor(private readonly maxBytes: number = COMMAND_LIMITS.lineBytes) {}

  /** The lines that `chunk` completes; throws a ProtocolProblem on a line that is too long. */
  push(chunk: Uint8Array): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.add(chunk.subarray(start, nl));
      lines.push(this.take().replace(/\r$/, ''));
      start = nl + 1;
    }
    if (start < chunk.length) this.add(chunk.subarray(start));
    return lines;
  }

  private add(piece: Uint8Array): void {
    if (this.size + piece.length > this.maxBytes) {
      throw new ProtocolProblem(
        `printed a line longer than ${formatSize(this.maxBytes)} on stdout`,
        `Answer at most ${COMMAND_LIMITS.imagesPerRequest} rows per line and end every line with a newline; ${STDOUT_TODO}`,
      );
    }
    this.parts.push(piece);
    this.size += piece.length;
  }

  private take(): string {
    const bytes = this.parts.length === 1 ? this.parts[0] : concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    return bytes === undefined ? '' : this.decoder.decode(bytes);
  }
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * The last lines of a text stream (stderr), each cut to `maxChars`: what an error message shows.
 * `push` returns the lines a chunk completes, for the log.
 */
export class StreamTail {
  private readonly kept: string[] = [];
  private partial = '';

  constructor(
    private readonly maxLines: number = COMMAND_LIMITS.stderrLines,
    private readonly maxChars: number = COMMAND_LIMITS.stderrLineChars,
  ) {}

  /** Adds a chunk of text; returns the lines it completed (cut to maxChars). */
  push(text: string): string[] {
    const pieces = text.split('\n');
    const done: string[] = [];
    for (const [i, piece] of pieces.entries()) {
      // A carriage return redraws the line (a progress bar): what follows the last one is shown.
      let line = this.partial + piece;
      const cr = line.lastIndexOf('\r', line.length - 2);
      if (cr !== -1) line = line.slice(cr + 1);
      this.partial = this.cut(line);
      if (i < pieces.length - 1) {
        done.push(this.partial.replace(/\r$/, ''));
        this.partial = '';
      }
    }
    for (const line of done) this.keep(line);
    return done;
  }

  /** The kept lines, the unfinished last one included. */
  lines(): string[] {
    return this.partial === ''
      ? [...this.kept]
      : [...this.kept, this.partial].slice(-this.maxLines);
  }

  private keep(line: string): void {
    this.kept.push(line);
    if (this.kept.length > this.maxLines) this.kept.shift();
  }

  private cut(line: string): string {
    return line.length > this.maxChars ? `${line.slice(0, this.maxChars)}...` : line;
  }
}
