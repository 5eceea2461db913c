import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  cacheLocation,
  type InspectingConfiguration,
} from '../../../src/extension/store/cacheSettings';

/** inspect() of VS Code's configuration, with a value per scope. */
function config(values: Record<string, Record<string, unknown>>): InspectingConfiguration {
  return {
    inspect: (key) => ({
      defaultValue: { cacheDirectory: '', cacheMaxMB: 1024 }[key],
      ...values[key],
    }),
  };
}

test('the cache folder and size come from user settings; a workspace cannot change them', () => {
  const storage = join('/', 'storage');
  assert.deepEqual(cacheLocation(config({}), storage), {
    dir: join(storage, 'frames'),
    maxBytes: 1024 * 1024 ** 2,
  });
  const user = config({
    cacheDirectory: { globalValue: '/big/cache', workspaceValue: '/home/me/photos' },
    cacheMaxMB: { globalValue: 10, workspaceFolderValue: 0 },
  });
  assert.deepEqual(cacheLocation(user, storage), { dir: '/big/cache', maxBytes: 10 * 1024 ** 2 });
  const workspaceOnly = config({
    cacheDirectory: { workspaceValue: '/home/me/photos' },
    cacheMaxMB: { workspaceValue: 0 },
  });
  assert.deepEqual(cacheLocation(workspaceOnly, storage), cacheLocation(config({}), storage));
  const bad = config({
    cacheDirectory: { globalValue: 'relative' },
    cacheMaxMB: { globalValue: -1 },
  });
  assert.deepEqual(cacheLocation(bad, storage), cacheLocation(config({}), storage));
});
