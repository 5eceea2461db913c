import type { PreparedStatistic } from '../preparedStatistic';
import { PERMUTATION_KERNEL_BASE64 } from './permutationWasm';

/** What permutation.wat exports. */
interface KernelExports {
  readonly memory: WebAssembly.Memory;
  readonly draws: (seed: number, stream: number, count: number, out: number) => void;
  readonly sampleValues: (header: number, seed: number, stream: number, count: number) => void;
  readonly sampleRows: (header: number, seed: number, stream: number, count: number) => void;
}

/** Samples chunks of a shuffle test with the WebAssembly kernel; see sampleNullChunkReference. */
export interface KernelSampler {
  sample(seed: number, chunk: number, count: number, out: Float64Array, offset: number): void;
}

/** Most statistics one call computes (a chunk of the shuffle test is never larger). */
export const KERNEL_MAX_COUNT = 1024;
/** Where the header sits; offset 0 stays unused so that a zero pointer means "none". */
const HEADER = 16;
const HEADER_BYTES = 72;
/** A kernel whose memory grew beyond this is dropped after use rather than kept for the next test. */
const KEEP_BYTES = 16 * 1024 * 1024;
const PAGE = 65536;

/** undefined: not tried yet; null: WebAssembly is unavailable here (e.g. node --jitless). */
let cached: { exports: KernelExports; loaded: PreparedStatistic | null } | null | undefined;

function instantiate(): { exports: KernelExports; loaded: PreparedStatistic | null } | null {
  if (cached === undefined) {
    try {
      const bytes = Uint8Array.from(atob(PERMUTATION_KERNEL_BASE64), (c) => c.charCodeAt(0));
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
      cached = { exports: instance.exports as unknown as KernelExports, loaded: null };
    } catch {
      cached = null;
    }
  }
  return cached;
}

/** Whether the WebAssembly kernel can run in this process. */
export function kernelAvailable(): boolean {
  return instantiate() !== null;
}

/**
 * Lays `prep` out in the kernel's memory (once per statistic; the last one stays loaded) and
 * returns a sampler for it, or null when WebAssembly is unavailable or the problem does not fit
 * in its 4 GiB memory: the caller then uses the TypeScript reference, which gives the same numbers.
 * A sampler stays valid when other statistics are loaded meanwhile: it lays its own out again.
 */
export function loadKernel(prep: PreparedStatistic): KernelSampler | null {
  if (ready(prep) === null) return null;
  return {
    sample(seed, chunk, count, out, offset) {
      if (count > KERNEL_MAX_COUNT)
        throw new RangeError(
          `the kernel samples at most ${String(KERNEL_MAX_COUNT)} orders a call`,
        );
      const loaded = ready(prep);
      if (loaded === null)
        throw new Error('The WebAssembly kernel cannot hold this test any more.');
      const { exports, order, outAt } = loaded;
      // A chunk always starts from the path's own order (sampleRows resets the indices itself).
      if (prep.cols === 1) {
        new Float64Array(exports.memory.buffer, order, prep.n).set(prep.data);
        exports.sampleValues(HEADER, seed, chunk, count);
      } else {
        exports.sampleRows(HEADER, seed, chunk, count);
      }
      out.set(new Float64Array(exports.memory.buffer, outAt, count), offset);
    },
  };
}

/** The kernel with `prep` laid out in its memory, and where its order and output live. */
function ready(
  prep: PreparedStatistic,
): { exports: KernelExports; order: number; outAt: number } | null {
  const state = instantiate();
  if (state === null) return null;
  const { exports } = state;
  if (state.loaded !== prep) {
    state.loaded = null;
    if (!layOut(exports, prep)) return null;
    state.loaded = prep;
  }
  const header = new Int32Array(exports.memory.buffer, HEADER, 14);
  return { exports, order: header[2] ?? 0, outAt: header[5] ?? 0 };
}

/** Drops a kernel whose memory grew large, so that a long-lived process gives it back. */
export function releaseKernel(): void {
  if (cached && cached.exports.memory.buffer.byteLength > KEEP_BYTES) cached = undefined;
}

/** The first `count` draws of the kernel's generator for (seed, stream); for tests. */
export function kernelDraws(seed: number, stream: number, count: number): Uint32Array | null {
  const state = instantiate();
  if (state === null) return null;
  state.loaded = null;
  ensureBytes(state.exports.memory, HEADER + 4 * count);
  state.exports.draws(seed, stream, count, HEADER);
  return new Uint32Array(state.exports.memory.buffer, HEADER, count).slice();
}

/** Writes the header and every array the kernel reads; false when it cannot have the memory. */
function layOut(exports: KernelExports, prep: PreparedStatistic): boolean {
  const { n, cols, data, distances, scale } = prep;
  const kernel = prep.stencil.kernel;
  let end = HEADER + HEADER_BYTES;
  const place = (bytes: number): number => {
    const at = end;
    end += Math.ceil(bytes / 16) * 16;
    return at;
  };
  const pairPos = place(kernel.pairPos.byteLength);
  const pairWeight = place(kernel.pairWeight.byteLength);
  const triplePos = place(kernel.triplePos.byteLength);
  const tripleCoef = place(kernel.tripleCoef.byteLength);
  const order = place(8 * n);
  const out = place(8 * KERNEL_MAX_COUNT);
  const rows = cols === 1 ? 0 : place(data.byteLength);
  const table = cols === 1 || distances === null ? 0 : place(distances.byteLength);
  try {
    ensureBytes(exports.memory, end);
  } catch {
    return false; // beyond what this WebAssembly memory can grow to
  }
  const buffer = exports.memory.buffer;
  const header = new Int32Array(buffer, HEADER, 14);
  header.set([n, cols, order, rows, table, out, kernel.centralFrom, kernel.centralTo]);
  header.set(
    [kernel.pairWeight.length, pairPos, pairWeight, kernel.tripleCoef.length / 3, triplePos],
    8,
  );
  header[13] = tripleCoef;
  new Float64Array(buffer, HEADER + 56, 2).set([kernel.centralWeight, scale]);
  new Int32Array(buffer, pairPos, kernel.pairPos.length).set(kernel.pairPos);
  new Float64Array(buffer, pairWeight, kernel.pairWeight.length).set(kernel.pairWeight);
  new Int32Array(buffer, triplePos, kernel.triplePos.length).set(kernel.triplePos);
  new Float64Array(buffer, tripleCoef, kernel.tripleCoef.length).set(kernel.tripleCoef);
  if (rows !== 0) new Float64Array(buffer, rows, data.length).set(data);
  if (table !== 0 && distances !== null)
    new Float64Array(buffer, table, distances.length).set(distances);
  return true;
}

function ensureBytes(memory: WebAssembly.Memory, bytes: number): void {
  const missing = bytes - memory.buffer.byteLength;
  if (missing > 0) memory.grow(Math.ceil(missing / PAGE));
}
