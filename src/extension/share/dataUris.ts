import { readFile } from 'node:fs/promises';

/** PNG files as data: URIs, for self-contained HTML (the report, the demo summary, exports). */
export function pngDataUris(paths: readonly string[]): Promise<string[]> {
  return Promise.all(
    paths.map(async (p) => `data:image/png;base64,${(await readFile(p)).toString('base64')}`),
  );
}
