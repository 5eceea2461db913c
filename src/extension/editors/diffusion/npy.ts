// Initial latents from a NumPy .npy file (`--noise FILE.npy`), so that a run can start from the
// very latents of a diffusers run and the two be compared. The format (numpy.lib.format): the
// magic "\x93NUMPY", a version byte pair (1.0, 2.0 or 3.0), the header length (uint16 LE in v1,
// uint32 LE after), a Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...)},
// then the raw data. We read little-endian float32 ('<f4') and float64 ('<f8', what np.random
// gives; rounded to float32, the sampler's type). float16 is refused with the one-line
// fix: reading half floats here would duplicate models/float16.ts, which editors may not import.
import { readRegularFile, UnreadableFileError } from '../../files/boundedFiles';
import { EditorInputError } from '../types';

/** Largest header read, as numpy.load's own default max_header_size. */
export const NPY_MAX_HEADER_BYTES = 10_000;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** The element types read, and their sizes in bytes. */
const DESCRS = { '<f4': 4, '<f8': 8 } as const;

/** A .npy array read as float32. */
export interface NpyArray {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** The header of a .npy file: what its data is and where it starts. */
export interface NpyHeader {
  readonly descr: keyof typeof DESCRS;
  readonly shape: readonly number[];
  /** Byte offset of the data. */
  readonly dataOffset: number;
}

/** How to write latents that propsweep reads, for messages. */
const HOW =
  'Save the latents with np.save(path, latents.cpu().numpy().astype(np.float32)), latents of shape [1, 4, h/8, w/8]';

/**
 * Reads initial latents from `path`: a .npy file of float32 (or float64) values whose shape is
 * exactly `shape` (e.g. [1, 4, 64, 64]). Throws EditorInputError saying what is wrong and how to
 * write the file.
 */
export async function readNpyLatents(
  path: string,
  shape: readonly number[],
): Promise<Float32Array> {
  const count = elementCount(shape);
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(path, 12 + NPY_MAX_HEADER_BYTES + 8 * count);
  } catch (error) {
    const why =
      error instanceof UnreadableFileError && error.reason === 'missing'
        ? 'it does not exist'
        : error instanceof Error
          ? error.message
          : String(error);
    throw new EditorInputError(
      `The noise file ${path} cannot be read: ${why}. ${HOW}, and give that file.`,
    );
  }
  const header = parseNpyHeader(bytes, path);
  if (!sameShape(header.shape, shape))
    throw new EditorInputError(
      `The noise file ${path} holds latents of shape ${formatShape(header.shape)}, but this run needs ${formatShape(shape)} (the working size over 8). ${HOW} at that size.`,
    );
  return decodeNpyData(bytes, header, path);
}

/** Parses a whole .npy file (`file` names it in messages); throws EditorInputError. */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  const header = parseNpyHeader(bytes, file);
  return { shape: header.shape, data: decodeNpyData(bytes, header, file) };
}

/** Checks the magic, version and header dict of a .npy file; throws EditorInputError. */
export function parseNpyHeader(bytes: Uint8Array, file: string): NpyHeader {
  const bad = (what: string): never => {
    throw new EditorInputError(`The noise file ${file} ${what}. ${HOW}.`);
  };
  if (bytes.length < 8 || MAGIC.some((b, k) => bytes[k] !== b))
    bad('is not a NumPy .npy file (it does not start with \\x93NUMPY)');
  const major = bytes[6] as number;
  const minor = bytes[7] as number;
  if (!(major >= 1 && major <= 3) || minor !== 0)
    bad(
      `has .npy format version ${String(major)}.${String(minor)}; propsweep reads 1.0, 2.0 and 3.0`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = major === 1 ? 10 : 12;
  if (bytes.length < start) bad('ends inside its header');
  const length = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (length > NPY_MAX_HEADER_BYTES)
    bad(`has a header of ${String(length)} bytes, more than ${String(NPY_MAX_HEADER_BYTES)}`);
  if (start + length > bytes.length) bad('ends inside its header');
  // Versions 1 and 2 write the header in latin-1, version 3 in UTF-8; a valid header is ASCII.
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(start, start + length),
  );
  const dict = parseHeaderDict(text);
  if (dict === null) bad(`has a header that is not a .npy header dict: ${clip(text)}`);
  const { descr, fortran_order: fortran, shape } = dict as HeaderDict;
  if (typeof descr !== 'string' || !Object.hasOwn(DESCRS, descr)) {
    const why =
      descr === '<f2'
        ? 'float16 values'
        : typeof descr === 'string' && descr.startsWith('>')
          ? `big-endian values ('${descr}')`
          : `values of type ${JSON.stringify(descr)}`;
    bad(`holds ${why}; propsweep reads little-endian float32 ('<f4') or float64 ('<f8')`);
  }
  if (fortran !== false) bad('is in Fortran order; save np.ascontiguousarray(latents) instead');
  if (!Array.isArray(shape)) bad(`has a header without a shape tuple: ${clip(text)}`);
  return {
    descr: descr as keyof typeof DESCRS,
    shape: shape as number[],
    dataOffset: start + length,
  };
}

/** The data after `header` as float32: exactly the elements of the shape, all finite. */
function decodeNpyData(bytes: Uint8Array, header: NpyHeader, file: string): Float32Array {
  const count = header.shape.reduce((a, b) => a * b, 1);
  const size = DESCRS[header.descr];
  const expected = header.dataOffset + count * size;
  if (bytes.length !== expected)
    throw new EditorInputError(
      `The noise file ${file} has ${String(bytes.length - header.dataOffset)} bytes of data, but shape ${formatShape(header.shape)} of ${header.descr} needs ${String(count * size)}: it is ${bytes.length < expected ? 'truncated' : 'followed by extra bytes'}. ${HOW}.`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset + header.dataOffset, count * size);
  const data = new Float32Array(count);
  for (let k = 0; k < count; k++) {
    const value = size === 4 ? view.getFloat32(k * 4, true) : view.getFloat64(k * 8, true);
    data[k] = value;
    if (!Number.isFinite(data[k]))
      throw new EditorInputError(
        `The noise file ${file} holds ${String(value)} at index ${String(k)}${size === 8 && Number.isFinite(value) ? ' (beyond float32)' : ''}: latents must be finite numbers. ${HOW}.`,
      );
  }
  return data;
}

/** The three keys of a .npy header, as parsed. */
interface HeaderDict {
  readonly descr: unknown;
  readonly fortran_order: unknown;
  readonly shape: unknown;
}

/**
 * The dict literal numpy writes ("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4), }",
 * padded with spaces and a newline): exactly its three keys, with string, boolean and
 * tuple-of-whole-numbers values. null for anything else (numpy also refuses other keys).
 */
function parseHeaderDict(text: string): HeaderDict | null {
  // One token per match: a quoted string, a word, a whole number or a punctuation mark.
  const tokens = text.match(/'[^']*'|[A-Za-z]+|\d+|\S/g) ?? [];
  let at = 0;
  const next = (): string | undefined => tokens[at++];
  const value = (): string | boolean | number[] | null => {
    const token = next();
    if (token === 'True') return true;
    if (token === 'False') return false;
    if (token?.startsWith("'") === true) return token.slice(1, -1);
    if (token !== '(') return null;
    const dims: number[] = [];
    // Python writes (), (4,) and (1, 4): a comma after each element but the last of two or more.
    for (let token = next(); token !== ')'; token = next()) {
      if (token === undefined || !/^\d{1,15}$/.test(token)) return null;
      dims.push(Number(token));
      const after = next();
      if (after === ')') break;
      if (after !== ',') return null;
    }
    return dims;
  };
  if (next() !== '{') return null;
  const entries = new Map<string, unknown>();
  for (let token = next(); token !== '}'; token = next()) {
    if (token?.startsWith("'") !== true || next() !== ':') return null;
    const key = token.slice(1, -1);
    const parsed = value();
    if (parsed === null || entries.has(key)) return null;
    entries.set(key, parsed);
    const after = next();
    if (after === '}') break;
    if (after !== ',') return null;
  }
  if (at !== tokens.length || entries.size !== 3) return null;
  if (!['descr', 'fortran_order', 'shape'].every((key) => entries.has(key))) return null;
  return {
    descr: entries.get('descr'),
    fortran_order: entries.get('fortran_order'),
    shape: entries.get('shape'),
  };
}

function elementCount(shape: readonly number[]): number {
  if (shape.length === 0 || !shape.every((d) => Number.isSafeInteger(d) && d > 0))
    throw new RangeError(`latent shape ${formatShape(shape)} must be positive whole numbers`);
  return shape.reduce((a, b) => a * b, 1);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, k) => d === b[k]);
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** A header in one printable line of at most 80 characters, for messages. */
function clip(text: string): string {
  const line = text
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?');
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}
