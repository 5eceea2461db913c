// Every request settles: a child that answers with a malformed message fails its request instead
// of leaving it waiting for ever, and a child that sends a malformed message naming no request is
// stopped, failing every pending request, so that the next run starts a fresh child. The child
// here is a real forked process running a tiny script that misbehaves on demand.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import {
  ChildRunError,
  InferenceChild,
  StoppedAtOnceError,
} from '../../../src/extension/inference/childClient';
import { ChildService } from '../../../src/extension/inference/childService';
import { measure } from '../../../src/extension/measures';
import { toMeasureJson } from '../../../src/extension/pipeline/measureJson';
import {
  CHILD_PROTOCOL_VERSION,
  type ExplainFolderRun,
  type RunPreview,
} from '../../../src/shared/childProtocol';
import { sampleResult } from '../builders';
import { folderRunRequest } from '../shared/folderBuilders';

const SAMPLE = sampleResult();
const MEASURED = toMeasureJson(
  measure({ predictions: [0.1, 0.5, 0.9] }, { permutations: 9 }),
  undefined,
);

// The request's `predictions` says how to misbehave; `hang` never answers, `disconnect` closes the
// channel without exiting.
const FAKE_CHILD = `
const send = (m) => process.send(m);
// A folder run: it answers a cancel only 2.5 s later, as one writing its summary on a busy machine.
const folderRuns = new Set();
process.on('message', (m) => {
  if (m.type === 'explainFolder/run') folderRuns.add(m.id);
  if (m.type === 'run/cancel' && folderRuns.has(m.id)) {
    const error = { kind: 'cancelled', message: 'Cancelled.' };
    setTimeout(() => send({ type: 'run/result', id: m.id, ok: false, error }), 2500);
  }
  if (m.type !== 'measure/run') return;
  switch (m.predictions) {
    case 'bad-result':
      send({ type: 'run/result', id: m.id, ok: true, value: { kind: 'measure', result: {} } });
      break;
    case 'bad-progress':
      send({ type: 'run/progress', id: m.id, message: 42 });
      break;
    case 'no-id':
      send({ type: 'run/result', ok: true });
      break;
    case 'preview':
      send({
        type: 'run/preview',
        id: m.id,
        result: ${JSON.stringify(SAMPLE)},
        frames: Array.from({ length: ${SAMPLE.frames.length} }, (_, k) => ({
          width: 1,
          height: 1,
          pixels: new Uint8Array([k, k, k]),
        })),
      });
      send({ type: 'run/result', id: m.id, ok: true, value: { kind: 'measure', result: ${JSON.stringify(MEASURED)} } });
      break;
    case 'bad-preview':
      send({ type: 'run/preview', id: m.id, result: ${JSON.stringify(SAMPLE)}, frames: [] });
      break;
    case 'hang':
      break;
    case 'disconnect':
      // Closes its end of the channel and lives on, answering nothing.
      process.removeAllListeners('disconnect');
      process.disconnect();
      setInterval(() => undefined, 1000);
      break;
  }
});
process.on('disconnect', () => process.exit(0));
if (process.env.PROPSWEEP_CPU_THREADS !== undefined) {
  process.stderr.write('threads ' + process.env.PROPSWEEP_CPU_THREADS + '\\n');
}
send({ type: 'child/ready', version: ${CHILD_PROTOCOL_VERSION}, pid: process.pid });
`;

const dir = mkdtempSync(join(tmpdir(), 'propsweep-fake-child-'));
const fakeChild = join(dir, 'fakeChild.js');
writeFileSync(fakeChild, FAKE_CHILD);
// A child whose first message is not a ready of this protocol, in a value JSON cannot write.
const foreignChild = join(dir, 'foreignChild.js');
writeFileSync(
  foreignChild,
  `process.send({ type: 'child/ready', version: 1n, pid: process.pid });
process.on('disconnect', () => process.exit(0));
`,
);

const ask = (child: InferenceChild, predictions: string): Promise<unknown> =>
  child.measure({ predictions, options: {} });

// Disposed after the suite even when a test times out, so that a hang fails instead of lingering.
const started: { dispose(): void }[] = [];
after(() => {
  for (const child of started) child.dispose();
});

async function waitFor(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(done(), 'the condition did not hold within 5 s');
}

async function start(log?: (text: string) => void): Promise<InferenceChild> {
  const child = await InferenceChild.start(fakeChild, log === undefined ? {} : { stderr: log });
  started.push(child);
  return child;
}

// Without the fix these requests never settle: the timeout turns a hang into a failure.
describe('a child that sends invalid messages', { timeout: 30_000 }, () => {
  test('an invalid answer fails its own request with the reason, and the child keeps serving', async () => {
    const logged: string[] = [];
    const child = await start((t) => logged.push(t));
    try {
      await assert.rejects(
        ask(child, 'bad-result'),
        (e: unknown) =>
          e instanceof ChildRunError &&
          e.kind === 'internal' &&
          /invalid message \(the measurement is not a measurement\)/.test(e.message),
      );
      await assert.rejects(
        ask(child, 'bad-progress'),
        (e: unknown) =>
          e instanceof ChildRunError && /run\/progress needs a message/.test(e.message),
      );
      assert.ok(child.alive, 'a message naming its request does not cost the child');
      assert.match(logged.join(''), /invalid message for request 1/);
    } finally {
      child.dispose();
    }
  });

  test('a preview reaches its request before the answer; an invalid one fails the request', async () => {
    const child = await start();
    try {
      const events: string[] = [];
      const previews: RunPreview[] = [];
      await child
        .measure(
          { predictions: 'preview', options: {} },
          {
            onPreview: (p) => {
              events.push('preview');
              previews.push(p);
            },
          },
        )
        .then(() => events.push('result'));
      assert.deepEqual(events, ['preview', 'result']);
      const [first] = previews;
      assert.ok(first !== undefined && previews.length === 1);
      assert.deepEqual(first.result, SAMPLE);
      assert.deepEqual(
        first.frames.map((f) => [...f.pixels]),
        SAMPLE.frames.map((_, k) => [k, k, k]),
        'the pixels cross the process boundary as bytes',
      );
      await assert.rejects(
        ask(child, 'bad-preview'),
        (e: unknown) =>
          e instanceof ChildRunError && /the preview has 0 frames for 5 steps/.test(e.message),
      );
      assert.ok(child.alive);
    } finally {
      child.dispose();
    }
  });

  test('an invalid message without an id fails every pending request and stops the child', async () => {
    const logged: string[] = [];
    const child = await start((t) => logged.push(t));
    const waiting = ask(child, 'hang');
    const broken = ask(child, 'no-id');
    for (const pending of [waiting, broken]) {
      await assert.rejects(
        pending,
        (e: unknown) =>
          e instanceof ChildRunError &&
          e.kind === 'crashed' &&
          /run\/result needs a numeric id/.test(e.message) &&
          /starts afresh on the next run/.test(e.message),
      );
    }
    assert.equal(child.alive, false);
    assert.match(logged.join(''), /sent an invalid message \(run\/result needs a numeric id\)/);
    await assert.rejects(ask(child, 'hang'), (e: unknown) => e instanceof ChildRunError);
  });

  test('a cancel the child ignores kills it, and does not claim nothing was written', async () => {
    const child = await start();
    const controller = new AbortController();
    const pending = child.measure(
      { predictions: 'hang', options: {} },
      { signal: controller.signal, graceMs: 1 },
    );
    controller.abort();
    await assert.rejects(
      pending,
      (e: unknown) =>
        e instanceof StoppedAtOnceError &&
        e.name === 'AbortError' &&
        /may be incomplete/.test(e.message),
    );
  });

  test('a cancelled folder run may take more than 2 s to stop: it is not killed', async () => {
    const child = await start();
    const controller = new AbortController();
    const request = folderRunRequest();
    delete request.type;
    const pending = child.explainFolder(request as Omit<ExplainFolderRun, 'type'>, {
      signal: controller.signal,
    });
    controller.abort();
    await assert.rejects(
      pending,
      (e: unknown) =>
        e instanceof DOMException && e.name === 'AbortError' && !(e instanceof StoppedAtOnceError),
    );
    assert.equal(child.alive, true, 'it wrote what it had done, and lives on');
  });

  test('a child that closes its channel fails its requests, also one sent after that', async () => {
    const child = await start();
    const crashed = (e: unknown): boolean => e instanceof ChildRunError && e.kind === 'crashed';
    const first = assert.rejects(ask(child, 'disconnect'), crashed);
    // By now the channel is closed: a request sent into it threw ERR_IPC_CHANNEL_CLOSED from an
    // 'error' event nobody listened to, taking the host down, and the first request waited for
    // an answer that could no longer come (the child lives on).
    await new Promise((resolve) => setTimeout(resolve, 300));
    await assert.rejects(ask(child, 'hang'), crashed);
    await first;
    assert.equal(child.alive, false);
  });

  test('a child that speaks another protocol is refused, whatever its ready holds', async () => {
    // JSON.stringify threw on the BigInt while quoting it, out of the start's message listener.
    await assert.rejects(
      InferenceChild.start(foreignChild),
      /speaks another protocol \(got an object JSON cannot write\); rebuild the extension/,
    );
  });

  test('the service starts its child with propsweep.cpuThreads, and a new one after a change', async () => {
    let threads = 0;
    const logged: string[] = [];
    const service = new ChildService(
      fakeChild,
      (t) => logged.push(t),
      () => threads,
    );
    started.push(service);
    try {
      const first = await service.get();
      assert.equal(await service.get(), first);
      await waitFor(() => logged.includes('threads 0\n'));
      // Two runs asking at once after the change get the same new child; the idle old one goes.
      threads = 3;
      const [second, again] = await Promise.all([service.get(), service.get()]);
      assert.equal(again, second);
      assert.notEqual(second.pid, first.pid);
      await waitFor(() => logged.includes('threads 3\n') && !first.alive);
      assert.equal(logged.filter((t) => /propsweep\.cpuThreads is now 3/.test(t)).length, 1);
      // A child answering a run is retired, not killed: the run finishes there, a new child
      // takes the next, and the old one goes once its run has settled.
      const controller = new AbortController();
      const request = folderRunRequest();
      delete request.type;
      const running = second.explainFolder(request as Omit<ExplainFolderRun, 'type'>, {
        signal: controller.signal,
      });
      threads = 5;
      const third = await service.get();
      assert.notEqual(third.pid, second.pid);
      await waitFor(() => logged.includes('threads 5\n'));
      assert.ok(second.alive, 'the old child still answers its run');
      controller.abort(); // the fake child answers the cancel 2.5 s later
      await assert.rejects(
        running,
        (e: unknown) => e instanceof DOMException && e.name === 'AbortError',
      );
      await waitFor(() => !second.alive);
      assert.ok(third.alive);
      assert.equal(await service.get(), third);
    } finally {
      service.dispose();
    }
  });

  test('a service disposed kills the children it retired too', async () => {
    let threads = 1;
    const service = new ChildService(
      fakeChild,
      () => undefined,
      () => threads,
    );
    started.push(service);
    const first = await service.get();
    started.push(first); // killed after the suite, should the service leave it
    ask(first, 'hang').catch(() => undefined); // busy: retired, not killed, by the change
    threads = 2;
    const second = await service.get();
    assert.ok(first.alive && second.alive);
    service.dispose();
    await waitFor(() => !first.alive && !second.alive);
  });

  test('a service disposed while a caller waits for its child refuses that caller', async () => {
    const service = new ChildService(fakeChild, () => undefined);
    started.push(service);
    const starting = service.get();
    const waiting = service.get();
    service.dispose();
    await assert.rejects(waiting, /shut down/);
    const child = await starting;
    await waitFor(() => !child.alive);
    await assert.rejects(service.get(), /shut down/);
  });

  test('the service replaces a child that was stopped for an invalid message', async () => {
    const service = new ChildService(fakeChild, () => undefined);
    started.push(service);
    try {
      const first = await service.get();
      await assert.rejects(ask(first, 'no-id'));
      const second = await service.get();
      assert.notEqual(second, first);
      assert.ok(second.alive);
      assert.notEqual(second.pid, first.pid);
    } finally {
      service.dispose();
    }
  });
});
