// --noise FILE.npy: the initial latents of a diffusers run, read exactly or refused with the
// np.save line that writes a good file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  NPY_MAX_HEADER_BYTES,
  parseNpy,
  readNpyLatents,
} from '../../../../src/extension/editors/diffusion/npy';
import { EditorInputError } from '../../../../src/extension/editors/types';

const dir = mkdtempSync(join(tmpdir(), 'propsweep-npy-'));

// Written by numpy 2.4: np.save(f, (np.arange(16, dtype=np.float32) * 0.5 - 4).reshape(1, 4, 2, 2))
// and the same array .astype(np.float64), in base64.
const NUMPY_F4 =
  'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDQsIDIsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIDAAABgwAAAQMAAACDAAAAAwAAAwL8AAIC/AAAAvwAAAAAAAAA/AACAPwAAwD8AAABAAAAgQAAAQEAAAGBA';
const NUMPY_F8 =
  'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDQsIDIsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAQwAAAAAAAAAzAAAAAAAAACMAAAAAAAAAEwAAAAAAAAADAAAAAAAAA+L8AAAAAAADwvwAAAAAAAOC/AAAAAAAAAAAAAAAAAADgPwAAAAAAAPA/AAAAAAAA+D8AAAAAAAAAQAAAAAAAAARAAAAAAAAACEAAAAAAAAAMQA==';
const VALUES = Array.from({ length: 16 }, (_, k) => k * 0.5 - 4);
const SHAPE = [1, 4, 2, 2];

/** A .npy file as numpy lays it out: magic, version, length, the header padded to 64 bytes. */
function npy(header: string, data: Uint8Array, version = 1): Uint8Array {
  const start = version === 1 ? 10 : 12;
  const padded = header.padEnd(Math.ceil((start + header.length + 1) / 64) * 64 - start - 1) + '\n';
  const text = new TextEncoder().encode(padded);
  const bytes = new Uint8Array(start + text.length + data.length);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(bytes.buffer);
  if (version === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  bytes.set(text, start);
  bytes.set(data, start + text.length);
  return bytes;
}

const f4 = (values: readonly number[]): Uint8Array =>
  new Uint8Array(Float32Array.from(values).buffer);
const header = (descr: string, shape: string, fortran = 'False'): string =>
  `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;

function isInputError(why: RegExp): (error: unknown) => true {
  return (error: unknown) => {
    assert.ok(error instanceof EditorInputError, String(error));
    assert.match(error.message, why);
    assert.ok(!error.message.includes('\n'), 'one line');
    return true;
  };
}

function refused(bytes: Uint8Array, why: RegExp): void {
  assert.throws(
    () => parseNpy(bytes, 'noise.npy'),
    isInputError(
      new RegExp(`^The noise file noise\\.npy ${why.source}.*np\\.save\\(path, latents`),
    ),
  );
}

test("numpy's own files: float32, and float64 converted", () => {
  for (const file of [NUMPY_F4, NUMPY_F8]) {
    const array = parseNpy(Buffer.from(file, 'base64'), 'noise.npy');
    assert.deepEqual(array.shape, SHAPE);
    assert.deepEqual(array.data, Float32Array.from(VALUES));
  }
});

test('format versions 2 and 3, tuples of any rank, headers without the trailing comma', () => {
  for (const version of [2, 3])
    assert.deepEqual(
      parseNpy(npy(header('<f4', '(1, 4, 2, 2)'), f4(VALUES), version), 'n').shape,
      SHAPE,
    );
  assert.deepEqual(parseNpy(npy(header('<f4', '()'), f4([2.5])), 'n'), {
    shape: [],
    data: Float32Array.of(2.5),
  });
  assert.deepEqual(parseNpy(npy(header('<f4', '(2,)'), f4([1, 2])), 'n').shape, [2]);
  const tight = "{'shape':(2,),'fortran_order':False,'descr':'<f4'}";
  assert.deepEqual(parseNpy(npy(tight, f4([1, 2])), 'n').data, Float32Array.of(1, 2));
});

test('refused: not .npy, unknown versions, oversized or cut headers', () => {
  refused(new TextEncoder().encode('1,2,3\n'), /is not a NumPy \.npy file/);
  const v4 = npy(header('<f4', '(2,)'), f4([1, 2]));
  v4[6] = 4;
  refused(v4, /has \.npy format version 4\.0; propsweep reads 1\.0, 2\.0 and 3\.0/);
  const long = npy(header('<f4', '(2,)').padEnd(NPY_MAX_HEADER_BYTES + 10), f4([1, 2]), 2);
  refused(long, /has a header of 10\d{3} bytes, more than 10000/);
  refused(npy(header('<f4', '(2,)'), f4([1, 2])).subarray(0, 40), /ends inside its header/);
});

test('refused: headers that are not the dict numpy writes', () => {
  const bad = [
    "{'descr': '<f4', 'fortran_order': False}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': True, }",
    "{'descr': '<f4', 'descr': '<f4', 'shape': (2,), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2 2), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } junk",
    "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }",
    "__import__('os')",
  ];
  for (const text of bad)
    refused(npy(text, f4([1, 2])), /has a header that is not a \.npy header dict/);
});

test('refused: float16, big-endian, other types and Fortran order, each with its fix', () => {
  refused(
    npy(header('<f2', '(2,)'), new Uint8Array(4)),
    /holds float16 values; propsweep reads little-endian float32/,
  );
  refused(npy(header('>f4', '(2,)'), f4([1, 2])), /holds big-endian values \('>f4'\)/);
  refused(npy(header('<i8', '(2,)'), new Uint8Array(16)), /holds values of type "<i8"/);
  refused(
    npy(header('<f4', '(2,)', 'True'), f4([1, 2])),
    /is in Fortran order; save np\.ascontiguousarray/,
  );
});

test('refused: truncated data, trailing bytes, NaN, infinities and float64 beyond float32', () => {
  refused(
    npy(header('<f4', '(1, 4, 2, 2)'), f4(VALUES.slice(1))),
    /has 60 bytes of data, but shape \[1, 4, 2, 2\] of <f4 needs 64: it is truncated/,
  );
  refused(
    npy(header('<f4', '(2,)'), f4([1, 2, 3])),
    /has 12 bytes of data, but shape \[2\] of <f4 needs 8: it is followed by extra bytes/,
  );
  refused(
    npy(header('<f4', '(2,)'), f4([1, Number.NaN])),
    /holds NaN at index 1: latents must be finite/,
  );
  refused(npy(header('<f4', '(2,)'), f4([-Infinity, 1])), /holds -Infinity at index 0/);
  const big = new Uint8Array(Float64Array.of(0, 1e39).buffer);
  refused(npy(header('<f8', '(2,)'), big), /holds 1e\+39 at index 1 \(beyond float32\)/);
});

test('readNpyLatents: the exact shape, read with the bounded reader', async () => {
  const good = join(dir, 'latents.npy');
  writeFileSync(good, Buffer.from(NUMPY_F4, 'base64'));
  assert.deepEqual(await readNpyLatents(good, SHAPE), Float32Array.from(VALUES));

  await assert.rejects(
    readNpyLatents(good, [1, 4, 4, 4]),
    isInputError(
      /latents\.npy holds latents of shape \[1, 4, 2, 2\], but this run needs \[1, 4, 4, 4\] .*np\.save\(path, latents\.cpu\(\)\.numpy\(\)\.astype\(np\.float32\)\), latents of shape \[1, 4, h\/8, w\/8\] at that size/,
    ),
  );
  await assert.rejects(
    readNpyLatents(join(dir, 'absent.npy'), SHAPE),
    isInputError(/absent\.npy cannot be read: it does not exist/),
  );
  // Sparse: far more than 1 x 4 x 2 x 2 float64 values and a header could need.
  const huge = join(dir, 'huge.npy');
  writeFileSync(huge, '');
  truncateSync(huge, 1024 * 1024);
  await assert.rejects(
    readNpyLatents(huge, SHAPE),
    isInputError(/huge\.npy cannot be read: it has 1 MiB, more than the limit/),
  );
  const fifo = join(dir, 'fifo.npy');
  execFileSync('mkfifo', [fifo]);
  await assert.rejects(
    readNpyLatents(fifo, SHAPE),
    isInputError(/fifo\.npy cannot be read: it is not a regular file/),
  );
});
