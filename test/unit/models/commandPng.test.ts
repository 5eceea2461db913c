// The stored PNG a classifier command reads (commandPng.ts), taken apart by hand: signature, chunk
// CRCs, header fields, and rows that inflate back to the pixels with filter byte 0. (The native
// tests decode it with sharp, and a command's answers equal the in-process model's on it.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32, inflateSync } from 'node:zlib';

import { storedPng } from '../../../src/extension/models/commandPng';
import { noiseImages } from './helpers';

/** The chunks of a PNG, their CRCs checked. */
function chunks(png: Buffer): { type: string; body: Buffer }[] {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const out: { type: string; body: Buffer }[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    assert.equal(png.readUInt32BE(at + 8 + length), crc32(png.subarray(at + 4, at + 8 + length)));
    out.push({ type, body: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return out;
}

test('an RGB image as IHDR, one stored IDAT and IEND; the rows inflate to the pixels', () => {
  for (const [width, height] of [
    [1, 1],
    [7, 3],
    [128, 128],
  ] as const) {
    const [image = assert.fail()] = noiseImages(1, width, height, width);
    const parts = chunks(storedPng(image));
    assert.deepEqual(
      parts.map((c) => c.type),
      ['IHDR', 'IDAT', 'IEND'],
    );
    const [ihdr, idat] = parts;
    assert.ok(ihdr !== undefined && idat !== undefined);
    assert.equal(ihdr.body.readUInt32BE(0), width);
    assert.equal(ihdr.body.readUInt32BE(4), height);
    assert.deepEqual([...ihdr.body.subarray(8)], [8, 2, 0, 0, 0], '8-bit RGB, no interlace');
    const rows = inflateSync(idat.body);
    const stride = width * 3;
    assert.equal(rows.length, (stride + 1) * height);
    for (let y = 0; y < height; y++) {
      assert.equal(rows[y * (stride + 1)], 0, 'filter none');
      assert.deepEqual(
        rows.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)),
        Buffer.from(image.data.subarray(y * stride, (y + 1) * stride)),
      );
    }
    assert.ok(idat.body.length >= rows.length, 'stored, not compressed');
  }
});

test('an image whose bytes do not match its size is refused', () => {
  assert.throws(
    () => storedPng({ width: 2, height: 2, data: new Uint8Array(11) }),
    /needs 12 bytes, but has 11/,
  );
});
