// Which decoder a file needs, from its first bytes rather than its name: a renamed file still
// opens, and a text file called .png gets a message about what it really is.
import { isBmp } from './bmp';

/** The formats propsweep reads. */
export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'bmp';

/** Formats propsweep reads, for messages. */
export const READABLE_FORMATS = 'PNG, JPEG, WebP or BMP';

/** The format of `bytes`, or a description of what it is instead ("a GIF image", "text"). */
export function sniffFormat(bytes: Uint8Array): { format: ImageFormat } | { other: string } {
  const starts = (...sig: number[]): boolean => sig.every((b, i) => bytes[i] === b);
  const ascii = (from: number, to: number): string =>
    String.fromCharCode(...bytes.subarray(from, to));
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return { format: 'png' };
  if (starts(0xff, 0xd8, 0xff)) return { format: 'jpeg' };
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return { format: 'webp' };
  if (isBmp(bytes)) return { format: 'bmp' };
  if (ascii(0, 4) === 'GIF8') return { other: 'a GIF image' };
  if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a)) {
    return { other: 'a TIFF image' };
  }
  if (ascii(4, 8) === 'ftyp') return { other: 'an HEIF/AVIF image' };
  if (looksLikeText(bytes.subarray(0, 512))) return { other: 'text, not an image' };
  return { other: 'not an image format propsweep recognises' };
}

/** Valid UTF-8 (allowing a character cut at the end) without control characters but tab and breaks. */
function looksLikeText(head: Uint8Array): boolean {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let cut = 0; cut <= 3 && cut < head.length; cut++) {
    let text: string;
    try {
      text = decoder.decode(head.subarray(0, head.length - cut));
    } catch {
      continue;
    }
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    return !/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(text);
  }
  return false;
}
