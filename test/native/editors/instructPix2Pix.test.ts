// The instruction editor itself, on the fixture export (test/fixtures/diffusion/README.md): a GPU
// provider whose sessions open but whose runs fail (as a missing CUDA kernel or exhausted memory
// does) makes the path on the CPU, says so once, and records why; the frames are the CPU's.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import type * as Ort from 'onnxruntime-node';

import {
  instructPix2PixEditor,
  makeInstructPix2PixEditor,
} from '../../../src/extension/editors/diffusion/instructPix2Pix';
import type { EditorRuntime, ImageEditor } from '../../../src/extension/editors/types';
import type { RgbImage } from '../../../src/extension/images/image';
import { loadOrt } from '../../../src/extension/natives/natives';
import type { EditorRunRecord } from '../../../src/shared/resultFile';
import { ROOT } from '../../unit/helpers';

const model = join(ROOT, 'test', 'fixtures', 'diffusion', 'ip2p-fp32');
const params = { model, instruction: 'make it night', maxSize: 64, denoiseSteps: 2 };

/** onnxruntime whose 'cuda' sessions open (on the CPU underneath) and fail every run. */
function failingCuda(): typeof Ort {
  const ort = loadOrt();
  const create = async (path: string, options?: Ort.InferenceSession.SessionOptions) => {
    const session = await ort.InferenceSession.create(path);
    if (options?.executionProviders?.[0] !== 'cuda') return session;
    return new Proxy(session, {
      get(target, property) {
        if (property === 'run') {
          return () =>
            Promise.reject(new Error('CUDA failure 700: an illegal memory access\nat ...'));
        }
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function'
          ? (value as (...a: unknown[]) => unknown).bind(target)
          : value;
      },
    });
  };
  return { ...ort, InferenceSession: { ...ort.InferenceSession, create } } as unknown as typeof Ort;
}

async function edit(editor: ImageEditor, provider: EditorRuntime['provider']) {
  const logs: string[] = [];
  const reported: { record?: EditorRunRecord } = {};
  const source: RgbImage = {
    width: 40,
    height: 24,
    data: Uint8Array.from({ length: 40 * 24 * 3 }, (_, i) => (i * 37) % 256),
  };
  const frames: RgbImage[] = [];
  const runtime: EditorRuntime = {
    provider,
    log: (m) => logs.push(m),
    progress: () => undefined,
    report: (r) => {
      reported.record = r;
    },
  };
  for await (const frame of editor.edit({ source, params, seed: 3, runtime }, [0, 5, 10])) {
    frames.push(frame.image);
  }
  return { frames, record: reported.record, logs };
}

test('a GPU provider that fails its runs: the path is made on the CPU, with the reason recorded', async () => {
  const onCpu = await edit(instructPix2PixEditor, 'cpu');
  const fallback = await edit(makeInstructPix2PixEditor(failingCuda), 'cuda');
  const record = fallback.record;
  assert.ok(record !== undefined);
  assert.equal(record.provider, 'cpu');
  assert.match(String(record.fallbackReason), /^CUDA failure 700: an illegal memory access$/);
  assert.equal(fallback.logs.filter((m) => /cuda provider failed a run/.test(m)).length, 1);
  assert.deepEqual(fallback.frames, onCpu.frames);
  assert.equal(onCpu.record?.fallbackReason, null);
  assert.deepEqual(onCpu.record.size, [40, 24]);
});
