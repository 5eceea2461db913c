// The only place that loads the native modules, lazily, inside the child process. A failure says
// what failed, on which platform, and what to do (after sharp's own load-failure message).
import type * as Ort from 'onnxruntime-node';
import type SharpModule from 'sharp';

/** A native module that cannot be loaded on this machine. */
export class NativeLoadError extends Error {
  override readonly name = 'NativeLoadError';
}

const requireOrt = lazy(
  'onnxruntime-node',
  'npm ci (CPU inference needs nothing else; for cuda see README "Install scripts")',
) as () => typeof Ort;

let float16Pinned = false;

/**
 * onnxruntime-node, loaded on first use, with float16 tensors held as Uint16Array bit patterns
 * (see pinFloat16ToUint16).
 */
export function loadOrt(): typeof Ort {
  const ort = requireOrt();
  if (!float16Pinned) {
    pinFloat16ToUint16(ort);
    float16Pinned = true;
  }
  return ort;
}

/**
 * Where the runtime has a global Float16Array (Node 23+, Electron 43), onnxruntime-common wraps
 * the Uint16Array of a float16 tensor in a Float16Array, and the Node binding reads its byte length
 * as 0 and refuses every float16 input (microsoft/onnxruntime#26791, #32323). onnxruntime-common
 * decides once, at the first Tensor it makes, which array holds float16: that first Tensor is made
 * here with Float16Array hidden, so float16 stays a Uint16Array, which the binding reads. This
 * process (the inference child) has no other use for Float16Array.
 */
function pinFloat16ToUint16(ort: typeof Ort): void {
  const own = Object.getOwnPropertyDescriptor(globalThis, 'Float16Array');
  if (own === undefined) return;
  const global = globalThis as { Float16Array?: unknown };
  delete global.Float16Array;
  try {
    new ort.Tensor('float32', new Float32Array(1), [1]);
  } finally {
    Object.defineProperty(globalThis, 'Float16Array', own);
  }
}

/** sharp, loaded on first use. */
export const loadSharp = lazy(
  'sharp',
  'npm ci --include=optional (sharp needs its @img/sharp-<platform> package)',
) as () => typeof SharpModule;

/** A loader of `name` that requires it on its first call and keeps it; a failure is tried again. */
function lazy(name: string, fix: string): () => unknown {
  let loaded: unknown;
  return () => (loaded ??= load(name, fix));
}

function load(name: string, fix: string): unknown {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy by design
    return require(name);
  } catch (error) {
    throw new NativeLoadError(
      `Could not load ${name} on ${process.platform}-${process.arch} (Node ${process.versions.node}): ${error instanceof Error ? error.message : String(error)}\nPossible solutions:\n- reinstall the dependencies: ${fix}\n- install the VSIX built for this platform (npm run package builds linux-x64; see README)`,
    );
  }
}
