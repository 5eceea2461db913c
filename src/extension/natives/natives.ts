// The only place that loads the native modules, lazily, inside the child process. A failure says
// what failed, on which platform, and what to do (after sharp's own load-failure message).
import type * as Ort from 'onnxruntime-node';
import type SharpModule from 'sharp';

/** A native module that cannot be loaded on this machine. */
export class NativeLoadError extends Error {
  override readonly name = 'NativeLoadError';
}

/** onnxruntime-node, loaded on first use. */
export const loadOrt = lazy(
  'onnxruntime-node',
  'npm ci (CPU inference needs nothing else; for cuda see README "Install scripts")',
) as () => typeof Ort;

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
