// Reading files that a user or a result from someone else names: only regular files, inside the
// folders allowed, of bounded size, read at most that many bytes. A FIFO, /dev/zero or a socket
// would make a plain read wait or run for ever; a symlink could lead anywhere. Each refusal says
// why, so the caller can report it in its own words (an editor's, a model's, the CLI's) instead of
// hanging. The one implementation for every layer: it imports only Node.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';

import { formatSize } from '../../shared/format';

/** Why a file was not read: the caller decides how to tell the user. */
export type UnreadableReason =
  'missing' | 'outside' | 'folder' | 'not-a-file' | 'too-large' | 'unreadable';

/** A file that was not read; the message says why in a few words ("it is not a regular file"). */
export class UnreadableFileError extends Error {
  override readonly name = 'UnreadableFileError';

  constructor(
    readonly reason: UnreadableReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Whether `path` is `folder` itself or below it (relative paths resolve against the working
 * folder). Judged by the first segment of the relative path: a child named `..x` is inside.
 */
export function isWithin(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return !isAbsolute(rel) && rel.split(/[\\/]/)[0] !== '..';
}

/**
 * The real path of `path` (symlinks resolved) when it lies inside one of `roots` (real paths);
 * throws an UnreadableFileError when it does not exist or lies outside.
 */
export async function realPathWithin(path: string, roots: readonly string[]): Promise<string> {
  const real = await realpath(path).catch(() => undefined);
  if (real === undefined) throw new UnreadableFileError('missing', 'it does not exist');
  if (!roots.some((root) => isWithin(root, real)))
    throw new UnreadableFileError('outside', 'it is outside the workspace');
  return real;
}

/**
 * Calls `use` with the open file once it is known to be a regular file of at most `maxBytes`.
 * Checked by path first, so that a device or FIFO is never opened (opening some devices acts);
 * then opened non-blocking and checked again on the handle itself: a FIFO swapped in meanwhile
 * opens without waiting for a writer and is refused, and the file read is the one checked.
 */
async function withRegularFile<T>(
  path: string,
  maxBytes: number,
  use: (read: (into: Buffer, at: number) => Promise<number>, size: number) => Promise<T>,
): Promise<T> {
  checkRegular(
    await stat(path).catch((error: unknown) => {
      throw openError(error);
    }),
    maxBytes,
  );
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch(
    (error: unknown) => {
      throw openError(error);
    },
  );
  try {
    const info = await handle.stat();
    checkRegular(info, maxBytes);
    return await use(
      async (into, at) => (await handle.read(into, 0, into.length, at)).bytesRead,
      info.size,
    );
  } finally {
    await handle.close();
  }
}

function openError(error: unknown): UnreadableFileError {
  const code = (error as { code?: unknown }).code;
  return code === 'ENOENT' || code === 'ENOTDIR'
    ? new UnreadableFileError('missing', 'it does not exist')
    : new UnreadableFileError('unreadable', `it cannot be opened (${(error as Error).message})`);
}

function checkRegular(
  info: { isFile(): boolean; isDirectory(): boolean; size: number },
  maxBytes: number,
): void {
  if (info.isDirectory())
    throw new UnreadableFileError('folder', 'it is not a regular file but a folder');
  if (!info.isFile()) throw new UnreadableFileError('not-a-file', 'it is not a regular file');
  if (info.size > maxBytes)
    throw new UnreadableFileError(
      'too-large',
      `it has ${formatSize(info.size)}, more than the limit of ${formatSize(maxBytes)}`,
    );
}

/**
 * The bytes of a regular file of at most `maxBytes` (see withRegularFile), or only its first
 * `head` bytes.
 */
export function readRegularFile(path: string, maxBytes: number, head = Infinity): Promise<Buffer> {
  return withRegularFile(path, maxBytes, async (read, fileSize) => {
    const size = Math.min(fileSize, head);
    const bytes = Buffer.alloc(size);
    let at = 0;
    while (at < size) {
      const n = await read(bytes.subarray(at), at);
      if (n === 0) break; // shrank meanwhile: what is there
      at += n;
    }
    return bytes.subarray(0, at);
  });
}

/** The sha256 of a regular file of at most `maxBytes`, reading no more than its size. */
export function hashRegularFile(path: string, maxBytes: number): Promise<string> {
  return withRegularFile(path, maxBytes, async (read, size) => {
    const hash = createHash('sha256');
    const chunk = Buffer.alloc(Math.min(size, 1 << 20) || 1);
    for (let at = 0; at < size;) {
      const n = await read(chunk.subarray(0, Math.min(chunk.length, size - at)), at);
      if (n === 0) break;
      hash.update(chunk.subarray(0, n));
      at += n;
    }
    return hash.digest('hex');
  });
}

/**
 * UTF-8 bytes as text, without a leading byte-order mark (which some editors write and JSON.parse
 * refuses): TextDecoder drops it, as Buffer#toString does not.
 */
function decodeText(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/** The text of a regular UTF-8 file of at most `maxBytes` (see withRegularFile), BOM dropped. */
export async function readRegularText(path: string, maxBytes: number): Promise<string> {
  return decodeText(await readRegularFile(path, maxBytes));
}

/**
 * All of a stream (standard input) as text, BOM dropped; refused with a 'too-large'
 * UnreadableFileError as soon as it passes `maxBytes`, so `< /dev/zero` ends instead of filling
 * memory.
 */
export async function readBoundedStream(
  stream: AsyncIterable<Uint8Array | string> & { destroy?: () => void },
  maxBytes: number,
): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
    size += bytes.length;
    if (size > maxBytes) {
      stream.destroy?.();
      throw new UnreadableFileError(
        'too-large',
        `it has more than the limit of ${formatSize(maxBytes)}`,
      );
    }
    chunks.push(bytes);
  }
  return decodeText(Buffer.concat(chunks));
}

/** A file that was read but is not valid JSON; the message is the parser's. */
export class InvalidJsonError extends Error {
  override readonly name = 'InvalidJsonError';
}

/**
 * The parsed JSON of a regular file of at most `maxBytes`, or undefined when there is no such
 * file. An unreadable file throws its UnreadableFileError, text that is not JSON an
 * InvalidJsonError: the caller says what to do in its own words.
 */
export async function readJsonIfPresent(path: string, maxBytes: number): Promise<unknown> {
  let text: string;
  try {
    text = await readRegularText(path, maxBytes);
  } catch (error) {
    if (error instanceof UnreadableFileError && error.reason === 'missing') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidJsonError(error instanceof Error ? error.message : String(error));
  }
}
