// Publishing a result: the JSON and its frames always match, whatever fails and whenever.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { mock, test } from 'node:test';

import { StoreInputError } from '../../../src/extension/store/errors';
import {
  publishResult,
  type FrameSource,
  type PublishOptions,
} from '../../../src/extension/store/publish';
import { STALE_LOCK_MS } from '../../../src/extension/store/resultLock';

/** Frame files with the given contents, somewhere else (a cache). */
function frames(...contents: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-cache-'));
  return contents.map((c, k) => {
    const path = join(dir, `${k}.png`);
    writeFileSync(path, c);
    return path;
  });
}

/** A JSON naming its frames, so the test can check they are the ones beside it; and a report. */
function publish(
  folder: string,
  paths: readonly FrameSource[],
  label: string,
  options: PublishOptions = {},
): ReturnType<typeof publishResult> {
  return publishResult(
    folder,
    'cat',
    paths,
    ({ frameFiles }) => ({
      json: JSON.stringify({ label, frames: frameFiles }),
      extras: [{ name: 'report.html', contents: `<p>${label}</p>` }],
    }),
    options,
  );
}

/** The published JSON, with the contents of every frame it names. */
function read(folder: string): { label: string; contents: string[] } {
  const json = JSON.parse(readFileSync(join(folder, 'cat.propsweep.json'), 'utf8')) as {
    label: string;
    frames: string[];
  };
  return {
    label: json.label,
    contents: json.frames.map((f) => readFileSync(join(folder, f), 'utf8')),
  };
}

test('frames go into NAME.frames/VERSION, named in the JSON, with the extras beside it', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'propsweep-publish-'));
  const seen: string[] = [];
  const { resultPath, names } = await publish(folder, frames('a', 'b', 'c'), 'first', {
    onFrame: (k, bytes) => seen.push(`${k}:${new TextDecoder().decode(bytes)}`),
  });
  assert.deepEqual(seen, ['0:a', '1:b', '2:c'], 'every frame handed over once, in order');
  assert.equal(resultPath, join(folder, 'cat.propsweep.json'));
  assert.match(names.framesDir, /^cat\.frames\/[0-9a-f]{16}$/);
  assert.deepEqual(
    names.frameFiles,
    ['000', '001', '002'].map((k) => `${names.framesDir}/${k}.png`),
  );
  assert.deepEqual(read(folder), { label: 'first', contents: ['a', 'b', 'c'] });
  assert.equal(readFileSync(join(folder, 'report.html'), 'utf8'), '<p>first</p>');
  assert.deepEqual(
    readdirSync(folder).sort(),
    ['cat.frames', 'cat.propsweep.json', 'report.html'],
    'no temporary files (nor the lock) left',
  );
});

test('frames given as bytes are written as they are, in the version the same files would make', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'propsweep-publish-'));
  const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
  const seen: string[] = [];
  const mixed = await publish(folder, [bytes('a'), frames('b')[0] ?? '', bytes('c')], 'mixed', {
    onFrame: (k, b) => seen.push(`${k}:${new TextDecoder().decode(b)}`),
  });
  assert.deepEqual(seen, ['0:a', '1:b', '2:c']);
  assert.deepEqual(read(folder), { label: 'mixed', contents: ['a', 'b', 'c'] });
  const files = await publish(folder, frames('a', 'b', 'c'), 'files');
  assert.equal(files.names.framesDir, mixed.names.framesDir, 'one version, however given');
  const changed = await publish(folder, ['A', 'b', 'c'].map(bytes), 'changed');
  assert.notEqual(changed.names.framesDir, mixed.names.framesDir);
  assert.deepEqual(read(folder), { label: 'changed', contents: ['A', 'b', 'c'] });
  await assert.rejects(
    publish(folder, [bytes('a'), new Uint8Array(0)], 'empty'),
    /frame 1 has no image/,
  );
  assert.deepEqual(read(folder), { label: 'changed', contents: ['A', 'b', 'c'] });
  assert.deepEqual(
    readdirSync(folder).sort(),
    ['cat.frames', 'cat.propsweep.json', 'report.html'],
    'no temporary files (nor the lock) left',
  );
});

test('the same frames keep their folder; new frames replace it, the previous one kept for readers', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'propsweep-publish-'));
  const first = await publish(folder, frames('a', 'b', 'c'), 'first');
  const before = statSync(join(folder, first.names.frameFiles[0] ?? '')).mtimeMs;
  const again = await publish(folder, frames('a', 'b', 'c'), 'again');
  assert.equal(again.names.framesDir, first.names.framesDir);
  assert.equal(
    statSync(join(folder, again.names.frameFiles[0] ?? '')).mtimeMs,
    before,
    'not copied again',
  );
  // A reader reads the JSON, then the frames; the result is written again in between.
  const earlier = JSON.parse(readFileSync(join(folder, 'cat.propsweep.json'), 'utf8')) as {
    frames: string[];
  };
  const changed = await publish(folder, frames('a', 'B', 'c'), 'changed');
  assert.notEqual(changed.names.framesDir, first.names.framesDir);
  assert.deepEqual(read(folder), { label: 'changed', contents: ['a', 'B', 'c'] });
  assert.deepEqual(
    earlier.frames.map((f) => readFileSync(join(folder, f), 'utf8')),
    ['a', 'b', 'c'],
    'the frames of the JSON just replaced are still there',
  );
  const third = await publish(folder, frames('A', 'B', 'C'), 'third');
  assert.deepEqual(
    readdirSync(join(folder, 'cat.frames')).sort(),
    [changed.names.framesDir, third.names.framesDir].map((d) => d.split('/')[1]).sort(),
    'at most two versions: the current one and the previous one',
  );
});

test('a version folder damaged since (a frame deleted or truncated) is replaced, not reused', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'propsweep-publish-'));
  const paths = frames('a', 'b', 'c');
  const { names } = await publish(folder, paths, 'first');
  const [f0, f1, f2] = names.frameFiles.map((f) => join(folder, f));
  rmSync(f1 ?? '');
  await publish(folder, paths, 'again');
  assert.deepEqual(read(folder), { label: 'again', contents: ['a', 'b', 'c'] });
  writeFileSync(f2 ?? '', '');
  writeFileSync(join(folder, names.framesDir, 'annotated.png'), 'mine');
  await publish(folder, paths, 'once more');
  assert.deepEqual(read(folder), { label: 'once more', contents: ['a', 'b', 'c'] });
  assert.equal(readFileSync(join(folder, names.framesDir, 'annotated.png'), 'utf8'), 'mine');
  assert.ok(existsSync(f0 ?? ''));
  // Changed in place to other bytes of the same size: the digests differ.
  writeFileSync(f0 ?? '', 'z');
  await publish(folder, paths, 'same size');
  assert.deepEqual(read(folder), { label: 'same size', contents: ['a', 'b', 'c'] });
  assert.deepEqual(
    readdirSync(folder).sort(),
    ['cat.frames', 'cat.propsweep.json', 'report.html'],
    'the damaged folder is gone with the temporary one',
  );
});

test("files named like frames directly in NAME.frames (the user's, or the old flat layout) stay", async () => {
  const folder = mkdtempSync(join(tmpdir(), 'propsweep-publish-'));
  mkdirSync(join(folder, 'cat.frames'));
  writeFileSync(join(folder, 'cat.frames', '000.png'), 'old');
  writeFileSync(join(folder, 'cat.frames', '007.png'), 'mine');
  const { names } = await publish(folder, frames('a', 'b', 'c'), 'new');
  await publish(folder, frames('x', 'y', 'z'), 'newer');
  assert.ok(readdirSync(join(folder, 'cat.frames')).includes(names.framesDir.split('/')[1] ?? ''));
  assert.equal(readFileSync(join(folder, 'cat.frames', '007.png'), 'utf8'), 'mine');
  assert.equal(readFileSync(join(folder, 'cat.frames', '000.png'), 'utf8'), 'old');
});

test('a failure before the switch leaves the previous result whole', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'propsweep-publish-'));
  await publish(folder, frames('a', 'b', 'c'), 'kept');
  await assert.rejects(
    publishResult(folder, 'cat', frames('x', 'y', 'z'), () => {
      throw new Error('rendering the report failed');
    }),
    /rendering the report failed/,
  );
  assert.deepEqual(read(folder), { label: 'kept', contents: ['a', 'b', 'c'] });
  // Fails after the new frames are in place, just before the JSON would switch.
  await assert.rejects(
    publishResult(folder, 'cat', frames('x', 'y', 'z'), () => ({
      json: '{}',
      extras: [{ name: join('no-such-folder', 'report.html'), contents: '' }],
    })),
    { code: 'ENOENT' },
  );
  assert.deepEqual(read(folder), { label: 'kept', contents: ['a', 'b', 'c'] });
  // A frame removed meanwhile (another run pruned the cache) is a clear error: run again.
  await assert.rejects(
    publish(folder, [...frames('x', 'y'), join(folder, 'gone.png')], 'never'),
    (error: unknown) => {
      assert.ok(error instanceof StoreInputError, String(error));
      assert.match(error.message, /frame 2 .*gone\.png.* was removed.*Run again/);
      return true;
    },
  );
  assert.deepEqual(read(folder), { label: 'kept', contents: ['a', 'b', 'c'] });
  assert.ok(!readdirSync(folder).some((n) => n.endsWith('.tmp')), 'no temporary folder left');
});

test('a failure of the switch itself (the JSON rename) leaves the previous result whole', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'propsweep-publish-'));
  await publish(folder, frames('a', 'b', 'c'), 'kept');
  const rename = fs.rename.bind(fs);
  mock.method(fs, 'rename', async (from: string, to: string) => {
    if (to.endsWith('.propsweep.json'))
      throw Object.assign(new Error('disk full'), { code: 'ENOSPC' });
    await rename(from, to);
  });
  try {
    await assert.rejects(publish(folder, frames('x', 'y', 'z'), 'never'), { code: 'ENOSPC' });
  } finally {
    mock.restoreAll();
  }
  assert.deepEqual(read(folder), { label: 'kept', contents: ['a', 'b', 'c'] });
  assert.equal(readdirSync(join(folder, 'cat.frames')).length, 1, 'the new frames removed again');
  assert.ok(!existsSync(join(folder, 'cat.propsweep.lock')), 'the lock released');
});

test('a full disk while writing leaves the previous result whole and nothing of the failed run', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'propsweep-publish-'));
  await publish(folder, frames('a', 'b', 'c'), 'kept');
  const before = readdirSync(folder).sort();
  for (const failAt of [1, 3, 4]) {
    let writes = 0;
    const full = async (path: string, data: Uint8Array | string): Promise<void> => {
      if (++writes === failAt) throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
      await fs.writeFile(path, data);
    };
    await assert.rejects(
      publish(folder, frames('x', 'y', 'z'), 'never', { writeFile: full }),
      { code: 'ENOSPC' },
      `write ${failAt} fails`,
    );
    assert.deepEqual(read(folder), { label: 'kept', contents: ['a', 'b', 'c'] });
    assert.deepEqual(readdirSync(folder).sort(), before, 'no temporary folder left');
    assert.equal(readdirSync(join(folder, 'cat.frames')).length, 1, 'no partial version');
    assert.equal(readFileSync(join(folder, 'report.html'), 'utf8'), '<p>kept</p>');
  }
});

test('a second writer of the same result never deletes the frames the final JSON names', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'propsweep-publish-'));
  await publish(folder, frames('0', '0', '0'), 'old');
  // B places its frames and stops just before its JSON switch; A publishes meanwhile (or, since
  // B holds the result's lock, waits for it); then B switches.
  let reachedB!: () => void;
  const bWaiting = new Promise<void>((resolve) => (reachedB = resolve));
  let releaseB!: () => void;
  const bGate = new Promise<void>((resolve) => (releaseB = resolve));
  const b = publish(folder, frames('b', 'b', 'b'), 'b', {
    beforeSwitch: async () => {
      reachedB();
      await bGate;
    },
  });
  await bWaiting;
  const a = publish(folder, frames('a', 'a', 'a'), 'a', { onLockBusy: releaseB });
  void a.finally(releaseB); // a writer without the lock finishes first
  await Promise.all([a, b]);
  const final = read(folder);
  assert.ok(final.label === 'a' || final.label === 'b', final.label);
  assert.deepEqual(final.contents, [final.label, final.label, final.label]);
  assert.equal(
    readdirSync(join(folder, 'cat.frames')).length,
    2,
    "the final version and the one before it; 'old' went",
  );
});

test('many writers of one result at once: the last JSON always has its frames', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'propsweep-publish-'));
  const labels = ['p', 'q', 'r', 's', 't', 'u'];
  await Promise.all(labels.map((l) => publish(folder, frames(l, l, l), l)));
  const final = read(folder);
  assert.deepEqual(final.contents, [final.label, final.label, final.label]);
});

test('a lock left by a killed writer is taken over', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'propsweep-publish-'));
  // A process that has exited: its pid names no running process (for the moment of the test).
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  const lock = join(folder, 'cat.propsweep.lock');
  writeFileSync(lock, JSON.stringify({ token: 'killed', pid: dead, host: hostname() }));
  await publish(folder, frames('a', 'b', 'c'), 'after a crash');
  assert.deepEqual(read(folder), { label: 'after a crash', contents: ['a', 'b', 'c'] });
  // On another machine the process cannot be asked: the lock is stale once it is old.
  writeFileSync(lock, JSON.stringify({ token: 'remote', pid: 1, host: 'elsewhere' }));
  const old = (Date.now() - STALE_LOCK_MS - 1000) / 1000;
  utimesSync(lock, old, old);
  await publish(folder, frames('d', 'e', 'f'), 'after a remote crash');
  assert.deepEqual(read(folder), { label: 'after a remote crash', contents: ['d', 'e', 'f'] });
  assert.ok(!existsSync(lock));
});

test('files the user put into NAME.frames stay when the result is written again', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'propsweep-publish-'));
  const first = await publish(folder, frames('a', 'b', 'c'), 'first');
  writeFileSync(join(folder, 'cat.frames', 'notes.md'), 'mine');
  writeFileSync(join(folder, first.names.framesDir, 'annotated.png'), 'mine too');
  mkdirSync(join(folder, 'cat.frames', 'crops'));
  const second = await publish(folder, frames('x', 'y', 'z'), 'second');
  assert.deepEqual(read(folder), { label: 'second', contents: ['x', 'y', 'z'] });
  assert.deepEqual(
    readdirSync(join(folder, 'cat.frames')).sort(),
    [first.names.framesDir, second.names.framesDir, 'cat.frames/crops', 'cat.frames/notes.md']
      .map((p) => p.split('/')[1])
      .sort(),
    "a version folder with the user's file in it stays, and so does everything else of theirs",
  );
  assert.equal(
    readFileSync(join(folder, first.names.framesDir, 'annotated.png'), 'utf8'),
    'mine too',
  );
});

test('a frame that is a FIFO is refused at once, not waited on', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'propsweep-publish-'));
  const [a = '', fifo = ''] = frames('a', 'b');
  rmSync(fifo);
  spawnSync('mkfifo', [fifo]);
  await assert.rejects(publish(folder, [a, fifo], 'fifo'), (error: unknown) => {
    assert.ok(error instanceof StoreInputError, String(error));
    assert.match(error.message, /frame 1 .* cannot be read: it is not a regular file/);
    return true;
  });
  assert.deepEqual(readdirSync(folder), [], 'nothing of the failed run stays');
});
