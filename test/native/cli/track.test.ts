// `propsweep track` on a folder of ONNX checkpoints: the demo's three models named as epochs of
// one training run (ep2 sorts before ep10), the fur-colour edit of the dark cat that the
// dark-cats model flips on and the unbiased one does not.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { cli, distFile, ROOT } from '../../unit/helpers';
import { loadResult } from '../../../src/extension/store/resultFiles';
import { validateResultFile } from '../../../src/shared/resultFile';
import { DARK_CAT, DEMO, errorLine, RECOLOR_EDIT, tmp } from './helpers';

const EPOCHS: Record<string, string> = { ep1: 'unbiased', ep2: 'dark-cats', ep10: 'dark-dogs' };

/** Copies the demo model behind epoch `name` (its sidecar first) into `dir`. */
function checkpoint(dir: string, name: string): void {
  const model = EPOCHS[name] ?? '';
  copyFileSync(join(DEMO, `${model}.json`), join(dir, `${name}.json`));
  copyFileSync(join(DEMO, `${model}.onnx`), join(dir, `${name}.onnx`));
}

/** The fur-colour edit of the dark cat, cheap. */
const EDIT = [
  '--image',
  DARK_CAT,
  '--mask',
  join(DEMO, 'images', 'dark-cat.mask.png'),
  ...RECOLOR_EDIT,
];

/** The arguments of `track` over `checkpoints`, the edit above, into `out` with `cache`. */
function trackArgs(checkpoints: string, out: string, cache: string): string[] {
  return ['track', '--checkpoints', checkpoints, ...EDIT, '--out', out, '--cache', cache];
}

interface Row {
  checkpoint: string;
  epoch: number | null;
  epgm: number;
  p_value: number;
  flips: number;
  predictions: number[][];
}

test('track runs every checkpoint in epoch order, as explain measures each model', () => {
  const dir = tmp('track-ck');
  for (const name of ['ep10', 'ep1', 'ep2']) checkpoint(dir, name);
  const out = tmp('track-out');
  const cache = tmp('track-cache');
  const run = cli([...trackArgs(dir, out, cache), '--json']);
  assert.equal(run.code, 0, run.stderr);
  const json = JSON.parse(run.stdout) as { result_file: string; order: string; rows: Row[] };
  assert.equal(json.order, 'epoch');
  assert.deepEqual(
    json.rows.map((r) => [r.checkpoint, r.epoch]),
    [
      [join(dir, 'ep1.onnx'), 1],
      [join(dir, 'ep2.onnx'), 2],
      [join(dir, 'ep10.onnx'), 10],
    ],
  );
  // The same numbers as explain gives each model on the same path.
  const explained = cli([
    'explain',
    ...EDIT,
    ...['unbiased', 'dark-cats', 'dark-dogs'].flatMap((m) => ['--model', join(DEMO, `${m}.onnx`)]),
    '--out',
    tmp('track-explain'),
    '--cache',
    cache,
    '--json',
  ]);
  assert.equal(explained.code, 0, explained.stderr);
  const models = (
    JSON.parse(explained.stdout) as { models: { epgm: number; p_value: number; flips: number }[] }
  ).models;
  json.rows.forEach((row, i) => {
    assert.equal(row.epgm, models[i]?.epgm);
    assert.equal(row.p_value, models[i]?.p_value);
    assert.equal(row.flips, models[i]?.flips);
  });
  assert.equal(json.rows[0]?.flips, 0, 'the unbiased model keeps its answer');
  assert.ok((json.rows[1]?.flips ?? 0) > 0, 'the dark-cats model flips on the fur colour');
  assert.equal(json.rows[0].predictions.length, 7);
  // The table without --json, from the cached edits.
  const table = cli(trackArgs(dir, out, cache));
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.split('\n').filter((l) => /^\s+ep\d+\.onnx/.test(l));
  assert.deepEqual(
    lines.map((l) => l.trim().split(/\s+/)[0]),
    ['ep1.onnx', 'ep2.onnx', 'ep10.onnx'],
  );
});

test('the result of a track run reopens, its checkpoints relative to it', async () => {
  const dir = tmp('track-ck');
  for (const name of ['ep1', 'ep2']) checkpoint(dir, name);
  const out = tmp('track-out');
  const run = cli([...trackArgs(dir, out, tmp('track-cache')), '--json']);
  assert.equal(run.code, 0, run.stderr);
  const path = (JSON.parse(run.stdout) as { result_file: string }).result_file;
  const raw: unknown = JSON.parse(readFileSync(path, 'utf8'));
  assert.deepEqual(validateResultFile(raw), []);
  const loaded = await loadResult(path);
  assert.equal(loaded.result.track?.order, 'epoch');
  assert.deepEqual(
    loaded.result.track.checkpoints.map((c) => [c.file, c.epoch]),
    [
      [`../${dir.split('/').at(-1) ?? ''}/ep1.onnx`, 1],
      [`../${dir.split('/').at(-1) ?? ''}/ep2.onnx`, 2],
    ],
  );
  assert.deepEqual(
    loaded.result.models.map((m) => m.name),
    ['ep1', 'ep2'],
  );
});

test('a folder without checkpoints, or a flag of explain, is refused with one line', () => {
  const empty = tmp('track-empty');
  const none = cli(trackArgs(empty, tmp('o'), tmp('c')));
  assert.equal(none.code, 2);
  assert.match(errorLine(none.stderr), /no file in .* matches --pattern "\*\.onnx"/);
  const model = cli(['track', '--checkpoints', empty, ...EDIT, '--model', 'a.onnx']);
  assert.equal(model.code, 2);
  assert.match(errorLine(model.stderr), /--model belongs to explain/);
  const missing = cli(trackArgs(join(empty, 'nope'), tmp('o'), tmp('c')));
  assert.equal(missing.code, 2);
  assert.match(errorLine(missing.stderr), /no such folder/);
});

test('--watch runs a checkpoint copied in once it stops growing, and Ctrl-C stops with 130', async () => {
  const dir = tmp('track-watch');
  mkdirSync(dir, { recursive: true });
  checkpoint(dir, 'ep1');
  const out = tmp('track-watch-out');
  const child = spawn(
    process.execPath,
    [
      distFile('cli.js'),
      ...trackArgs(dir, out, tmp('track-cache')),
      '--json',
      '--watch',
      '--settle',
      '0.3',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
    for (const w of waiters.splice(0)) w();
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const rows = (): Row[] =>
    stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Row);
  /** Waits for `n` rows; bounded, so a broken watch fails instead of hanging. */
  const rowsSeen = async (n: number): Promise<void> => {
    const deadline = Date.now() + 60_000;
    while (rows().length < n) {
      if (Date.now() > deadline || child.exitCode !== null)
        assert.fail(`waited for ${n} rows, got:\n${stdout}\n${stderr}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 1000);
      });
    }
  };
  try {
    await rowsSeen(1);
    checkpoint(dir, 'ep2');
    await rowsSeen(2);
    child.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
  } finally {
    child.kill('SIGKILL');
  }
  assert.deepEqual(
    rows().map((r) => r.epoch),
    [1, 2],
  );
  assert.ok(rows()[1]?.flips !== 0, 'ep2 is the dark-cats model');
  assert.match(stderr, /stopped watching; the result has 2 checkpoints/);
  assert.doesNotMatch(stderr, /internal error/);
  const path = join(out, 'dark-cat-recolor-track.propsweep.json');
  const loaded = await loadResult(path);
  assert.deepEqual(
    loaded.result.track?.checkpoints.map((c) => c.epoch),
    [1, 2],
  );
});
