import type { RunProgress } from '../shared/childProtocol';
import { terminalText } from './terminal';

/**
 * When a log (standard error that is not a terminal) gets a line: at each new phase, or also at
 * each new item a count goes through (a folder run's images: one line per image, whatever phases
 * each goes through).
 */
export type LogLines = 'phase' | 'item';

/**
 * Progress on standard error: a redrawn bar on a terminal, a line per phase (or per item)
 * otherwise, so that logs and CI stay readable. Standard output stays clean for --json.
 */
export class ProgressBar {
  private lastPhase: string | undefined;
  private lastItem: { readonly done: number; readonly total: number } | undefined;
  private drawn = false;
  /** What the bar shows now, on a terminal (drawn again after a log line). */
  private line = '';

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly lines: LogLines = 'phase',
  ) {}

  /** Shows a progress message. */
  update(progress: RunProgress): void {
    const { phase = '', done, total } = progress;
    // A message names the image at hand, whose file name anyone may have chosen.
    const message = terminalText(progress.message);
    if (this.stream.isTTY) {
      const width = 24;
      const fraction =
        done !== undefined && total !== undefined && total > 0 ? done / total : undefined;
      const bar =
        fraction === undefined
          ? ''
          : `[${'#'.repeat(Math.round(fraction * width)).padEnd(width, '.')}] `;
      const columns = this.stream.columns > 0 ? this.stream.columns : 100;
      this.line = `${bar}${message}`.slice(0, columns - 1);
      this.stream.write(`\r\x1b[K${this.line}`);
      this.drawn = true;
      terminal.bar = this;
    } else if (this.lines === 'item') {
      // Counted reports are an item's (image k of n, its steps included), and the first report of
      // a later item starts its line: reports of two items in flight at once (one edited while
      // the one before is classified) give one line each. Reports without a count go by phase.
      const counted = done !== undefined && total !== undefined;
      const next = counted
        ? total !== this.lastItem?.total || done > this.lastItem.done
        : phase !== this.lastPhase || this.lastItem !== undefined;
      if (next) this.stream.write(`${message}\n`);
      if (counted && next) this.lastItem = { done, total };
      if (!counted) this.lastItem = undefined;
    } else if (phase !== this.lastPhase || (done !== undefined && done === total)) {
      this.stream.write(`${message}\n`);
    }
    this.lastPhase = phase;
  }

  /** Clears the bar before the result is printed. */
  finish(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
    if (terminal.bar === this) terminal.bar = undefined;
  }

  /** Writes `text`, whole lines (see wholeLines), on the bar's line, and the bar again below. */
  interject(text: string): void {
    if (!this.drawn) {
      this.stream.write(text);
      return;
    }
    this.stream.write(`\r\x1b[K${text}${this.line}`);
  }
}

/** The bar drawn on the terminal now, if any. */
const terminal: { bar?: ProgressBar | undefined } = {};

/**
 * Writes a log line (the inference process's standard error) on standard error: above the bar
 * when one is drawn, so that the line does not run into the bar's.
 */
export function writeLog(text: string): void {
  if (terminal.bar === undefined) process.stderr.write(text);
  else terminal.bar.interject(text);
}

/** Longest part line held back for its end: a longer one goes out as it is. */
const MAX_PART_LINE = 65_536;

/**
 * Chunks of a stream (which may end in the middle of a line) as whole lines: `push` hands each
 * run of complete lines to `write`, `flush` the rest, ended with a line break.
 */
export function wholeLines(write: (lines: string) => void): {
  push(text: string): void;
  flush(): void;
} {
  let part = '';
  return {
    push(text) {
      const joined = part + text;
      const end = joined.lastIndexOf('\n') + 1;
      part = joined.slice(end);
      if (end > 0) write(joined.slice(0, end));
      if (part.length > MAX_PART_LINE) this.flush();
    },
    flush() {
      if (part === '') return;
      const rest = part;
      part = '';
      write(`${rest}\n`);
    },
  };
}
