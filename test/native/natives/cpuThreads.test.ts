// CPU sessions get the thread count of PROPSWEEP_CPU_THREADS: onnxruntime starts one pool thread
// fewer than the count (the calling thread runs too), seen here as new entries of /proc/self/task.
// Without the count in the session's options, every count would start the same threads.
// Each count in a process of its own, since a process chooses its count once.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

import { ROOT } from '../../unit/helpers';

const script = `
const { readdirSync } = require('node:fs');
const ort = require(${JSON.stringify(join(ROOT, 'src/extension/natives/natives.ts'))}).loadOrt();
const { createOrtSession } = require(${JSON.stringify(join(ROOT, 'src/extension/natives/ortSessions.ts'))});
(async () => {
  const threads = () => readdirSync('/proc/self/task').length;
  const before = threads();
  const session = await createOrtSession(ort, ${JSON.stringify(join(ROOT, 'test/fixtures/models/tiny-nchw.onnx'))}, 'cpu', undefined);
  const input = session.inputNames[0];
  const dims = [1, 3, 8, 8];
  await session.run({ [input]: new ort.Tensor('float32', new Float32Array(192).fill(0.5), dims) });
  console.log(String(threads() - before));
})().catch((e) => { console.log('ERROR ' + e.message); });
`;

function poolThreads(count: string): number {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, PROPSWEEP_CPU_THREADS: count },
  }).trim();
  assert.match(out, /^\d+$/, out);
  return Number(out);
}

test(
  'a CPU session runs on the threads PROPSWEEP_CPU_THREADS gives',
  { skip: process.platform !== 'linux' },
  () => {
    // One thread more appears whatever the count (onnxruntime's own): compared with a count of 1.
    const one = poolThreads('1');
    assert.ok(one <= 1, `a session of one thread started ${one} threads`);
    assert.equal(poolThreads('3') - one, 2);
    assert.equal(poolThreads('5') - one, 4);
  },
);
