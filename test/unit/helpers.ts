import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root (tests run from it). */
export const ROOT = join(__dirname, '..', '..');

/** A built file under dist/; the test command builds before testing. */
export function distFile(name: string): string {
  const path = join(ROOT, 'dist', name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run "npm run build" first.`);
  return path;
}

/** Runs the built CLI; returns its exit code and output. */
export function cli(
  args: string[],
  stdin?: string,
): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [distFile('cli.js'), ...args], {
    input: stdin,
    encoding: 'utf8',
    cwd: ROOT,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A smooth two-class softmax path over `steps` evenly spaced strengths. */
export function twoClassPath(steps: number, centre = 0.5, sharpness = 12): number[][] {
  return Array.from({ length: steps }, (_, k) => {
    const p = 1 / (1 + Math.exp(-sharpness * (k / (steps - 1) - centre)));
    return [1 - p, p];
  });
}

/**
 * A name from someone else's file that, printed raw, hides a link (OSC 8), clears the screen,
 * overwrites with a carriage return and a backspace, forges a CI log line, reverses text (U+202E)
 * and starts a one-character CSI (U+009B).
 */
export const HOSTILE_TEXT =
  'a\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\\x1b[2J\rb\bc\n::error::d\u202ee\u009b2Jf\u2028g\u2066h';

/** Whether `text` holds a character a terminal would act on; a line break too unless `lines`. */
export function hasTerminalControl(text: string, lines = false): boolean {
  const controls =
    // eslint-disable-next-line no-control-regex -- control characters are what is looked for
    /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
  return controls.test(text) || (!lines && text.includes('\n'));
}
