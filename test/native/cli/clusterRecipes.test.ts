// The README's cluster recipes, run as far as this machine allows (no Slurm, no Kubernetes, no
// Docker daemon): docs/cluster/slurm-array.sh with a stand-in sbatch that runs every array task as
// its own process and then the dependent merge; the Indexed Job's commands through sh with each
// JOB_COMPLETION_INDEX, then its merge Job's; the Dockerfile's structure and the files it copies.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { distFile, ROOT } from '../../unit/helpers';
import { DEMO, runAsync, tmp } from './helpers';

const CLUSTER = join(ROOT, 'docs', 'cluster');

interface Summary {
  summary: { images: number; done: number; failed: number; summary_file: string };
}

/** A folder of `count` copies of the demo's images, named img-00.png, img-01.png, ... */
function imageFolder(count: number): string {
  const folder = join(tmp('recipe-images'), 'images');
  mkdirSync(folder);
  const demo = ['dark-cat', 'dark-dog', 'light-cat', 'light-dog'];
  for (let i = 0; i < count; i++) {
    const name = demo[i % demo.length] ?? '';
    copyFileSync(
      join(DEMO, 'images', `${name}.png`),
      join(folder, `img-${String(i).padStart(2, '0')}.png`),
    );
  }
  return folder;
}

// Slurm's sbatch as far as the script uses it: --array=A-B runs the script read from standard
// input once per task, each its own process, all at once; --wrap runs its command; the job id
// printed with --parsable is "ID;cluster". Jobs run when submitted, so a dependency is met by
// order; each call is logged so that the test sees the dependency named.
const FAKE_SBATCH = `#!/bin/bash
set -u
array=""; wrap=""; dependency=""
while [ $# -gt 0 ]; do
  case "$1" in
    --array=*) array="\${1#--array=}" ;;
    --dependency=*) dependency="\${1#--dependency=}" ;;
    --wrap) wrap="$2"; shift ;;
  esac
  shift
done
n=$(( $(wc -l < "$FAKE_SLURM/calls" 2>/dev/null || echo 0) + 100 ))
echo "job=$n array=$array dependency=$dependency" >> "$FAKE_SLURM/calls"
if [ -n "$wrap" ]; then
  bash -c "$wrap" > "$FAKE_SLURM/job-$n.log" 2>&1 || exit 1
else
  script=$(cat)
  pids=""
  for i in $(seq "\${array%-*}" "\${array#*-}"); do
    SLURM_ARRAY_TASK_ID=$i bash -c "$script" > "$FAKE_SLURM/task-$i.log" 2>&1 &
    pids="$pids $!"
  done
  for pid in $pids; do wait "$pid" || exit 1; done
fi
echo "$n;cluster"
`;

/** The CLI as the recipes call it, on this machine. */
const PROPSWEEP = `${process.execPath} ${distFile('cli.js')}`;

describe('cluster recipes', () => {
  test('slurm-array.sh: N array tasks run explain-folder --shard I/N, then the merge after them', async () => {
    const images = imageFolder(4);
    const out = join(tmp('recipe-slurm'), 'run');
    const fake = tmp('recipe-sbatch');
    writeFileSync(join(fake, 'sbatch'), FAKE_SBATCH, { mode: 0o755 });
    const r = await runAsync('bash', [join(CLUSTER, 'slurm-array.sh')], {
      PATH: `${fake}:${process.env.PATH ?? ''}`,
      FAKE_SLURM: fake,
      SHARDS: '3',
      IMAGES: images,
      OUT: out,
      PROPSWEEP,
      EXPLAIN_OPTIONS: `--editor brightness --model ${join(DEMO, 'unbiased.onnx')} --steps 5 --permutations 100 --cache ${join(fake, 'cache')}`,
      PROVIDER: 'cpu',
    });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const calls = readFileSync(join(fake, 'calls'), 'utf8').trim().split('\n');
    assert.deepEqual(calls, [
      'job=100 array=1-3 dependency=',
      'job=101 array= dependency=afterok:100',
    ]);
    for (const i of [1, 2, 3]) assert.ok(existsSync(join(out, `shard-${i}`, 'images')));
    const merged = JSON.parse(readFileSync(join(out, 'merged.json'), 'utf8')) as Summary;
    assert.equal(merged.summary.images, 4);
    assert.equal(merged.summary.done, 4);
    assert.ok(merged.summary.summary_file.startsWith(join(out, 'merged')));
  });

  test('indexed-job.yaml: an Indexed Job of N pods, --shard from JOB_COMPLETION_INDEX, then the merge Job', async () => {
    const yaml = readFileSync(join(CLUSTER, 'indexed-job.yaml'), 'utf8');
    const [shardsDoc = '', mergeDoc = ''] = yaml.split(/^---$/m);
    assert.match(shardsDoc, /^kind: Job$/m);
    assert.match(shardsDoc, /^ {2}completionMode: Indexed$/m);
    assert.match(shardsDoc, /^ {4}step: shards$/m);
    assert.match(mergeDoc, /^ {4}step: merge$/m);
    const count = Number(/^ {2}completions: (\d+)$/m.exec(shardsDoc)?.[1]);
    const parallelism = Number(/^ {2}parallelism: (\d+)$/m.exec(shardsDoc)?.[1]);
    assert.ok(count >= 2 && parallelism >= 1 && parallelism <= count);
    const [shardCommand = '', mergeCommand = ''] = [shardsDoc, mergeDoc].map(foldedArgs);
    assert.match(shardCommand, /--shard \$\(\(JOB_COMPLETION_INDEX \+ 1\)\)\/(\d+)/);
    assert.equal(
      Number(/\/(\d+) /.exec(shardCommand.slice(shardCommand.indexOf('--shard')))?.[1]),
      count,
      '--shard N is completions',
    );
    // This machine's CLI, folders and model for the container's; the commands as they are.
    const data = tmp('recipe-k8s');
    const images = imageFolder(count);
    const local = (command: string): string =>
      command
        .replace('node /opt/propsweep/dist/cli.js', PROPSWEEP)
        .replace('/data/images', images)
        .replace('/data/models/classifier.onnx', join(DEMO, 'unbiased.onnx'))
        .replaceAll('/data/out', join(data, 'out'))
        .replace('--steps 21 --permutations 10000', '--steps 5 --permutations 100');
    const env = { HOME: data, XDG_CACHE_HOME: join(data, 'cache') };
    const pods = await Promise.all(
      Array.from({ length: count }, (_, k) =>
        runAsync('/bin/sh', ['-c', local(shardCommand)], {
          ...env,
          JOB_COMPLETION_INDEX: String(k),
        }),
      ),
    );
    for (const pod of pods) assert.equal(pod.code, 0, pod.stderr);
    const merge = await runAsync('/bin/sh', ['-c', local(mergeCommand)], env);
    assert.equal(merge.code, 0, merge.stderr);
    const merged = JSON.parse(merge.stdout) as Summary;
    assert.equal(merged.summary.images, count);
    assert.equal(merged.summary.done, count);
  });

  test('the Dockerfile: the CLI on a CUDA runtime with cuDNN, built from files that exist', () => {
    const dockerfile = readFileSync(join(CLUSTER, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /^FROM node:20\S* AS build$/m);
    assert.match(dockerfile, /^FROM nvidia\/cuda:12\.\S+-cudnn-runtime-\S+$/m);
    assert.match(dockerfile, /^RUN npm ci$/m);
    assert.match(dockerfile, /npm run build/);
    assert.match(
      dockerfile,
      /ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install\.js/,
    );
    assert.match(dockerfile, /^ENTRYPOINT \["node", "\/opt\/propsweep\/dist\/cli\.js"\]$/m);
    // Every COPY from the build context names a path of the repository.
    const copies = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      (m[1] ?? '').split(' '),
    );
    assert.ok(copies.length >= 5);
    for (const path of copies)
      assert.ok(existsSync(join(ROOT, path)), `${path} is in the repository`);
    // The script is valid bash.
    const syntax = spawnSync('bash', ['-n', join(CLUSTER, 'slurm-array.sh')], { encoding: 'utf8' });
    assert.equal(syntax.status, 0, syntax.stderr);
  });
});

/** The text of a container's `args: - >-` folded block (lines joined by spaces, as YAML does). */
function foldedArgs(doc: string): string {
  const match = /^( *)args:\n\1 {2}- >-\n((?:\1 {4}\S.*\n?)+)/m.exec(doc);
  assert.ok(match !== null, 'a container with a folded args block');
  return (match[2] ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' ');
}
