// Shared by the CLI tests: the bundled demo world, fresh folders, the arguments of a cheap
// `propsweep explain` run, processes run at once, and the one error line a refused run must print.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { cli, distFile, ROOT } from '../../unit/helpers';

/** The bundled demo world (models/README.md). */
export const DEMO = join(ROOT, 'models', 'demo');

/** The demo's dark cat, 128 x 128. */
export const DARK_CAT = join(DEMO, 'images', 'dark-cat.png');

/** The demo model that ignores fur colour. */
export const UNBIASED = join(DEMO, 'unbiased.onnx');

/** The demo's fur-colour edit (models/demo/images/demo.json), cheap: 7 steps, 200 permutations. */
export const RECOLOR_EDIT: readonly string[] = [
  '--editor',
  'recolor',
  '--param',
  'target=219,209,194',
  '--steps',
  '7',
  '--permutations',
  '200',
];

/** What a process run to its end printed, and how it ended. */
export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command` in the repository with `env` added, without waiting (several run at once). */
export function runAsync(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Finished> {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  return new Promise((resolve) => {
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

/** The built CLI as its own process, without waiting for it. */
export function cliAsync(args: readonly string[]): Promise<Finished> {
  return runAsync(process.execPath, [distFile('cli.js'), ...args]);
}

/** A fresh temporary folder; kept, so a failing test leaves what the CLI wrote to look at. */
export function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `propsweep-${prefix}-`));
}

/** A run of `propsweep explain`; what is left out is a cheap brightness run of the dark cat. */
export interface ExplainRun {
  readonly image?: string;
  readonly models?: readonly string[];
  readonly editor?: string;
  readonly steps?: number;
  readonly permutations?: number;
  readonly out: string;
  readonly cache: string;
}

/** Runs `propsweep explain` on `run`, with `flags` after its arguments. */
export function explain(run: ExplainRun, ...flags: string[]): ReturnType<typeof cli> {
  return cli([
    'explain',
    '--image',
    run.image ?? DARK_CAT,
    ...(run.models ?? [UNBIASED]).flatMap((m) => ['--model', m]),
    '--editor',
    run.editor ?? 'brightness',
    '--steps',
    String(run.steps ?? 5),
    '--permutations',
    String(run.permutations ?? 100),
    '--out',
    run.out,
    '--cache',
    run.cache,
    ...flags,
  ]);
}

/**
 * The error line of a refused run, asserting it is the only line that starts "propsweep:" and
 * the last (progress lines may come first), with no stack trace.
 */
export function errorLine(stderr: string): string {
  const errors = stderr.split('\n').filter((l) => l.startsWith('propsweep:'));
  assert.equal(errors.length, 1, stderr);
  assert.ok(stderr.trim().endsWith(errors[0] ?? '?'), stderr);
  assert.doesNotMatch(stderr, /internal error|\n\s+at /, 'no stack trace');
  return errors[0] ?? '';
}
