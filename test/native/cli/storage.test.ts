// Where explain writes: a folder it cannot write, a cache folder that is not a cache, the cache's
// size bound, per-result reports and a corrupt cache entry. Each ends in exit 0 with a whole
// result, or exit 2 with one line and nothing left behind.
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { readImage } from '../../../src/extension/images/io';
import { CACHE_MARKER } from '../../../src/extension/store/frameCache';
import type { ResultFile } from '../../../src/shared/resultFile';
import { DARK_CAT, errorLine, explain, tmp } from './helpers';

describe('propsweep explain and its folders', () => {
  test('an output folder that cannot be written: exit 2 before the work, nothing written', () => {
    const dir = tmp('storage');
    writeFileSync(join(dir, 'file.txt'), 'a file');
    const cache = tmp('storage');
    const r = explain({ out: join(dir, 'file.txt', 'out'), cache }, '--json');
    assert.equal(r.code, 2, r.stderr);
    assert.match(errorLine(r.stderr), /Cannot write to .*file\.txt.*Choose a folder/);
    assert.deepEqual(readdirSync(cache), [], 'refused before any frame was edited');
  });

  test('a cache folder holding other files is refused and left as it was', () => {
    const photos = tmp('storage');
    writeFileSync(join(photos, 'holiday.png'), readFileSync(DARK_CAT));
    mkdirSync(join(photos, 'ab'));
    writeFileSync(join(photos, 'ab', 'beach.png'), 'x');
    const out = join(tmp('storage'), 'out');
    const r = explain({ out, cache: photos }, '--json');
    assert.equal(r.code, 2, r.stderr);
    assert.match(errorLine(r.stderr), new RegExp(`${photos}.*empty or new folder`));
    assert.deepEqual(readdirSync(photos).sort(), ['ab', 'holiday.png']);
    assert.deepEqual(readdirSync(join(photos, 'ab')), ['beach.png']);
    assert.ok(!existsSync(out), 'nothing written');
  });

  test('two results in one folder keep their own reports; --cache-max-mb bounds the cache', () => {
    const out = tmp('storage');
    const cache = tmp('storage');
    const cached = (): string[] =>
      readdirSync(cache, { recursive: true })
        .map(String)
        .filter((n) => n.endsWith('.png'))
        .sort();
    // Blur: an editor whose frames are cached (cheap editors render theirs again instead).
    const a = explain({ out, cache, editor: 'blur' }, '--json', '--name', 'a');
    assert.equal(a.code, 0, a.stderr);
    const ofA = cached();
    const runB = (): ReturnType<typeof explain> =>
      explain(
        { out, cache, editor: 'blur' },
        '--json',
        '--name',
        'b',
        '--param',
        'sigma=2',
        '--cache-max-mb',
        '0',
      );
    const b = runB();
    assert.equal(b.code, 0, b.stderr);
    const reports = [a, b].map((r) => (JSON.parse(r.stdout) as { report: string }).report);
    assert.deepEqual(reports, [join(out, 'a.report.html'), join(out, 'b.report.html')]);
    assert.ok(reports.every((p) => existsSync(p)));
    const ofB = cached().filter((n) => !ofA.includes(n));
    assert.ok(ofB.length > 0 && cached().length > ofB.length, 'entries just used are kept');
    // An hour later: b again looks up (so keeps) its entries; a's are pruned to the 0 MB limit.
    const hourAgo = (Date.now() - 3_600_000) / 1000;
    for (const n of cached()) utimesSync(join(cache, n), hourAgo, hourAgo);
    assert.equal(runB().code, 0);
    assert.deepEqual(cached(), ofB, 'pruned to 0 MB: every entry not used just now gone');
    assert.ok(existsSync(join(cache, CACHE_MARKER)));
    // The results do not depend on the cache: their frames are their own.
    const saved = JSON.parse(readFileSync(join(out, 'b.propsweep.json'), 'utf8')) as ResultFile;
    assert.ok(saved.frames.every((f) => existsSync(join(out, f.file))));
  });

  test('a truncated cache entry is made again; the published frames decode', async () => {
    const out = tmp('storage');
    const cache = tmp('storage');
    assert.equal(explain({ out, cache, editor: 'blur' }, '--json').code, 0);
    const shards = readdirSync(cache).filter((n) => n !== CACHE_MARKER);
    const shard = shards[0] ?? '';
    const entry = readdirSync(join(cache, shard)).find((n) => n.endsWith('.png')) ?? '';
    const path = join(cache, shard, entry);
    const whole = readFileSync(path);
    writeFileSync(path, whole.subarray(0, whole.length >> 1));
    const again = explain({ out, cache, editor: 'blur' }, '--json');
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(readFileSync(path), whole, 'the entry is whole again');
    const saved = JSON.parse(
      readFileSync(join(out, 'dark-cat-blur.propsweep.json'), 'utf8'),
    ) as ResultFile;
    for (const frame of saved.frames) await readImage(join(out, frame.file));
  });
});
