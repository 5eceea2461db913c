// The hand-written protobuf/ONNX writer, against the worked examples of the protobuf encoding
// guide (https://protobuf.dev/programming-guides/encoding/), and the committed fixtures against
// the generator.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { fixtureFiles } from '../../../scripts/onnx/fixtures';
import { attributeProto, valueInfoProto } from '../../../scripts/onnx/onnx';
import {
  floatField,
  intField,
  repeatedInts,
  stringField,
  varint,
} from '../../../scripts/onnx/protobuf';
import { ROOT } from '../helpers';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('protobuf wire format', () => {
  test('varints: the encoding guide examples and int64 -1', () => {
    assert.equal(hex(varint(1)), '01');
    assert.equal(hex(varint(150)), '9601'); // guide: 150 -> 96 01
    assert.equal(hex(varint(300)), 'ac02'); // 300 = 0b10_0101100 -> ac 02
    // protoc writes int64 -1 as its 64-bit two's complement: nine 0xff and a final 0x01.
    assert.equal(hex(varint(-1)), 'ffffffffffffffffff01');
    assert.equal(hex(varint(2 ** 53 - 1)), 'ffffffffffffff0f');
    assert.throws(() => varint(1.5), RangeError);
  });

  test('fields: the guide\'s "08 96 01" and "12 07 74 65 73 74 69 6e 67"', () => {
    assert.equal(hex(intField(1, 150)), '089601');
    assert.equal(hex(stringField(2, 'testing')), '120774657374696e67');
    // Field 2, wire type 5 (fixed32), 1.0f little-endian = 00 00 80 3f.
    assert.equal(hex(floatField(2, 1)), '150000803f');
    // proto2 repeated scalars are unpacked: one key per element.
    assert.equal(hex(repeatedInts(1, [2, 3])), '08020803');
  });

  test('ONNX messages: a value info and attributes, byte for byte', () => {
    // ValueInfoProto{name "x", type{tensor_type{elem_type 1, shape{dim{dim_param "n"}, dim{dim_value 3}}}}}
    assert.equal(
      hex(valueInfoProto({ name: 'x', type: 1, shape: ['n', 3] })),
      // name          type (15 B)  tensor_type  elem_type  shape (9 B)  dim "n"        dim 3
      '0a0178' + '120f' + '0a0d' + '0801' + '1209' + '0a0312016e' + '0a020803',
    );
    // AttributeProto{name "axis", i 1, type INT (2)}
    assert.equal(hex(attributeProto('axis', { int: 1 })), '0a0461786973' + '1801' + 'a00102');
  });
});

describe('fixtures', () => {
  test('the committed files are exactly what scripts/makeFixtures.ts writes', () => {
    const dir = join(ROOT, 'test', 'fixtures', 'models');
    for (const file of fixtureFiles()) {
      const committed = readFileSync(join(dir, file.name));
      assert.ok(
        Buffer.from(file.bytes).equals(committed),
        `${file.name} differs from the generator: run npx tsx scripts/makeFixtures.ts`,
      );
    }
  });

  test('every model stays tiny', () => {
    for (const file of fixtureFiles()) assert.ok(file.bytes.length < 4096, file.name);
  });
});
