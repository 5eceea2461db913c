// Each vocabulary is defined once in src/shared; package.json cannot import it and spells it again
// (settings enums, the menus' file-name regex). These tests keep the two from drifting apart.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { ADJUSTMENTS, isAdjustment } from '../../../src/shared/adjust';
import { EXECUTION_PROVIDERS, isExecutionProvider } from '../../../src/shared/executionProviders';
import { hasImageExtension, IMAGE_EXTENSIONS } from '../../../src/shared/imageExtensions';
import { ROOT } from '../helpers';

interface Setting {
  readonly enum?: readonly string[];
  readonly enumDescriptions?: readonly string[];
  readonly default?: unknown;
}
interface MenuItem {
  readonly command: string;
  readonly when?: string;
}
interface Manifest {
  readonly contributes: {
    readonly configuration: { readonly properties: Readonly<Record<string, Setting>> };
    readonly menus: Readonly<Record<string, readonly MenuItem[]>>;
  };
}

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;

function setting(name: string): Setting {
  const s = manifest.contributes.configuration.properties[name];
  assert.ok(s, `package.json has no setting ${name}`);
  return s;
}

/** Image extensions that propsweep does not read: a menu regex that accepts one has drifted. */
const OTHER_EXTENSIONS = ['gif', 'tif', 'tiff', 'svg', 'heic', 'heif', 'avif', 'ico', 'jfif'];

void test('propsweep.adjustment offers exactly ADJUSTMENTS, each described', () => {
  const s = setting('propsweep.adjustment');
  assert.deepEqual(s.enum, ADJUSTMENTS);
  assert.equal(s.enumDescriptions?.length, ADJUSTMENTS.length);
  assert.ok(isAdjustment(s.default));
  assert.ok(!isAdjustment('Holm'));
});

void test('propsweep.executionProvider offers exactly EXECUTION_PROVIDERS, the CPU by default', () => {
  const s = setting('propsweep.executionProvider');
  assert.deepEqual(s.enum, EXECUTION_PROVIDERS);
  assert.equal(s.default, EXECUTION_PROVIDERS[0]);
  assert.ok(!isExecutionProvider('tensorrt'));
});

void test("Explain Property's menus accept exactly the IMAGE_EXTENSIONS, in any case", () => {
  const clauses = Object.values(manifest.contributes.menus)
    .flat()
    .filter((item) => item.command === 'propsweep.explainProperty' && item.when !== undefined)
    .map((item) => item.when ?? '');
  assert.ok(clauses.length >= 3, 'explorer, editor title and editor title context menus');
  for (const when of clauses) {
    const match = /resourceExtname =~ \/(.+)\/([a-z]*)/.exec(when);
    assert.ok(match, `no resourceExtname regex in "${when}"`);
    const regex = new RegExp(match[1] ?? '', match[2]);
    for (const ext of IMAGE_EXTENSIONS) {
      assert.ok(regex.test(`.${ext}`), `${when} refuses .${ext}`);
      assert.ok(regex.test(`.${ext.toUpperCase()}`), `${when} refuses .${ext.toUpperCase()}`);
    }
    for (const ext of OTHER_EXTENSIONS) {
      assert.ok(!regex.test(`.${ext}`), `${when} accepts .${ext}, which propsweep cannot read`);
    }
  }
});

void test('hasImageExtension: the last extension of the file name, in any case', () => {
  assert.ok(hasImageExtension('/data/cat.PNG'));
  assert.ok(hasImageExtension('C:\\data\\cat.jpeg'));
  assert.ok(!hasImageExtension('/data/cat.png.txt'));
  assert.ok(!hasImageExtension('/data/cat.gif'));
  assert.ok(!hasImageExtension('/data.png/cat'));
  assert.ok(!hasImageExtension('C:\\data.png\\cat'));
  assert.ok(!hasImageExtension('png'));
});
