// Frames as data: URIs for the self-contained HTML report. Only bytes that decode as PNG are
// embedded (a frame named by someone else's result could be any file), and large frames are
// embedded as small copies: a report of 12-megapixel frames stays a few megabytes, and renders
// wherever it is made (the inference child, the extension host, the plain CLI), without sharp.
import { readRegularFile } from '../files/boundedFiles';
import { PNG_LIMITS, PngError } from './pngCheck';
import { reportPng } from './pngThumbnail';
import { reportFrameIndices } from './reportHtml';

/**
 * How a frame is embedded: the original when it is at most this many pixels a side and bytes,
 * else an area-averaged copy of at most `maxSide` pixels on its long side. The report shows frames
 * at 72 px; 256 px leaves room for high-density screens and zooming in.
 */
export const REPORT_FRAME = { maxSide: 256, maxBytes: 96 * 1024 } as const;

/** A PNG's bytes as a data: URI for a report, decoded first and downscaled when large. */
export function pngDataUri(bytes: Uint8Array, name = 'a frame'): string {
  const png = reportPng(bytes, name, REPORT_FRAME);
  return `data:image/png;base64,${Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString('base64')}`;
}

/**
 * The data: URIs of the frames a report shows (see reportFrameIndices), '' for the others: each
 * file read once, bounded, and decoded before it is embedded.
 */
export async function pngDataUris(paths: readonly string[]): Promise<string[]> {
  const uris = paths.map(() => '');
  for (const k of reportFrameIndices(paths.length)) {
    uris[k] = await pngFileDataUri(paths[k] ?? '');
    // Decoding a large frame takes a moment: let the host's other work run in between.
    await new Promise((done) => setImmediate(done));
  }
  return uris;
}

/** One PNG file (a frame, the source beside them) as a data: URI: read once, bounded, decoded. */
export async function pngFileDataUri(path: string): Promise<string> {
  const bytes = await readRegularFile(path, PNG_LIMITS.bytes).catch((error: unknown) => {
    throw new PngError(`${path} cannot be read: ${(error as Error).message}.`);
  });
  return pngDataUri(bytes, path);
}
