// Image files for the native tests, written into a fresh temporary folder by each test file:
// encoded with sharp where its encoder is not under test, by hand (builders.ts) where the bytes
// matter. Nothing is committed; every file is a few hundred bytes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadSharp } from '../../../src/extension/natives/natives';
import type { RgbImage } from '../../../src/extension/images/image';

/** A temporary folder removed by `dispose`. */
export interface TempDir {
  readonly path: string;
  file(name: string, bytes: Uint8Array | string): string;
  dispose(): void;
}

/** Creates a temporary folder for one test file. */
export function tempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `propsweep-${prefix}-`));
  return {
    path,
    file(name, bytes) {
      const at = join(path, name);
      writeFileSync(at, bytes);
      return at;
    },
    dispose() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** Encodes raw RGB as PNG, JPEG or lossless WebP with sharp. */
export async function encodeAs(image: RgbImage, format: 'png' | 'jpeg' | 'webp'): Promise<Buffer> {
  const input = loadSharp()(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  });
  if (format === 'png') return input.png().toBuffer();
  if (format === 'jpeg') return input.jpeg({ quality: 95 }).toBuffer();
  return input.webp({ lossless: true }).toBuffer();
}

/** A JPEG whose EXIF orientation tag is `orientation` (the pixels are stored unturned). */
export async function jpegWithOrientation(image: RgbImage, orientation: number): Promise<Buffer> {
  return loadSharp()(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .jpeg({ quality: 95 })
    .withMetadata({ orientation })
    .toBuffer();
}

/** A small GIF, a format propsweep refuses. */
export async function gifBytes(): Promise<Buffer> {
  return loadSharp()({ create: { width: 4, height: 4, channels: 3, background: '#ff0000' } })
    .gif()
    .toBuffer();
}
