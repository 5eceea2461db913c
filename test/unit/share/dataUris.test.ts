import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { pngDataUri, pngDataUris, REPORT_FRAME } from '../../../src/extension/share/dataUris';
import { parsePng, PngError } from '../../../src/extension/share/pngCheck';
import { REPORT_LIMITS } from '../../../src/extension/share/reportHtml';
import { solidPng } from './pngBuilders';

const bytesOf = (uri: string): Buffer =>
  Buffer.from(uri.slice('data:image/png;base64,'.length), 'base64');

test('a large frame is embedded as a small copy; a small one as it is', () => {
  const large = solidPng(1200, 900, (x, y) => [(x * 7) % 256, (y * 13) % 256, (x ^ y) % 256]);
  const uri = pngDataUri(large);
  const { width, height } = parsePng(bytesOf(uri), 'thumb').header;
  assert.deepEqual([width, height], [REPORT_FRAME.maxSide, 192]);
  assert.ok(uri.length < large.length / 3, `${uri.length} vs ${large.length}`);
  const small = solidPng(8, 8);
  assert.deepEqual(bytesOf(pngDataUri(small)), Buffer.from(small));
  assert.throws(() => pngDataUri(Buffer.from('TOKEN=1')), PngError);
});

test('files become URIs only for the steps the report shows, each checked', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-uris-'));
  const paths = Array.from({ length: 100 }, (_, k) => join(dir, `${k}.png`));
  for (const p of paths) writeFileSync(p, solidPng(2, 2));
  const uris = await pngDataUris(paths);
  assert.equal(uris.filter((u) => u !== '').length, REPORT_LIMITS.stripFrames);
  assert.ok(uris[0] !== '' && uris[99] !== '');
  writeFileSync(paths[0] ?? '', 'TOKEN=1');
  await assert.rejects(pngDataUris(paths), /0\.png is not a decodable PNG/);
  execFileSync('mkfifo', [join(dir, 'fifo.png')]);
  await assert.rejects(pngDataUris([join(dir, 'fifo.png')]), /not a regular file/);
});
