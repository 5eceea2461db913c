// Watch Checkpoints driven with a fake folder, clock, child and disk: a new checkpoint that stopped
// growing re-runs the panel's explanation with it alone (the same image, edit, parameters and seed,
// so every frame comes from the cache), the result is merged into the track and shown; a newer
// checkpoint supersedes an older one's run; disposing stops everything.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { ExplainRun } from '../../../src/shared/childProtocol';
import type { ResultFile } from '../../../src/shared/resultFile';
import type { FileStamp, WatchTimers } from '../../../src/extension/files/checkpointWatch';
import { watchTemplate, type WatchTemplate } from '../../../src/extension/panel/checkpointTrack';
import { PanelWatch, type WatchDeps } from '../../../src/extension/panel/panelWatch';
import type { RunRequest } from '../../../src/extension/panel/panelRun';
import { model, result } from '../webview/builders';

const base: RunRequest = {
  image: '/ws/cat.png',
  editor: 'recolor',
  params: { target: '#ffffff' },
  steps: 5,
  seed: 3,
  permutations: 100,
  alpha: 0.01,
  models: [{ kind: 'onnx', path: '/ck/ep1.onnx', name: 'ep1' }],
  provider: 'cpu',
  cacheDir: '/cache',
  outDir: '/runs/first',
  name: 'cat-colour',
};

const template = watchTemplate(base.models) as WatchTemplate;

/** A fake world: the folder's files, a clock, the child's requests and the files written. */
function world() {
  const files = new Map<string, FileStamp>([['ep1.onnx', { size: 5, mtimeMs: 1 }]]);
  let now = 0;
  const requests: Omit<ExplainRun, 'type'>[] = [];
  const written = new Map<string, ResultFile>();
  const shown: string[] = [];
  const statuses: string[] = [];
  const errors: string[] = [];
  /** Runs that wait until released (one per checkpoint name), to test superseding. */
  const held = new Map<string, () => void>();
  let hold = false;
  let runs = 0;
  const timers: WatchTimers = {
    now: () => now,
    setTimeout: () => 0, // the test looks at the folder itself (watch.scan)
    clearTimeout: () => undefined,
  };
  const deps: WatchDeps = {
    folder: {
      list: () => Promise.resolve([...files.keys()]),
      stat: (name) => Promise.resolve(files.get(name) ?? null),
    },
    timers,
    explain: async (request, { signal }) => {
      requests.push(request);
      const spec = request.models[0];
      const name = spec?.name ?? '?';
      if (hold)
        await new Promise<void>((resolve, reject) => {
          held.set(name, resolve);
          signal.addEventListener('abort', () => {
            reject(new DOMException('superseded', 'AbortError'));
          });
        });
      signal.throwIfAborted();
      const path = spec !== undefined && 'path' in spec ? spec.path : '';
      return {
        resultPath: `${request.outDir}/${request.name}.propsweep.json`,
        result: {
          ...result([model({ name, path })]),
          ...(request.track !== undefined && { track: request.track }),
        },
      };
    },
    writeFile: (path, text) => {
      written.set(path, JSON.parse(text) as ResultFile);
      return Promise.resolve();
    },
    runName: () => `run${++runs}`,
  };
  const start = (): PanelWatch =>
    new PanelWatch(
      {
        dir: '/ck',
        base,
        template,
        initial: null,
        known: ['ep1.onnx'],
        runsDir: '/runs',
        settleMs: 2000,
      },
      deps,
      {
        onStatus: (message) => statuses.push(message),
        onTrack: (path) => {
          shown.push(path);
          return Promise.resolve();
        },
        onError: (error, checkpoint) => errors.push(`${checkpoint}: ${String(error)}`),
        afterRun: () => undefined,
      },
    );
  return {
    files,
    requests,
    written,
    shown,
    statuses,
    errors,
    held,
    start,
    at: (t: number) => {
      now = t;
    },
    holdRuns: () => {
      hold = true;
    },
  };
}

/** Waits until `check` holds, letting promises run (no timers, no sleeping). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise<void>((r) => setImmediate(r));
  assert.ok(check(), 'the condition was not reached');
}

test('a new checkpoint that stopped growing re-runs the explanation with it alone, on the cached edits', async () => {
  const w = world();
  const watch = w.start();
  w.files.set('ep2.onnx', { size: 10, mtimeMs: 100 });
  await watch.scan();
  w.files.set('ep2.onnx', { size: 20, mtimeMs: 200 }); // still growing
  w.at(1500);
  await watch.scan();
  w.at(3000);
  await watch.scan();
  assert.equal(w.requests.length, 0, 'not before it has stayed the same for the settle time');
  w.at(3600);
  await watch.scan();
  await watch.idle();
  assert.equal(w.requests.length, 1);
  const request = w.requests[0];
  assert.ok(request !== undefined);
  // Everything the frame cache keys on (image, mask, editor, params, seed) is the explanation's.
  const { models, track, outDir, preview, ...same } = request;
  const expected = Object.fromEntries(
    Object.entries(base).filter(([key]) => key !== 'models' && key !== 'outDir'),
  );
  assert.deepEqual(same, expected);
  assert.deepEqual(models, [{ kind: 'onnx', path: '/ck/ep2.onnx', name: 'ep2.onnx' }]);
  assert.equal(outDir, '/runs/run1');
  assert.equal(preview, false);
  assert.deepEqual(
    track?.checkpoints.map((c) => [c.file, c.epoch]),
    [['/ck/ep2.onnx', 2]],
  );
  assert.deepEqual(w.shown, ['/runs/run1/cat-colour.propsweep.json']);
  const saved = w.written.get('/runs/run1/cat-colour.propsweep.json');
  assert.deepEqual(
    saved?.models.map((m) => m.name),
    ['ep2.onnx'],
  );
  assert.match(w.statuses.at(-1) ?? '', /^1 checkpoint; waiting for a new one \(\*\.onnx\)$/);
  // A second one is appended to the track, in training order.
  w.files.set('ep3.onnx', { size: 7, mtimeMs: 300 });
  await watch.scan();
  w.at(6000);
  await watch.scan();
  await watch.idle();
  assert.deepEqual(
    w.written.get('/runs/run2/cat-colour.propsweep.json')?.models.map((m) => m.name),
    ['ep2.onnx', 'ep3.onnx'],
  );
  assert.match(w.statuses.at(-1) ?? '', /^2 checkpoints; waiting/);
  watch.dispose();
});

test('a newer checkpoint supersedes the run of an older one; dispose aborts the run and stops', async () => {
  const w = world();
  w.holdRuns();
  const watch = w.start();
  w.files.set('ep2.onnx', { size: 10, mtimeMs: 100 });
  await watch.scan();
  w.at(2500);
  await watch.scan();
  await until(() => w.held.has('ep2.onnx'));
  w.files.set('ep3.onnx', { size: 10, mtimeMs: 2600 });
  await watch.scan();
  w.at(5000);
  await watch.scan();
  await until(() => w.held.has('ep3.onnx'));
  w.held.get('ep3.onnx')?.();
  await watch.idle();
  assert.deepEqual(
    w.requests.map((r) => r.models[0]?.name),
    ['ep2.onnx', 'ep3.onnx'],
  );
  assert.deepEqual(
    w.shown,
    ['/runs/run2/cat-colour.propsweep.json'],
    'the older run wrote nothing',
  );
  assert.deepEqual(w.errors, [], 'a superseded run is not an error');
  // Stop while a run goes: it is aborted, nothing is shown, and no new checkpoint runs.
  w.files.set('ep4.onnx', { size: 10, mtimeMs: 5100 });
  await watch.scan();
  w.at(8000);
  await watch.scan();
  await until(() => w.held.has('ep4.onnx'));
  watch.dispose();
  await watch.idle();
  w.files.set('ep5.onnx', { size: 10, mtimeMs: 8100 });
  w.at(20000);
  await watch.scan();
  assert.deepEqual(w.shown, ['/runs/run2/cat-colour.propsweep.json']);
  assert.equal(w.requests.length, 3);
});

test('a failed checkpoint is reported and the watch goes on', async () => {
  const w = world();
  const watch = w.start();
  w.files.set('ep2.onnx', { size: 10, mtimeMs: 100 });
  await watch.scan();
  w.at(2500);
  const writeFile = w.written.set.bind(w.written);
  // The disk is full for this one write.
  w.written.set = () => {
    throw new Error('ENOSPC');
  };
  await watch.scan();
  await watch.idle();
  w.written.set = writeFile;
  assert.match(w.errors.join(), /ep2\.onnx: Error: ENOSPC/);
  assert.match(
    w.statuses.at(-1) ?? '',
    /^ep2\.onnx failed \(details in the PropSweep log\); 0 checkpoints; waiting/,
  );
  watch.dispose();
});
