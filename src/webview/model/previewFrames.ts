// A run's frames before their files exist: the host sends them as downscaled RGB pixels
// (`panel/previewFrames`), and the panel shows them through the same <img> elements as saved
// frames. Each frame becomes a BMP (a header and the rows, no compression: made synchronously and
// decoded by every browser) behind a blob: URL. Only the newest preview is kept; its URLs are
// released when the next one (or the saved frames) replaces it. Pure, apart from the URL
// functions the panel passes in: runs in Node tests.
import type { PanelSnapshot } from '../../shared/protocol';
import type { PreviewFrame } from '../../shared/previewFrames';

const FILE_HEADER = 14;
const INFO_HEADER = 40;

/** The frame as a 24-bit uncompressed BMP file (rows bottom-up, BGR, padded to 4 bytes). */
export function bmpOf(frame: PreviewFrame): Uint8Array<ArrayBuffer> {
  const { width, height, pixels } = frame;
  const stride = Math.ceil((width * 3) / 4) * 4;
  const offset = FILE_HEADER + INFO_HEADER;
  const bytes = new Uint8Array(offset + stride * height);
  const view = new DataView(bytes.buffer);
  bytes[0] = 0x42; // 'B'
  bytes[1] = 0x4d; // 'M'
  view.setUint32(2, bytes.length, true);
  view.setUint32(10, offset, true);
  view.setUint32(14, INFO_HEADER, true);
  view.setInt32(18, width, true);
  view.setInt32(22, height, true); // positive: the first row stored is the bottom one
  view.setUint16(26, 1, true); // planes
  view.setUint16(28, 24, true); // bits per pixel
  view.setUint32(34, stride * height, true); // compression 0 (none) at 30 stays 0
  for (let y = 0; y < height; y++) {
    let from = y * width * 3;
    let to = offset + (height - 1 - y) * stride;
    for (let x = 0; x < width; x++, from += 3, to += 3) {
      bytes[to] = pixels[from + 2] ?? 0;
      bytes[to + 1] = pixels[from + 1] ?? 0;
      bytes[to + 2] = pixels[from] ?? 0;
    }
  }
  return bytes;
}

/** Makes and releases the URLs of frame files (blob: URLs in the webview). */
export interface UrlMaker {
  readonly create: (bmp: Uint8Array<ArrayBuffer>) => string;
  readonly revoke: (url: string) => void;
}

/** The URLs of the newest preview's frames. */
export class PreviewFrameUrls {
  private current: { readonly id: number; readonly urls: readonly string[] } | undefined;

  constructor(private readonly urls: UrlMaker) {}

  /** Shows the frames of preview `id` from now on; the previous preview's URLs are released. */
  set(id: number, frames: readonly PreviewFrame[]): void {
    this.clear();
    this.current = { id, urls: frames.map((frame) => this.urls.create(bmpOf(frame))) };
  }

  /** The frame URLs of preview `id`, or undefined when that is not the preview held. */
  urlsOf(id: number): readonly string[] | undefined {
    return this.current?.id === id ? this.current.urls : undefined;
  }

  /** Releases the held preview's URLs (its frames are saved and shown from their files now). */
  clear(): void {
    for (const url of this.current?.urls ?? []) this.urls.revoke(url);
    this.current = undefined;
  }
}

/**
 * The snapshot with the frame URIs the panel shows: the saved frames' URIs, or while the snapshot
 * is a preview, the preview's URLs (none yet if its pixels have not arrived). A snapshot that no
 * longer shows a preview releases the one held.
 */
export function withFrameUrls(snapshot: PanelSnapshot, previews: PreviewFrameUrls): PanelSnapshot {
  if (snapshot.preview === null) {
    previews.clear();
    return snapshot;
  }
  return { ...snapshot, frameUris: previews.urlsOf(snapshot.preview.id) ?? [] };
}
