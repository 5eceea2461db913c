// Explain Property Across Images sends the child every setting Explain Property would send for one
// image of the same choices, and only the folder's own name, output folder and selection.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { folderRequest, type FolderFields } from '../../../src/extension/commands/folderRequest';
import type { RunRequest } from '../../../src/extension/panel/panelRun';
import { hostMessageProblem } from '../../../src/shared/childProtocol';

/** A single image's request with every field set, the optional ones included. */
const single: Required<RunRequest> = {
  image: '/photos/cat.png',
  mask: '/photos/cat.mask.png',
  editor: 'brightness',
  params: { gamma: 2 },
  steps: 9,
  seed: 7,
  seeds: 3,
  permutations: 200,
  alpha: 0.01,
  legacy: true,
  edgeOrder: 1,
  models: [{ path: '/models/a.onnx' }, { path: '/models/b.onnx' }],
  provider: 'cpu',
  deviceId: 1,
  editMemoryMB: 2048,
  cacheDir: '/cache',
  outDir: '/runs/run-1',
  name: 'cat-brightness',
  preview: true,
  track: { order: 'epoch', checkpoints: [] },
};

const folder: FolderFields = {
  folder: '/photos',
  recursive: true,
  limit: null,
  shard: null,
  adjustment: 'bh',
  name: 'photos-brightness',
  outDir: '/work/propsweep/photos-brightness',
};

void test("a folder run takes every setting of the single image's run", () => {
  const request = folderRequest(single, folder);
  const imageOnly = new Set(['image', 'mask', 'name', 'outDir', 'preview', 'track']);
  for (const [key, value] of Object.entries(single)) {
    if (!imageOnly.has(key)) assert.deepEqual(request[key as keyof typeof request], value, key);
  }
  for (const key of ['image', 'mask', 'preview', 'track']) assert.ok(!(key in request), key);
  assert.deepEqual(
    Object.keys(request).sort(),
    [...Object.keys(single).filter((k) => !imageOnly.has(k)), ...Object.keys(folder)].sort(),
  );
});

void test("the folder's own name, output folder and selection replace the image's", () => {
  const request = folderRequest(single, folder);
  for (const [key, value] of Object.entries(folder)) {
    assert.deepEqual(request[key as keyof typeof request], value, key);
  }
});

void test('the child takes the request as it is built', () => {
  const request = folderRequest(single, folder);
  assert.equal(hostMessageProblem({ type: 'explainFolder/run', id: 1, ...request }), null);
});

void test("a setting the image's run leaves out, the folder run leaves out too", () => {
  const request = folderRequest(without(single, ['editMemoryMB', 'deviceId']), folder);
  assert.ok(!('editMemoryMB' in request));
  assert.ok(!('deviceId' in request));
  assert.equal(hostMessageProblem({ type: 'explainFolder/run', id: 2, ...request }), null);
});

/** `request` less its optional fields `keys`. */
function without(request: RunRequest, keys: readonly (keyof RunRequest)[]): RunRequest {
  const kept = Object.entries(request).filter(([key]) => !keys.includes(key as keyof RunRequest));
  return Object.fromEntries(kept) as RunRequest;
}
