// Reading files that a result from someone else points at: only regular files, inside the folders
// allowed, of bounded size, read at most that many bytes. A FIFO, /dev/zero or a socket would make
// a plain read wait or run for ever; a symlink could lead anywhere. Each refusal says why, so the
// caller can report "cannot check" instead of hanging.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';

/** Why a file was not read: the caller decides how to tell the user. */
export type UnreadableReason = 'missing' | 'outside' | 'not-a-file' | 'too-large' | 'unreadable';

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

/** Whether `path` is `folder` itself or below it (both already resolved). */
export function isWithin(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
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
 * Opened non-blocking, then checked on the handle itself: a FIFO opens without waiting for a
 * writer and is refused, and a file swapped after a check is still the one checked.
 */
async function withRegularFile<T>(
  path: string,
  maxBytes: number,
  use: (read: (into: Buffer, at: number) => Promise<number>, size: number) => Promise<T>,
): Promise<T> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch(
    (error: unknown) => {
      const code = (error as { code?: unknown }).code;
      throw new UnreadableFileError(
        code === 'ENOENT' ? 'missing' : 'unreadable',
        code === 'ENOENT'
          ? 'it does not exist'
          : `it cannot be opened (${(error as Error).message})`,
      );
    },
  );
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new UnreadableFileError('not-a-file', 'it is not a regular file');
    if (info.size > maxBytes)
      throw new UnreadableFileError(
        'too-large',
        `it has ${info.size} bytes, more than the limit of ${maxBytes}`,
      );
    return await use(
      async (into, at) => (await handle.read(into, 0, into.length, at)).bytesRead,
      info.size,
    );
  } finally {
    await handle.close();
  }
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
