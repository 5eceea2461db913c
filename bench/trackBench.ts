// npm run bench -- track: the time from a new checkpoint file to its row (issue #10, target: the
// classifier's own time for the path plus at most 200 ms, the edits coming from the cache). Runs
// `propsweep track --watch --json` as a user would, drops checkpoints into the watched folder one
// by one (the sidecar first, the model renamed into place whole), and times each row's arrival.
// The settle time is a deliberate wait (a file must stop growing) and is reported on its own; so is
// the watcher's poll interval, the longest a change can go unseen where fs.watch does not fire.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(__dirname, '..');
const DEMO = join(ROOT, 'models', 'demo');
const SETTLE_S = 0.3;
const NEW_CHECKPOINTS = 5;

function emit(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function addCheckpoint(dir: string, epoch: number): void {
  const model = epoch % 2 === 0 ? 'dark-cats' : 'unbiased';
  copyFileSync(join(DEMO, `${model}.json`), join(dir, `ep${epoch}.json`));
  copyFileSync(join(DEMO, `${model}.onnx`), join(dir, `ep${epoch}.onnx.part`));
  renameSync(join(dir, `ep${epoch}.onnx.part`), join(dir, `ep${epoch}.onnx`));
}

/** From a new checkpoint file to its row, with cached edits. */
export async function track(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'propsweep-track-bench-'));
  const dir = join(root, 'runs');
  mkdirSync(dir);
  addCheckpoint(dir, 1);
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'dist', 'cli.js'),
      'track',
      '--checkpoints',
      dir,
      '--image',
      join(DEMO, 'images', 'dark-cat.png'),
      '--editor',
      'brightness',
      '--steps',
      '21',
      '--permutations',
      '1000',
      '--watch',
      '--settle',
      String(SETTLE_S),
      '--json',
      '--out',
      join(root, 'out'),
      '--cache',
      join(root, 'cache'),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const rows = createInterface({ input: child.stdout });
  const waiting = new Map<string, (row: { inference_ms?: number }) => void>();
  rows.on('line', (line) => {
    let row: { checkpoint?: string; inference_ms?: number };
    try {
      row = JSON.parse(line) as typeof row;
    } catch {
      return;
    }
    const name = row.checkpoint?.split(/[\\/]/).at(-1) ?? '';
    waiting.get(name)?.(row);
  });
  const rowOf = (name: string): Promise<{ inference_ms?: number }> =>
    new Promise((resolve) => waiting.set(name, resolve));
  try {
    await rowOf('ep1.onnx');
    const latencies: number[] = [];
    const inference: number[] = [];
    for (let epoch = 2; epoch < 2 + NEW_CHECKPOINTS; epoch++) {
      const arrived = rowOf(`ep${epoch}.onnx`);
      const started = performance.now();
      addCheckpoint(dir, epoch);
      const row = await arrived;
      latencies.push(performance.now() - started);
      inference.push(row.inference_ms ?? NaN);
    }
    const latency = median(latencies);
    const classifier = median(inference);
    const pollMs = Math.min(1000, Math.max(100, (SETTLE_S * 1000) / 2));
    emit({
      bench: 'track',
      what: 'new checkpoint file to its row (propsweep track --watch --json, cached edits)',
      checkpoints: NEW_CHECKPOINTS,
      latency_ms_median: Math.round(latency),
      latencies_ms: latencies.map(Math.round),
      settle_ms: SETTLE_S * 1000,
      poll_ms: pollMs,
      classifier_ms_median: Math.round(classifier),
      beyond_settle_and_classifier_ms: Math.round(latency - SETTLE_S * 1000 - classifier),
      target_beyond_classifier_ms: 200,
    });
  } finally {
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(root, { recursive: true, force: true });
  }
}
