// The only place that loads the native modules, lazily, inside the child process. A failure says
// what failed, on which platform, and what to do (after sharp's own load-failure message).
import type * as Ort from 'onnxruntime-node';
import type SharpModule from 'sharp';

let ort: typeof Ort | undefined;
let sharp: typeof SharpModule | undefined;

/** A native module that cannot be loaded on this machine. */
export class NativeLoadError extends Error {
  override readonly name = 'NativeLoadError';
}

/** onnxruntime-node, loaded on first use. */
export function loadOrt(): typeof Ort {
  ort ??= load(
    'onnxruntime-node',
    'npm ci (CPU inference needs nothing else; for cuda see README "Install scripts")',
  ) as typeof Ort;
  return ort;
}

/** sharp, loaded on first use. */
export function loadSharp(): typeof SharpModule {
  sharp ??= load(
    'sharp',
    'npm ci --include=optional (sharp needs its @img/sharp-<platform> package)',
  ) as typeof SharpModule;
  return sharp;
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
