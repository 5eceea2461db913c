import type { RunProgress } from '../shared/childProtocol';

/**
 * Progress on standard error: a redrawn bar on a terminal, one line per phase otherwise (logs and
 * CI stay readable). Standard output stays clean for --json.
 */
export class ProgressBar {
  private lastPhase: string | undefined;
  private drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  /** Shows a progress message. */
  update(progress: RunProgress): void {
    const { phase = '', done, total, message } = progress;
    if (this.stream.isTTY) {
      const width = 24;
      const fraction =
        done !== undefined && total !== undefined && total > 0 ? done / total : undefined;
      const bar =
        fraction === undefined
          ? ''
          : `[${'#'.repeat(Math.round(fraction * width)).padEnd(width, '.')}] `;
      const columns = this.stream.columns > 0 ? this.stream.columns : 100;
      this.stream.write(`\r\x1b[K${`${bar}${message}`.slice(0, columns - 1)}`);
      this.drawn = true;
    } else if (phase !== this.lastPhase || (done !== undefined && done === total)) {
      this.stream.write(`${message}\n`);
    }
    this.lastPhase = phase;
  }

  /** Clears the bar before the result is printed. */
  finish(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
