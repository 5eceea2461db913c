import { readFile } from 'node:fs/promises';

/** A PNG's bytes as a data: URI, for self-contained HTML. */
export function pngDataUri(bytes: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(bytes).toString('base64')}`;
}

/** PNG files as data: URIs (the report, the demo summary, exports). */
export function pngDataUris(paths: readonly string[]): Promise<string[]> {
  return Promise.all(paths.map(async (p) => pngDataUri(await readFile(p))));
}
