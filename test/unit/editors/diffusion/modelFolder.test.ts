// A diffusion model folder: the fixture exports open; every incomplete, foreign or wrong folder is
// refused with an editor input error that lists what is wrong and the export command; the
// fingerprint follows the content of every file that can change an edit and nothing else, and a
// file is hashed again only when its size or modification time changes. Each case works on a
// copy of a fixture folder (test/fixtures/diffusion/README.md).
import assert from 'node:assert/strict';
import { FileDigests } from '../../../../src/extension/files/fileDigests';
import type { ContentRecord } from '../../../../src/shared/resultFile';
import { createHash } from 'node:crypto';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import {
  EXPORT_COMMAND,
  fingerprintFolder,
  openDiffusionFolder,
  SD1_SCALING_FACTOR,
} from '../../../../src/extension/editors/diffusion/modelFolder';
import { EditorInputError } from '../../../../src/extension/editors/types';
import { ROOT } from '../../helpers';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'diffusion');
const temp = mkdtempSync(join(tmpdir(), 'propsweep-model-folder-'));
after(() => {
  rmSync(temp, { recursive: true, force: true });
});
let copies = 0;

/** A fresh copy of a fixture folder. */
function copy(variant = 'ip2p-fp32'): string {
  const dir = join(temp, `${variant}-${++copies}`);
  cpSync(join(FIXTURES, variant), dir, { recursive: true });
  return dir;
}

/** Rewrites a JSON file of `dir` with `change` applied to its object. */
function editJson(
  dir: string,
  file: string,
  change: (json: Record<string, unknown>) => void,
): void {
  const path = join(dir, file);
  const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  change(json);
  writeFileSync(path, JSON.stringify(json));
}

/** Asserts that opening `dir` is refused with an EditorInputError matching every pattern. */
async function refused(dir: string, ...patterns: RegExp[]): Promise<string> {
  let message = '';
  await assert.rejects(openDiffusionFolder(dir), (error) => {
    assert.ok(error instanceof EditorInputError, String(error));
    message = error.message;
    return true;
  });
  for (const pattern of patterns) assert.match(message, pattern);
  return message;
}

describe('openDiffusionFolder', () => {
  for (const variant of ['ip2p-fp32', 'ip2p-fp16', 'ip2p-legacy']) {
    test(`opens the ${variant} fixture`, async () => {
      const dir = join(FIXTURES, variant);
      const folder = await openDiffusionFolder(dir);
      assert.equal(folder.root, dir);
      assert.deepEqual(folder.models, {
        text_encoder: join(dir, 'text_encoder', 'model.onnx'),
        unet: join(dir, 'unet', 'model.onnx'),
        vae_encoder: join(dir, 'vae_encoder', 'model.onnx'),
        vae_decoder: join(dir, 'vae_decoder', 'model.onnx'),
      });
      assert.equal(folder.tokenizer, join(dir, 'tokenizer'));
      assert.equal(folder.schedulerConfig, join(dir, 'scheduler', 'scheduler_config.json'));
      assert.equal(folder.scalingFactor, 0.18215);
      assert.deepEqual(folder.notes, []);
    });
  }

  test('a missing path and a file are refused, with the export command', async () => {
    const missing = join(temp, 'nothing-here');
    await refused(missing, /does not exist/, new RegExp(escape(EXPORT_COMMAND)));
    const file = join(temp, 'a-file.onnx');
    writeFileSync(file, 'x');
    await refused(file, /is not a folder/, /optimum-cli export onnx/);
  });

  test('every missing network is listed at once', async () => {
    const dir = copy();
    rmSync(join(dir, 'unet', 'model.onnx'));
    rmSync(join(dir, 'vae_decoder'), { recursive: true });
    // A folder where the model should be is not a model.
    rmSync(join(dir, 'text_encoder', 'model.onnx'));
    mkdirSync(join(dir, 'text_encoder', 'model.onnx'));
    const message = await refused(
      dir,
      /is an incomplete diffusion model export/,
      /lacks text_encoder\/model\.onnx, unet\/model\.onnx, vae_decoder\/model\.onnx\./,
      /optimum-cli export onnx/,
    );
    assert.doesNotMatch(message, /vae_encoder/);
  });

  test('a missing tokenizer is named with both forms', async () => {
    const dir = copy();
    rmSync(join(dir, 'tokenizer', 'tokenizer.json'));
    await refused(
      dir,
      /lacks tokenizer\/tokenizer\.json \(or tokenizer\/vocab\.json and tokenizer\/merges\.txt\)/,
    );
  });

  test('vocab.json without merges.txt names merges.txt', async () => {
    const dir = copy('ip2p-fp16');
    rmSync(join(dir, 'tokenizer', 'merges.txt'));
    await refused(dir, /lacks tokenizer\/tokenizer\.json \(or tokenizer\/merges\.txt\)\./);
  });

  test('a missing scheduler config is refused', async () => {
    const dir = copy();
    rmSync(join(dir, 'scheduler'), { recursive: true });
    await refused(dir, /incomplete/, /lacks scheduler\/scheduler_config\.json\./);
  });

  test('a foreign folder is said to be no diffusion export, listing everything', async () => {
    const dir = join(temp, 'classifier');
    mkdirSync(dir);
    writeFileSync(join(dir, 'model.onnx'), 'x');
    await refused(
      dir,
      /is not an ONNX export of a diffusion model/,
      /text_encoder\/model\.onnx, unet\/model\.onnx, vae_encoder\/model\.onnx, vae_decoder\/model\.onnx, tokenizer\/tokenizer\.json \(or .*\), scheduler\/scheduler_config\.json/,
      new RegExp(escape(EXPORT_COMMAND)),
    );
  });

  test('a UNet of 4 input channels (a text-to-image model) is refused', async () => {
    const dir = copy();
    editJson(dir, 'unet/config.json', (json) => {
      json.in_channels = 4;
    });
    await refused(dir, /not an instruction editor/, /takes 4 input channels/, /in_channels/);
  });

  test('a value nested too deep or too long is quoted short in the refusal', async () => {
    // JSON.parse takes any depth, but quoting such a value with JSON.stringify overflowed the stack.
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const long = JSON.stringify('x'.repeat(500_000));
    for (const [file, field, says] of [
      ['unet/config.json', 'in_channels', /its UNet takes .{1,80} input channels/],
      ['vae_decoder/config.json', 'scaling_factor', /scaling_factor must be a positive number/],
    ] as const) {
      for (const value of [deep, long]) {
        const dir = copy();
        writeFileSync(join(dir, file), `{"${field}": ${value}}`);
        const message = await refused(dir, says);
        assert.ok(message.length < 1000, `${message.length} characters`);
      }
    }
  });

  test('unreadable configs are refused', async () => {
    const dir = copy();
    writeFileSync(join(dir, 'unet', 'config.json'), '{ not json');
    await refused(dir, /unet[\\/]config\.json is not valid JSON/, /Export the model again/);
    writeFileSync(join(dir, 'unet', 'config.json'), '[8]');
    await refused(dir, /unet[\\/]config\.json is not a JSON object/);
    rmSync(join(dir, 'unet', 'config.json'));
    mkdirSync(join(dir, 'unet', 'config.json'));
    await refused(dir, /Cannot read .*unet[\\/]config\.json/);
  });

  for (const bad of [0, -0.18, 1000, '0.18215', null, true]) {
    test(`scaling_factor ${JSON.stringify(bad)} is refused`, async () => {
      const dir = copy();
      editJson(dir, 'vae_decoder/config.json', (json) => {
        json.scaling_factor = bad;
      });
      await refused(
        dir,
        /vae_decoder[\\/]config\.json: scaling_factor must be a positive number/,
        new RegExp(`got ${escape(JSON.stringify(bad))}`),
      );
    });
  }

  test('a bad scaling_factor in the only VAE config names that file', async () => {
    const dir = copy();
    rmSync(join(dir, 'vae_decoder', 'config.json'));
    editJson(dir, 'vae_encoder/config.json', (json) => {
      json.scaling_factor = -1;
    });
    await refused(dir, /vae_encoder[\\/]config\.json: scaling_factor must be a positive number/);
  });

  test('the scaling factor is read from the VAE config, else the encoder, else assumed', async () => {
    const dir = copy();
    editJson(dir, 'vae_decoder/config.json', (json) => {
      json.scaling_factor = 0.13025;
    });
    assert.equal((await openDiffusionFolder(dir)).scalingFactor, 0.13025);

    rmSync(join(dir, 'vae_decoder', 'config.json'));
    editJson(dir, 'vae_encoder/config.json', (json) => {
      json.scaling_factor = 0.5;
    });
    assert.equal((await openDiffusionFolder(dir)).scalingFactor, 0.5);

    editJson(dir, 'vae_encoder/config.json', (json) => {
      delete json.scaling_factor;
    });
    const folder = await openDiffusionFolder(dir);
    assert.equal(folder.scalingFactor, SD1_SCALING_FACTOR);
    assert.equal(folder.notes.length, 1);
    assert.match(
      folder.notes[0] ?? '',
      /no scaling_factor; assumed 0\.18215 \(Stable Diffusion 1\.x\)/,
    );

    rmSync(join(dir, 'vae_encoder', 'config.json'));
    assert.equal((await openDiffusionFolder(dir)).scalingFactor, SD1_SCALING_FACTOR);
  });
});

describe('fingerprintFolder', () => {
  const fingerprint = async (dir: string, digests = new FileDigests()): Promise<ContentRecord> =>
    fingerprintFolder(await openDiffusionFolder(dir), digests);

  test('lists every file that makes the edit, each with its own sha256', async () => {
    const dir = join(FIXTURES, 'ip2p-legacy');
    const print = await fingerprint(dir);
    assert.deepEqual(
      print.files.map((f) => f.name),
      [
        'model_index.json',
        'scheduler/scheduler_config.json',
        'text_encoder/config.json',
        'text_encoder/model.onnx',
        'tokenizer/merges.txt',
        'tokenizer/special_tokens_map.json',
        'tokenizer/tokenizer_config.json',
        'tokenizer/vocab.json',
        'unet/config.json',
        'unet/model.onnx',
        'unet/model.onnx_data',
        'vae_decoder/config.json',
        'vae_decoder/model.onnx',
        'vae_encoder/config.json',
        'vae_encoder/model.onnx',
      ],
    );
    for (const file of print.files) {
      const bytes = readFileSync(join(dir, file.name));
      assert.equal(file.bytes, bytes.length, file.name);
      assert.equal(file.sha256, createHash('sha256').update(bytes).digest('hex'), file.name);
    }
    assert.match(print.sha256, /^[0-9a-f]{64}$/);
  });

  test('is stable, and the same for a copy elsewhere', async () => {
    const dir = join(FIXTURES, 'ip2p-fp32');
    const first = await fingerprint(dir);
    assert.deepEqual(await fingerprint(dir), first);
    assert.deepEqual(await fingerprint(copy()), first);
    assert.notEqual((await fingerprint(join(FIXTURES, 'ip2p-fp16'))).sha256, first.sha256);
  });

  test('changes when any one file changes, a tokenizer or scheduler file too', async () => {
    const dir = copy();
    const digests = new FileDigests();
    const before = await fingerprint(dir, digests);
    const seen = new Set([before.sha256]);
    for (const { name: file } of before.files) {
      const path = join(dir, file);
      const original = readFileSync(path);
      writeFileSync(path, Buffer.concat([original, Buffer.from(' ')]));
      const changed = (await fingerprint(dir, digests)).sha256;
      assert.ok(!seen.has(changed), `a change to ${file} changes the fingerprint`);
      seen.add(changed);
      writeFileSync(path, original);
    }
    assert.ok(before.files.some((f) => f.name.startsWith('tokenizer/')));
    assert.ok(before.files.some((f) => f.name.startsWith('scheduler/')));
    assert.equal((await fingerprint(dir, digests)).sha256, before.sha256);
  });

  test('a new tokenizer file counts; files outside the model folders do not', async () => {
    const dir = copy();
    const before = (await fingerprint(dir)).sha256;
    writeFileSync(join(dir, 'README.md'), 'notes');
    mkdirSync(join(dir, 'feature_extractor'));
    writeFileSync(join(dir, 'feature_extractor', 'preprocessor_config.json'), '{}');
    mkdirSync(join(dir, 'unet', 'sub'));
    writeFileSync(join(dir, 'unet', 'sub', 'x.bin'), 'x');
    assert.equal((await fingerprint(dir)).sha256, before);
    writeFileSync(join(dir, 'tokenizer', 'added_tokens.json'), '{}');
    assert.notEqual((await fingerprint(dir)).sha256, before);
  });

  test('a file it cannot read is an editor input error', async () => {
    const dir = copy();
    symlinkSync(join(dir, 'no-such-file'), join(dir, 'unet', 'model.onnx_data'));
    await assert.rejects(fingerprint(dir), (error) => {
      assert.ok(error instanceof EditorInputError);
      assert.match(error.message, /Cannot read .*model\.onnx_data of the editor model/);
      return true;
    });
  });

  test('a folder of too many files is refused', async () => {
    const dir = copy();
    for (let k = 0; k < 260; k++) writeFileSync(join(dir, 'tokenizer', `extra-${k}.txt`), '');
    await assert.rejects(fingerprint(dir), /holds more than 256 files/);
  });

  test('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    const folder = await openDiffusionFolder(join(FIXTURES, 'ip2p-fp32'));
    await assert.rejects(
      fingerprintFolder(folder, new FileDigests(), controller.signal),
      /cancelled/,
    );
  });
});

describe('FileDigests', () => {
  const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
  /** A whole second, so that utimes sets exactly the mtime stat reads back. */
  const WHEN = 1_700_000_000;

  test('hashes again only when the size or the modification time changes', async () => {
    const path = join(temp, 'weights.bin');
    writeFileSync(path, 'aaaa');
    utimesSync(path, WHEN, WHEN);
    const digests = new FileDigests();
    assert.deepEqual(await digests.digest(path, 100), { sha256: sha('aaaa'), bytes: 4 });

    // Same size, same mtime: the kept digest, by design (a model is hashed once, not per run).
    writeFileSync(path, 'bbbb');
    utimesSync(path, WHEN, WHEN);
    assert.deepEqual(await digests.digest(path, 100), { sha256: sha('aaaa'), bytes: 4 });
    // A fresh FileDigests reads the file.
    assert.deepEqual(await new FileDigests().digest(path, 100), { sha256: sha('bbbb'), bytes: 4 });

    // Another mtime: hashed again.
    utimesSync(path, WHEN, WHEN + 1);
    assert.deepEqual(await digests.digest(path, 100), { sha256: sha('bbbb'), bytes: 4 });

    // Another size, same mtime: hashed again.
    writeFileSync(path, 'ccccc');
    utimesSync(path, WHEN, WHEN + 1);
    assert.deepEqual(await digests.digest(path, 100), { sha256: sha('ccccc'), bytes: 5 });
  });

  test('refuses a file over the limit', async () => {
    const path = join(temp, 'large.bin');
    writeFileSync(path, 'x'.repeat(101));
    await assert.rejects(new FileDigests().digest(path, 100), /more than the limit/);
  });
});

/** `text` as a literal pattern. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
