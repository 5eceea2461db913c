// The panel shows a running explanation's frames from their pixels before their files exist, and
// switches to the files when the result is saved.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  bmpOf,
  PreviewFrameUrls,
  withFrameUrls,
  type UrlMaker,
} from '../../../src/webview/model/previewFrames';
import { normaliseSnapshot } from '../../../src/webview/model/snapshot';
import { snapshot } from './builders';

void test('a frame becomes a 24-bit BMP: bottom row first, BGR, rows padded to 4 bytes', () => {
  // 2 x 2: top row red, green; bottom row blue, white. A row is 6 bytes, padded to 8.
  const pixels = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);
  const bmp = bmpOf({ width: 2, height: 2, pixels });
  const view = new DataView(bmp.buffer);
  assert.equal(String.fromCharCode(bmp[0] ?? 0, bmp[1] ?? 0), 'BM');
  assert.equal(bmp.length, 54 + 2 * 8);
  assert.equal(view.getUint32(2, true), bmp.length, 'file size');
  assert.equal(view.getUint32(10, true), 54, 'pixel offset');
  assert.equal(view.getUint32(14, true), 40, 'BITMAPINFOHEADER');
  assert.equal(view.getInt32(18, true), 2);
  assert.equal(view.getInt32(22, true), 2, 'positive height: bottom-up');
  assert.equal(view.getUint16(28, true), 24);
  assert.equal(view.getUint32(30, true), 0, 'uncompressed');
  assert.deepEqual(
    [...bmp.subarray(54)],
    [...[255, 0, 0, 255, 255, 255, 0, 0], ...[0, 0, 255, 0, 255, 0, 0, 0]],
  );
});

/** URLs numbered in the order made, with the ones released. */
function urls(): UrlMaker & { made: number; revoked: string[] } {
  const maker = {
    made: 0,
    revoked: [] as string[],
    create: (bmp: Uint8Array): string => `blob:${++maker.made}:${bmp.length}`,
    revoke: (url: string): void => {
      maker.revoked.push(url);
    },
  };
  return maker;
}

const frames = [0, 1, 2, 3, 4].map((k) => ({
  width: 1,
  height: 1,
  pixels: Uint8Array.from([k, k, k]),
}));

void test('only the newest preview is held; the previous one is released', () => {
  const maker = urls();
  const previews = new PreviewFrameUrls(maker);
  previews.set(1, frames);
  assert.deepEqual(
    previews.urlsOf(1),
    [1, 2, 3, 4, 5].map((n) => `blob:${n}:58`),
  );
  assert.equal(previews.urlsOf(2), undefined);
  previews.set(2, frames.slice(0, 2));
  assert.deepEqual(
    maker.revoked,
    [1, 2, 3, 4, 5].map((n) => `blob:${n}:58`),
  );
  assert.equal(previews.urlsOf(1), undefined);
  assert.deepEqual(previews.urlsOf(2), ['blob:6:58', 'blob:7:58']);
});

void test('a preview snapshot shows the preview frames; the saved result then shows its files', () => {
  const maker = urls();
  const previews = new PreviewFrameUrls(maker);
  const saved = snapshot();
  const preview = normaliseSnapshot({
    ...saved,
    state: 'running',
    frameUris: [],
    preview: { id: 3 },
  });
  assert.deepEqual(preview.preview, { id: 3 });
  // Pixels not here yet (a reloaded webview gets them again first; this is the fallback).
  assert.deepEqual(withFrameUrls(preview, previews).frameUris, []);
  previews.set(3, frames);
  const shown = withFrameUrls(preview, previews);
  assert.deepEqual(
    shown.frameUris,
    [1, 2, 3, 4, 5].map((n) => `blob:${n}:58`),
  );
  assert.equal(shown.result, preview.result);
  // The run's files are written: the snapshot names them and the preview is released.
  const done = withFrameUrls(normaliseSnapshot(saved), previews);
  assert.deepEqual(done.frameUris, saved.frameUris);
  assert.ok(done.frameUris.every((uri) => uri.startsWith('https://file.test/')));
  assert.equal(maker.revoked.length, 5);
  assert.equal(previews.urlsOf(3), undefined);
});
