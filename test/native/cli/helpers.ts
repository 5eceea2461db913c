// Shared by the CLI tests: the bundled demo world, fresh folders, the arguments of a cheap
// `propsweep explain` run, and the one error line a refused run must print.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { cli, ROOT } from '../../unit/helpers';

/** The bundled demo world (models/README.md). */
export const DEMO = join(ROOT, 'models', 'demo');

/** The demo's dark cat, 128 x 128. */
export const DARK_CAT = join(DEMO, 'images', 'dark-cat.png');

/** The demo model that ignores fur colour. */
export const UNBIASED = join(DEMO, 'unbiased.onnx');

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
