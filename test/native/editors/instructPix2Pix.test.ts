// The instruction editor itself, on the fixture export (test/fixtures/diffusion/README.md): a GPU
// provider whose sessions open but whose runs fail (as a missing CUDA kernel or exhausted memory
// does), or whose UNet answers NaN (as an fp16 overflow does), makes the path on the CPU, says so
// once, and records why; the frames are the CPU's.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/**
 * onnxruntime whose sessions misbehave: 'failing' cuda sessions open (on the CPU underneath) and
 * fail every run; a 'nan' UNet on cuda (or on every provider, `everywhere`) answers NaN. `opened`
 * gets the provider of each session opened.
 */
function brokenOrt(mode: 'failing' | 'nan', everywhere = false, opened: string[] = []): typeof Ort {
  const ort = loadOrt();
  const create = async (path: string, options?: Ort.InferenceSession.SessionOptions) => {
    const session = await ort.InferenceSession.create(path);
    const cuda = options?.executionProviders?.[0] === 'cuda';
    opened.push(cuda ? 'cuda' : 'cpu');
    if (!(cuda || everywhere) || (mode === 'nan' && !/[\\/]unet[\\/]/.test(path))) {
      return session;
    }
    return new Proxy(session, {
      get(target, property) {
        if (property === 'run' && mode === 'nan') {
          return async (feeds: Ort.InferenceSession.FeedsType) => {
            const outputs = await target.run(feeds);
            for (const output of Object.values(outputs)) {
              if (output.data instanceof Float32Array) output.data.fill(NaN);
            }
            return outputs;
          };
        }
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

async function edit(editor: ImageEditor, provider: EditorRuntime['provider'], folder = model) {
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
  const input = { source, params: { ...params, model: folder }, seed: 3, runtime };
  for await (const frame of editor.edit(input, [0, 5, 10])) {
    frames.push(frame.image);
  }
  return { frames, record: reported.record, logs };
}

test('a GPU provider that fails its runs: the path is made on the CPU, with the reason recorded', async () => {
  const onCpu = await edit(instructPix2PixEditor, 'cpu');
  const opened: string[] = [];
  const editor = makeInstructPix2PixEditor(() => brokenOrt('failing', false, opened));
  const fallback = await edit(editor, 'cuda');
  const record = fallback.record;
  assert.ok(record !== undefined);
  assert.equal(record.provider, 'cpu');
  assert.match(String(record.fallbackReason), /^CUDA failure 700: an illegal memory access$/);
  assert.equal(fallback.logs.filter((m) => /cuda provider failed a run/.test(m)).length, 1);
  assert.deepEqual(fallback.frames, onCpu.frames);
  // The next path goes to the CPU at once: the provider's sessions are not opened again to fail.
  const sessions = opened.length;
  const next = await edit(editor, 'cuda');
  assert.deepEqual(opened.slice(sessions), [], 'the CPU sessions kept are used');
  assert.equal(opened.filter((p) => p === 'cuda').length, 4, 'the four networks, opened once');
  assert.equal(next.record?.provider, 'cpu');
  assert.equal(next.record.fallbackReason, record.fallbackReason);
  assert.deepEqual(next.logs, []);
  assert.deepEqual(next.frames, onCpu.frames);
  assert.equal(onCpu.record?.fallbackReason, null);
  assert.deepEqual(onCpu.record.size, [40, 24]);
});

test('a GPU UNet that answers NaN (an fp16 overflow): the path is made on the CPU, with the reason', async () => {
  const onCpu = await edit(instructPix2PixEditor, 'cpu');
  const fallback = await edit(
    makeInstructPix2PixEditor(() => brokenOrt('nan')),
    'cuda',
  );
  assert.equal(fallback.record?.provider, 'cpu');
  assert.match(
    String(fallback.record.fallbackReason),
    /^.*[\\/]unet[\\/]model\.onnx produced NaN \(out_sample\[0\]\)$/,
  );
  const said = fallback.logs.filter((m) => /on the cuda provider .* produced NaN/.test(m));
  assert.equal(said.length, 1, fallback.logs.join('\n'));
  assert.match(said[0] ?? '', /editing on CPU, where float32 does not overflow/);
  assert.deepEqual(fallback.frames, onCpu.frames);
});

test('a CPU UNet that answers NaN: the model is blamed, with what to do', async () => {
  await assert.rejects(
    edit(
      makeInstructPix2PixEditor(() => brokenOrt('nan', true)),
      'cpu',
    ),
    {
      name: 'EditorInputError',
      message:
        /[\\/]unet[\\/]model\.onnx produced NaN \(out_sample\[0\]\); the editor model is broken\. Export it again: optimum-cli/,
    },
  );
});

test('a model exported again into the same folder: the next path uses the new files', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'propsweep-ip2p-'));
  t.after(() => {
    rmSync(folder, { recursive: true, force: true });
  });
  cpSync(model, folder, { recursive: true });
  const editor = makeInstructPix2PixEditor(loadOrt);
  const before = await edit(editor, 'cpu', folder);
  assert.deepEqual(before.frames, (await edit(instructPix2PixEditor, 'cpu')).frames);
  // The float16 export replaces every file, as an export into the same folder does.
  const fp16 = join(ROOT, 'test', 'fixtures', 'diffusion', 'ip2p-fp16');
  cpSync(fp16, folder, { recursive: true, force: true });
  const after = await edit(editor, 'cpu', folder);
  const fresh = await edit(makeInstructPix2PixEditor(loadOrt), 'cpu', fp16);
  assert.notDeepEqual(fresh.frames, before.frames, 'the two exports make different paths');
  assert.deepEqual(after.frames, fresh.frames);
});
