// Where explain writes: a folder it cannot write, a cache folder that is not a cache, the cache's
// size bound, per-result reports and a corrupt cache entry. Each ends in exit 0 with a whole
// result, or exit 2 with one line and nothing left behind.
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { readImage } from '../../../src/extension/images/io';
import { CACHE_MARKER } from '../../../src/extension/store/frameCache';
import type { ResultFile } from '../../../src/shared/resultFile';
import { cli, ROOT } from '../../unit/helpers';

const demo = join(ROOT, 'models', 'demo');
const image = join(demo, 'images', 'dark-cat.png');

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'propsweep-storage-'));
}

/** A small brightness run (a cheap editor) into `out`; extra flags last. */
function explain(out: string, cache: string, ...flags: string[]): ReturnType<typeof cli> {
  return cli([
    'explain',
    '--image',
    image,
    '--model',
    join(demo, 'unbiased.onnx'),
    '--editor',
    'brightness',
    '--steps',
    '5',
    '--permutations',
    '100',
    '--out',
    out,
    '--cache',
    cache,
    '--json',
    ...flags,
  ]);
}

/** The one error line of a failed run. */
function errorLine(stderr: string): string {
  const errors = stderr.split('\n').filter((l) => l.startsWith('propsweep:'));
  assert.equal(errors.length, 1, stderr);
  assert.doesNotMatch(stderr, /internal error|\n\s+at /, 'no stack trace');
  return errors[0] ?? '';
}

describe('propsweep explain and its folders', () => {
  test('an output folder that cannot be written: exit 2 before the work, nothing written', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'file.txt'), 'a file');
    const cache = tmp();
    const r = explain(join(dir, 'file.txt', 'out'), cache);
    assert.equal(r.code, 2, r.stderr);
    assert.match(errorLine(r.stderr), /Cannot write to .*file\.txt.*Choose a folder/);
    assert.deepEqual(readdirSync(cache), [], 'refused before any frame was edited');
  });

  test('a cache folder holding other files is refused and left as it was', () => {
    const photos = tmp();
    writeFileSync(join(photos, 'holiday.png'), readFileSync(image));
    mkdirSync(join(photos, 'ab'));
    writeFileSync(join(photos, 'ab', 'beach.png'), 'x');
    const out = join(tmp(), 'out');
    const r = explain(out, photos);
    assert.equal(r.code, 2, r.stderr);
    assert.match(errorLine(r.stderr), new RegExp(`${photos}.*empty or new folder`));
    assert.deepEqual(readdirSync(photos).sort(), ['ab', 'holiday.png']);
    assert.deepEqual(readdirSync(join(photos, 'ab')), ['beach.png']);
    assert.ok(!existsSync(out), 'nothing written');
  });

  test('two results in one folder keep their own reports; --cache-max-mb bounds the cache', () => {
    const out = tmp();
    const cache = tmp();
    const a = explain(out, cache, '--name', 'a');
    assert.equal(a.code, 0, a.stderr);
    const b = explain(out, cache, '--name', 'b', '--param', 'factor=0.5', '--cache-max-mb', '0');
    assert.equal(b.code, 0, b.stderr);
    const reports = [a, b].map((r) => (JSON.parse(r.stdout) as { report: string }).report);
    assert.deepEqual(reports, [join(out, 'a.report.html'), join(out, 'b.report.html')]);
    assert.ok(reports.every((p) => existsSync(p)));
    const entries = readdirSync(cache, { recursive: true }).filter((n) =>
      String(n).endsWith('.png'),
    );
    assert.deepEqual(entries, [], 'pruned to 0 MB: every entry gone');
    assert.ok(existsSync(join(cache, CACHE_MARKER)));
    // The results do not depend on the cache: their frames are their own.
    const saved = JSON.parse(readFileSync(join(out, 'b.propsweep.json'), 'utf8')) as ResultFile;
    assert.ok(saved.frames.every((f) => existsSync(join(out, f.file))));
  });

  test('a truncated cache entry is made again; the published frames decode', async () => {
    const out = tmp();
    const cache = tmp();
    assert.equal(explain(out, cache).code, 0);
    const shards = readdirSync(cache).filter((n) => n !== CACHE_MARKER);
    const shard = shards[0] ?? '';
    const entry = readdirSync(join(cache, shard)).find((n) => n.endsWith('.png')) ?? '';
    const path = join(cache, shard, entry);
    const whole = readFileSync(path);
    writeFileSync(path, whole.subarray(0, whole.length >> 1));
    const again = explain(out, cache);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(readFileSync(path), whole, 'the entry is whole again');
    const saved = JSON.parse(
      readFileSync(join(out, 'dark-cat-brightness.propsweep.json'), 'utf8'),
    ) as ResultFile;
    for (const frame of saved.frames) await readImage(join(out, frame.file));
  });
});
