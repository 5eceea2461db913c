// The folder run's messages between the host and the inference child: the request the child
// refuses before any work, and the answer the host refuses before any use.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  childMessageProblem,
  hostMessageProblem,
  isHostToChild,
} from '../../../src/shared/childProtocol';
import { folderFile, folderRunRequest, notDoneRow } from './folderBuilders';

const request = folderRunRequest();

test('explainFolder/run: the folder, its share and the adjustment, each of its type', () => {
  assert.equal(hostMessageProblem(request), null);
  assert.ok(
    isHostToChild({ ...request, recursive: true, limit: 5, shard: { index: 2, count: 3 } }),
  );
  assert.ok(isHostToChild({ ...request, adjustment: 'bh' }));
  const refused: Record<string, unknown>[] = [
    { folder: undefined },
    { recursive: 'yes' },
    { name: undefined },
    { limit: 0 },
    { limit: 2.5 },
    { limit: undefined },
    { shard: { index: 0, count: 3 } },
    { shard: { index: 4, count: 3 } },
    { shard: { index: 1 } },
    { shard: undefined },
    { adjustment: 'none' },
    { adjustment: 'bonferroni' },
    { models: [{ kind: 'clip' }] },
    { steps: '9' },
    { editMemoryMB: 0 },
  ];
  for (const change of refused) {
    assert.notEqual(hostMessageProblem({ ...request, ...change }), null, JSON.stringify(change));
  }
  assert.match(
    hostMessageProblem({ ...request, shard: { index: 4, count: 3 } }) ?? '',
    /1 <= index <= count/,
  );
});

test('a folder answer carries its summary path and a valid folder file', () => {
  const file = folderFile([notDoneRow('a.png', 'skipped')]);
  const answer = (value: unknown): unknown => ({ type: 'run/result', id: 4, ok: true, value });
  assert.equal(
    childMessageProblem(answer({ kind: 'folder', summaryPath: '/o/x.json', file })),
    null,
  );
  assert.match(childMessageProblem(answer({ kind: 'folder', file })) ?? '', /summary path/);
  assert.match(
    childMessageProblem(
      answer({ kind: 'folder', summaryPath: '/o/x.json', file: { ...file, rows: 'many' } }),
    ) ?? '',
    /summary is not valid/,
  );
});

test('explainFolder/run: 1 to 64 classifiers on a known provider', () => {
  const models = (n: number): unknown[] =>
    Array.from({ length: n }, (_, i) => ({ path: `${i}.onnx` }));
  assert.equal(hostMessageProblem({ ...request, models: models(64) }), null);
  assert.equal(hostMessageProblem({ ...request, provider: 'cuda', deviceId: 1 }), null);
  // Without a classifier or with more than a summary holds, the whole folder was explained and
  // then its summary refused as one that cannot be opened.
  assert.match(hostMessageProblem({ ...request, models: [] }) ?? '', /at least one/);
  assert.match(
    hostMessageProblem({ ...request, models: models(65) }) ?? '',
    /at most 64 classifiers at once \(what a folder summary holds\), got 65/,
  );
  for (const change of [{ provider: 'tpu' }, { deviceId: -1 }, { legacy: 1 }]) {
    assert.match(
      hostMessageProblem({ ...request, ...change }) ?? '',
      /explainFolder\/run needs/,
      JSON.stringify(change),
    );
  }
});
