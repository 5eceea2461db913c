import { isAbsolute, join } from 'node:path';

import { DEFAULT_CACHE_MAX_MB } from './frameCache';

/** What the cache settings need of VS Code's configuration: where each value comes from. */
export interface InspectingConfiguration {
  inspect(
    section: string,
  ): { readonly defaultValue?: unknown; readonly globalValue?: unknown } | undefined;
}

/** Where the frame cache is and how large it may grow. */
export interface CacheLocation {
  readonly dir: string;
  readonly maxBytes: number;
}

/**
 * The frame cache's folder and size limit (`propsweep.cacheDirectory`, `propsweep.cacheMaxMB`)
 * from the user's own settings and the defaults only. The cache deletes files, so a workspace (a
 * cloned repository) must not point it at a folder of its choosing: workspace and folder values
 * are ignored, as their `machine` scope in package.json declares. A value of the wrong kind (or a
 * relative folder, which would depend on the current folder) gives the default.
 */
export function cacheLocation(config: InspectingConfiguration, storagePath: string): CacheLocation {
  const dir = userValue(config, 'cacheDirectory');
  const maxMB = userValue(config, 'cacheMaxMB');
  return {
    dir: typeof dir === 'string' && isAbsolute(dir) ? dir : join(storagePath, 'frames'),
    maxBytes:
      (typeof maxMB === 'number' && Number.isInteger(maxMB) && maxMB >= 0
        ? maxMB
        : DEFAULT_CACHE_MAX_MB) *
      1024 ** 2,
  };
}

function userValue(config: InspectingConfiguration, key: string): unknown {
  const inspected = config.inspect(key);
  return inspected?.globalValue ?? inspected?.defaultValue;
}
