// The diffusion fixture folders against their generator (scripts/diffusion/fixtures.ts), and the
// ONNX writer's additions they need (integer and float16 tensors, string attributes, external
// data) against the protobuf encoding worked out by hand
// (https://protobuf.dev/programming-guides/encoding/, onnx/onnx.proto field numbers).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';

import { DIFFUSION_VARIANTS, diffusionFixtureFiles } from '../../../../scripts/diffusion/fixtures';
import {
  attributeProto,
  DATA_TYPE,
  modelFiles,
  modelProto,
  tensorProto,
  type ModelSpec,
  type TensorSpec,
  valueInfoProto,
} from '../../../../scripts/onnx/onnx';
import { float32Bytes } from '../../../../scripts/onnx/protobuf';
import { ROOT } from '../../helpers';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const DIR = join(ROOT, 'test', 'fixtures', 'diffusion');

/** Every file under `dir`, as paths relative to DIR with '/' separators. */
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [relative(DIR, path).split('\\').join('/')];
  });
}

describe('ONNX writer: what the diffusion fixtures add', () => {
  // Shared head of a tensor named "t" with dims [n]: dims (field 1) = n, then data_type (field 2),
  // then name (field 8, key 0x42), then raw_data (field 9, key 0x4a) or external data.
  test('int64, int32 and float16 initializers: raw little-endian data of their own width', () => {
    assert.equal(
      hex(tensorProto({ name: 't', dims: [2], values: [1, -1], type: DATA_TYPE.int64 })),
      '0802' + '1007' + '420174' + '4a10' + '0100000000000000' + 'ffffffffffffffff',
    );
    assert.equal(
      hex(tensorProto({ name: 't', dims: [1], values: [5], type: DATA_TYPE.int32 })),
      '0801' + '1006' + '420174' + '4a04' + '05000000',
    );
    // Half 1.0 = 0x3c00, -2.0 = 0xc000, little-endian.
    assert.equal(
      hex(tensorProto({ name: 't', dims: [2], values: [1, -2], type: DATA_TYPE.float16 })),
      '0802' + '100a' + '420174' + '4a04' + '003c' + '00c0',
    );
    assert.throws(
      () => tensorProto({ name: 't', dims: [1], values: [0.5], type: DATA_TYPE.int64 }),
      RangeError,
    );
  });

  test('an external tensor: location/offset/length entries (field 13) and data_location 1 (field 14)', () => {
    const entry = (k: string, v: string): string =>
      // StringStringEntryProto { key = 1; value = 2 }
      Buffer.from([0x0a, k.length, ...Buffer.from(k), 0x12, v.length, ...Buffer.from(v)]).toString(
        'hex',
      );
    const entries = [
      ['location', 'd'],
      ['offset', '4'],
      ['length', '4'],
    ].map(([k = '', v = '']) => {
      const body = entry(k, v);
      return '6a' + (body.length / 2).toString(16).padStart(2, '0') + body;
    });
    assert.equal(
      hex(
        tensorProto({ name: 't', dims: [1], values: [1] }, { location: 'd', offset: 4, length: 4 }),
      ),
      '0801' + '1001' + '420174' + entries.join('') + '7001',
    );
  });

  test('a 0-d input: an empty shape message (rank 0), not a missing one (unknown rank)', () => {
    // ValueInfoProto{name "t", type{tensor_type{elem_type 1, shape{}}}}
    assert.equal(
      hex(valueInfoProto({ name: 't', type: DATA_TYPE.float, shape: [] })),
      '0a0174' + '1206' + '0a04' + '0801' + '1200',
    );
  });

  test('a string attribute: s (field 4) and type STRING (3)', () => {
    assert.equal(
      hex(attributeProto('mode', { string: 'nearest' })),
      '0a046d6f6465' + '22076e656172657374' + 'a00103',
    );
  });

  test('modelFiles puts external tensors one after another in the data file', () => {
    const a: TensorSpec = { name: 'a', dims: [1], values: [2], external: true };
    const inline: TensorSpec = { name: 'inline', dims: [1], values: [3] };
    const b: TensorSpec = { name: 'b', dims: [2], values: [4, 5], external: true };
    const spec: ModelSpec = {
      name: 'g',
      doc: '',
      opset: 17,
      inputs: [{ name: 'x', type: DATA_TYPE.float, shape: [] }],
      outputs: [{ name: 'y', type: DATA_TYPE.float, shape: [] }],
      initializers: [a, inline, b],
      nodes: [{ op: 'Add', inputs: ['x', 'a'], outputs: ['y'] }],
    };
    const files = modelFiles(spec, 'w.bin');
    assert.deepEqual(files.data, float32Bytes([2, 4, 5]));
    const model = hex(files.model);
    const written = [
      tensorProto(a, { location: 'w.bin', offset: 0, length: 4 }),
      tensorProto(inline),
      tensorProto(b, { location: 'w.bin', offset: 4, length: 8 }),
    ];
    for (const tensor of written) assert.ok(model.includes(hex(tensor)));
    // Without modelFiles the external tensors would have nowhere to go.
    assert.throws(() => modelProto(spec), /external/);
    assert.equal(modelFiles({ ...spec, initializers: [] }).data, null);
  });
});

describe('diffusion fixtures', () => {
  const files = diffusionFixtureFiles();

  test('the committed files are exactly what scripts/makeFixtures.ts writes, and no others', () => {
    for (const file of files) {
      const committed = readFileSync(join(DIR, file.name));
      assert.ok(
        Buffer.from(file.bytes).equals(committed),
        `test/fixtures/diffusion/${file.name} differs from the generator: run npx tsx scripts/makeFixtures.ts`,
      );
    }
    assert.deepEqual(walk(DIR).sort(), files.map((f) => f.name).sort());
  });

  test("each variant has optimum's layout, and only the legacy UNet has external data", () => {
    for (const variant of DIFFUSION_VARIANTS) {
      const names = new Set(
        files
          .filter((f) => f.name.startsWith(`${variant.name}/`))
          .map((f) => f.name.slice(variant.name.length + 1)),
      );
      for (const name of [
        'model_index.json',
        'scheduler/scheduler_config.json',
        ...['text_encoder', 'unet', 'vae_encoder', 'vae_decoder'].flatMap((m) => [
          `${m}/model.onnx`,
          `${m}/config.json`,
        ]),
        variant.tokenizer === 'json' ? 'tokenizer/tokenizer.json' : 'tokenizer/vocab.json',
      ]) {
        assert.ok(names.has(name), `${variant.name}/${name}`);
      }
      assert.equal(names.has('tokenizer/merges.txt'), variant.tokenizer === 'bpe', variant.name);
      assert.equal(names.has('unet/model.onnx_data'), variant.externalUnet, variant.name);
    }
  });

  test('every model stays tiny', () => {
    for (const file of files.filter((f) => /\.onnx(_data)?$/.test(f.name))) {
      assert.ok(file.bytes.length < 4096, file.name);
    }
  });
});
