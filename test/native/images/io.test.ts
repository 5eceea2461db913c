// Reading and writing image files through sharp (and the BMP decoder): formats, conversions with
// their notes, masks, and a clear ImageInputError naming the file for every bad input.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { inflateSync } from 'node:zlib';

import { ImageInputError } from '../../../src/extension/images/errors';
import {
  encodePng,
  MAX_IMAGE_BYTES,
  probeImage,
  readImage,
  readImageHashed,
  readImageWithAlpha,
  readMask,
  readMaskHashed,
  resizeImage,
} from '../../../src/extension/images/io';
import { bmpBytes, pixel, pngBytes, randomRgb, rgbFrom, solid } from '../../unit/images/builders';
import { encodeAs, gifBytes, jpegWithOrientation, tempDir } from './fixtures';

const dir = tempDir('io');
after(() => {
  dir.dispose();
});

async function refused(promise: Promise<unknown>, file: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ImageInputError, String(error));
    assert.ok(error.message.includes(file), `"${error.message}" does not name ${file}`);
    assert.match(error.message, pattern);
    return true;
  });
}

/** Two halves, red on the left and blue on the right: survives JPEG with recognisable colours. */
function halves(width: number, height: number): ReturnType<typeof solid> {
  const image = solid(width, height, [0, 0, 230]);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width / 2; x++) image.data.set([230, 0, 0], (y * width + x) * 3);
  }
  return image;
}

const close = (actual: number[], expected: number[], tolerance: number): boolean =>
  actual.every((v, i) => Math.abs(v - (expected[i] ?? NaN)) <= tolerance);

void test('PNG and lossless WebP read back byte for byte, with no notes', async () => {
  const image = randomRgb(7, 5, 1);
  for (const format of ['png', 'webp'] as const) {
    const path = dir.file(`random.${format}`, await encodeAs(image, format));
    const read = await readImage(path);
    assert.equal(read.format, format);
    assert.deepEqual(read.image, image);
    assert.deepEqual(read.notes, []);
  }
});

void test('JPEG reads with its colours within compression error; a renamed file still opens', async () => {
  const bytes = await encodeAs(halves(16, 8), 'jpeg');
  for (const name of ['halves.jpg', 'halves-renamed.png']) {
    const read = await readImage(dir.file(name, bytes));
    assert.equal(read.format, 'jpeg');
    assert.equal(read.image.width, 16);
    assert.ok(close(pixel(read.image, 2, 4), [230, 0, 0], 12), String(pixel(read.image, 2, 4)));
    assert.ok(close(pixel(read.image, 13, 4), [0, 0, 230], 12), String(pixel(read.image, 13, 4)));
  }
});

void test('an EXIF-rotated JPEG is turned upright and says so', async () => {
  // Stored 32x16, red left; orientation 6 means "turn 90 degrees clockwise to view", so the
  // upright image is 16x32 with red at the top.
  const path = dir.file('exif6.jpg', await jpegWithOrientation(halves(32, 16), 6));
  const read = await readImage(path);
  assert.equal(read.image.width, 16);
  assert.equal(read.image.height, 32);
  assert.ok(close(pixel(read.image, 8, 4), [230, 0, 0], 12), String(pixel(read.image, 8, 4)));
  assert.ok(close(pixel(read.image, 8, 28), [0, 0, 230], 12), String(pixel(read.image, 8, 28)));
  assert.deepEqual(read.notes, [
    'EXIF orientation 6: rotated 90 degrees clockwise to stand upright (16x32)',
  ]);
  assert.deepEqual(await probeImage(path), { width: 16, height: 32, format: 'jpeg' });
});

void test('grayscale becomes RGB and 16-bit becomes 8-bit, each noted', async () => {
  const gray = await readImage(dir.file('gray.png', pngBytes(3, 1, 8, 0, [0, 128, 255])));
  assert.deepEqual([...gray.image.data], [0, 0, 0, 128, 128, 128, 255, 255, 255]);
  assert.deepEqual(gray.notes, ['grayscale: converted to RGB (R = G = B)']);
  const deep = await readImage(
    dir.file('rgb16.png', pngBytes(2, 1, 16, 2, [65535, 0, 32896, 2570, 5140, 7710])),
  );
  // 16-bit v becomes v >> 8: 65535 -> 255, 32896 -> 128, 257 k -> k.
  assert.deepEqual([...deep.image.data], [255, 0, 128, 10, 20, 30]);
  assert.deepEqual(deep.notes, ['16 bits per channel: reduced to 8 bits']);
  const gray16 = await readImage(dir.file('gray16.png', pngBytes(2, 1, 16, 0, [65535, 25700])));
  assert.deepEqual([...gray16.image.data], [255, 255, 255, 100, 100, 100]);
  assert.equal(gray16.notes.length, 2);
});

void test('transparency is flattened onto white and noted; fully opaque alpha is not', async () => {
  const rgba = dir.file(
    'rgba.png',
    pngBytes(3, 1, 8, 6, [0, 0, 0, 0, 200, 100, 0, 128, 10, 20, 30, 255]),
  );
  const read = await readImage(rgba);
  // Transparent -> white; (200, 100, 0) at 128: 227, 177, 127 (see raw.test.ts); opaque kept.
  assert.deepEqual([...read.image.data], [255, 255, 255, 227, 177, 127, 10, 20, 30]);
  assert.deepEqual(read.notes, ['has transparent pixels: flattened onto white']);
  const withAlpha = await readImageWithAlpha(rgba);
  assert.deepEqual([...withAlpha.image.data], [0, 0, 0, 200, 100, 0, 10, 20, 30]);
  assert.deepEqual([...(withAlpha.alpha?.data ?? [])], [0, 128, 255]);
  const opaque = dir.file('opaque.png', pngBytes(1, 1, 8, 6, [1, 2, 3, 255]));
  assert.deepEqual(await readImage(opaque), {
    image: rgbFrom([[[1, 2, 3]]]),
    format: 'png',
    notes: [],
  });
  assert.equal((await readImageWithAlpha(opaque)).alpha, null);
  const grayAlpha = await readImage(dir.file('ga.png', pngBytes(2, 1, 8, 4, [10, 255, 200, 0])));
  assert.deepEqual([...grayAlpha.image.data], [10, 10, 10, 255, 255, 255]);
});

void test('BMP files go through the TypeScript decoder', async () => {
  const rows = [
    [
      [255, 0, 0],
      [0, 255, 0],
    ],
    [
      [0, 0, 255],
      [9, 8, 7],
    ],
  ];
  const path = dir.file('two.bmp', bmpBytes({ width: 2, height: 2, bitsPerPixel: 24, rows }));
  const read = await readImage(path);
  assert.equal(read.format, 'bmp');
  assert.deepEqual([...read.image.data], rows.flat(2));
  assert.deepEqual(await probeImage(path), { width: 2, height: 2, format: 'bmp' });
  const alpha = dir.file(
    'alpha.bmp',
    bmpBytes({ width: 1, height: 1, bitsPerPixel: 32, rows: [[[0, 0, 0, 0]]], compression: 6 }),
  );
  // Alpha 0 everywhere means "unused" (opaque): black stays black, nothing is flattened.
  assert.deepEqual([...(await readImage(alpha)).image.data], [0, 0, 0]);
  const seeThrough = dir.file(
    'half.bmp',
    bmpBytes({
      width: 2,
      height: 1,
      bitsPerPixel: 32,
      rows: [
        [
          [0, 0, 0, 0],
          [0, 0, 0, 255],
        ],
      ],
    }),
  );
  const flattened = await readImage(seeThrough);
  assert.deepEqual([...flattened.image.data], [255, 255, 255, 0, 0, 0]);
  assert.deepEqual(flattened.notes, ['has transparent pixels: flattened onto white']);
  const palette = dir.file(
    'palette.bmp',
    bmpBytes({ width: 1, height: 1, bitsPerPixel: 24, rows: [[[1, 2, 3]]], headerBits: 8 }),
  );
  await refused(readImage(palette), 'palette.bmp', /8-bit \(palette\) BMP.*Re-export it as PNG/);
  await refused(
    readImage(
      dir.file(
        'cut.bmp',
        bmpBytes({ width: 4, height: 4, bitsPerPixel: 24, rows: [] }).subarray(0, 70),
      ),
    ),
    'cut.bmp',
    /is truncated/,
  );
});

void test('missing files, folders, empty and unsupported files are refused by name', async () => {
  await refused(
    readImage(join(dir.path, 'nope.png')),
    'nope.png',
    /does not exist\. Check the path/,
  );
  const folder = join(dir.path, 'a-folder.png');
  mkdirSync(folder);
  await refused(
    readImage(folder),
    'a-folder.png',
    /is a folder, not an image\. Give a PNG, JPEG, WebP or BMP file/,
  );
  await refused(
    readImage(dir.file('empty.png', '')),
    'empty.png',
    /is empty \(0 bytes\)\. Re-export/,
  );
  await refused(
    readImage(dir.file('anim.gif', await gifBytes())),
    'anim.gif',
    /is a GIF image; propsweep reads PNG, JPEG, WebP or BMP\. Re-export it as PNG/,
  );
  await refused(
    readImage(dir.file('labels.png', 'cat\ndog\n')),
    'labels.png',
    /is text, not an image/,
  );
  await refused(probeImage(dir.file('labels2.png', 'cat\ndog\n')), 'labels2.png', /is text/);
});

void test(
  'a FIFO or a file larger than any image is refused without being read',
  { timeout: 30_000 },
  async () => {
    // A FIFO has size 0 and was called an empty image; read, it would wait for a writer.
    const fifo = join(dir.path, 'pipe.png');
    execFileSync('mkfifo', [fifo]);
    for (const read of [readImage, probeImage, readImageHashed])
      await refused(
        read(fifo),
        'pipe.png',
        /is not a regular file \(a FIFO, a device or a socket\)/,
      );
    await refused(readMask(fifo, { width: 1, height: 1 }), 'pipe.png', /is not a regular file/);
    // Sparse: past the bound on paper, nothing on disk. It was read whole before being looked at.
    const huge = dir.file('huge.png', pngBytes(1, 1, 8, 0, [0]));
    truncateSync(huge, MAX_IMAGE_BYTES + 1);
    for (const read of [readImage, probeImage, readImageHashed])
      await refused(
        read(huge),
        'huge.png',
        /is larger than 512 MiB, the limit for an image file \(it has 536,870,913 bytes\)/,
      );
  },
);

void test('corrupt and truncated files are refused with what to do', async () => {
  const png = await encodeAs(randomRgb(64, 64, 2), 'png');
  const jpeg = await encodeAs(randomRgb(64, 64, 3), 'jpeg');
  const garbage = Buffer.concat([png.subarray(0, 8), Buffer.alloc(200, 7)]);
  await refused(
    readImage(dir.file('garbage.png', garbage)),
    'garbage.png',
    /looks like a PNG file but cannot be decoded \(.+\): it is corrupt or truncated\. Re-export it as PNG/,
  );
  await refused(
    readImage(dir.file('half.png', png.subarray(0, png.length >> 1))),
    'half.png',
    /PNG file but cannot be decoded/,
  );
  await refused(
    readImage(dir.file('half.jpg', jpeg.subarray(0, jpeg.length >> 1))),
    'half.jpg',
    /JPEG file but cannot be decoded/,
  );
  await refused(
    readImage(dir.file('head.webp', (await encodeAs(randomRgb(8, 8, 4), 'webp')).subarray(0, 20))),
    'head.webp',
    /WEBP file but cannot be decoded/,
  );
});

void test('images over the pixel limit are refused before decoding', async () => {
  const path = dir.file('big.png', await encodeAs(solid(20, 10, [1, 2, 3]), 'png'));
  await refused(
    readImage(path, { maxPixels: 199 }),
    'big.png',
    /is 20x10 = 200 pixels, more than the limit of 199\. Downscale it/,
  );
  assert.equal((await readImage(path, { maxPixels: 200 })).image.width, 20);
  const bmp = dir.file('big.bmp', bmpBytes({ width: 20, height: 10, bitsPerPixel: 24, rows: [] }));
  await refused(readImage(bmp, { maxPixels: 100 }), 'big.bmp', /20x10 = 200 pixels/);
  await assert.rejects(readImage(path, { maxPixels: 0 }), RangeError);
});

void test('masks: gray as is, colour by luminance, transparency by alpha, wrong size refused', async () => {
  const size = { width: 3, height: 1 };
  const gray = await readMask(dir.file('m-gray.png', pngBytes(3, 1, 8, 0, [0, 128, 255])), size);
  assert.deepEqual(gray, { width: 3, height: 1, data: Uint8Array.from([0, 128, 255]) });
  // Pure red -> 77, green -> 149 (raw.test.ts), white -> 255.
  const colour = await readMask(
    dir.file(
      'm-rgb.png',
      await encodeAs(
        rgbFrom([
          [
            [255, 0, 0],
            [0, 255, 0],
            [255, 255, 255],
          ],
        ]),
        'png',
      ),
    ),
    size,
  );
  assert.deepEqual([...colour.data], [77, 149, 255]);
  const cutout = await readMask(
    dir.file('m-alpha.png', pngBytes(3, 1, 8, 6, [9, 9, 9, 0, 9, 9, 9, 100, 9, 9, 9, 255])),
    size,
  );
  assert.deepEqual([...cutout.data], [0, 100, 255]);
  const bmp = await readMask(
    dir.file(
      'm.bmp',
      bmpBytes({
        width: 3,
        height: 1,
        bitsPerPixel: 24,
        rows: [
          [
            [0, 0, 0],
            [255, 255, 255],
            [0, 0, 0],
          ],
        ],
      }),
    ),
    size,
  );
  assert.deepEqual([...bmp.data], [0, 255, 0]);
  await refused(
    readMask(dir.file('m-small.png', pngBytes(2, 2, 8, 0, [0, 0, 0, 0])), size),
    'm-small.png',
    /the mask is 2x2 but the image is 3x1; the mask must be the image's size/,
  );
  await refused(readMask(join(dir.path, 'no-mask.png'), size), 'no-mask.png', /does not exist/);
});

void test('encodePng writes the pixels it is given, and refuses a buffer of the wrong size', async () => {
  const image = randomRgb(6, 4, 5);
  // Decoding the encoded bytes gives the pixels back.
  assert.deepEqual((await readImage(dir.file('enc.png', await encodePng(image)))).image, image);
  await assert.rejects(
    encodePng({ width: 2, height: 2, data: new Uint8Array(11) }),
    /needs 12 bytes/,
  );
});

void test('encodePng writes frames of any shape that sharp reads back exactly', async () => {
  for (const [w, h] of [
    [1, 1],
    [1, 7],
    [7, 1],
    [33, 17],
  ] as const) {
    const image = randomRgb(w, h, w * 31 + h);
    const png = await encodePng(image);
    assert.deepEqual((await readImage(dir.file(`shape-${w}x${h}.png`, png))).image, image);
  }
});

void test('encodePng filters every row "up" and deflates at the fastest level: frames cost little to encode', async () => {
  const image = randomRgb(64, 64, 7);
  const png = await encodePng(image);
  // The first IDAT chunk starts the zlib stream; its FLEVEL bits say how it was compressed.
  let at = 8;
  while (png.toString('latin1', at + 4, at + 8) !== 'IDAT') at += 12 + png.readUInt32BE(at);
  const flags = png[at + 9] ?? 0;
  assert.equal(flags >> 6, 0, 'zlib FLEVEL 0: the fastest');
  const rows = inflateSync(png.subarray(at + 8, at + 8 + png.readUInt32BE(at)));
  const stride = 64 * 3 + 1;
  for (let y = 0; y < 64; y++) assert.equal(rows[y * stride], 2, `row ${y}'s filter`);
});

void test('resizeImage gives the requested size and keeps a flat colour flat', async () => {
  const resized = await resizeImage(solid(8, 6, [40, 90, 200]), 3, 5);
  assert.deepEqual(resized, solid(3, 5, [40, 90, 200]));
  await assert.rejects(resizeImage(solid(2, 2, [0, 0, 0]), 0, 2), RangeError);
});

void test('the hashed readers give the pixels of readImage and readMask and the sha256 of the file', async () => {
  const image = randomRgb(6, 4, 3);
  const digest = (path: string): string =>
    createHash('sha256').update(readFileSync(path)).digest('hex');
  for (const [name, bytes] of [
    ['hashed.png', await encodeAs(image, 'png')],
    ['hashed.jpg', await encodeAs(image, 'jpeg')],
  ] as const) {
    const path = dir.file(name, bytes);
    const read = await readImageHashed(path);
    assert.deepEqual(read.image, (await readImage(path)).image);
    assert.equal(read.sha256, digest(path));
  }
  const maskPath = dir.file(
    'hashed-mask.png',
    pngBytes(6, 4, 8, 0, new Array<number>(24).fill(255)),
  );
  const mask = await readMaskHashed(maskPath, { width: 6, height: 4 });
  assert.deepEqual(mask.image, await readMask(maskPath, { width: 6, height: 4 }));
  assert.equal(mask.sha256, digest(maskPath));
});
