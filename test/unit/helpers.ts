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
