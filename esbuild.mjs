// Bundles every entry point: the extension host, the inference child process, the permutation
// worker, the CLI and the benchmark for Node; the panel scripts for the webviews. Types are checked
// separately (npm run typecheck): esbuild strips them without looking.
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.env.NODE_ENV === 'production';

/** @type {esbuild.BuildOptions} */
const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

/** @type {esbuild.BuildOptions} */
const node = {
  ...common,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Natives ship in the VSIX's node_modules and load lazily in the child process.
  external: ['vscode', 'onnxruntime-node', 'sharp'],
  outdir: 'dist',
};

/** @type {esbuild.BuildOptions[]} */
const builds = [
  {
    ...node,
    entryPoints: {
      extension: 'src/extension/extension.ts',
      inferenceChild: 'src/extension/inference/child.ts',
      permutationWorker: 'src/extension/pipeline/permutationWorker.ts',
      classifierWorker: 'src/extension/pipeline/classifierWorker.ts',
      bench: 'bench/bench.ts',
    },
  },
  // The CLI is the package's bin.
  { ...node, entryPoints: { cli: 'src/cli/main.ts' }, banner: { js: '#!/usr/bin/env node' } },
  {
    ...common,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    entryPoints: {
      webview: 'src/webview/panel/main.ts',
      // The aggregate panel of a folder run (NAME.propsweep-folder.json).
      folderWebview: 'src/webview/folder/main.ts',
    },
    outdir: 'dist',
  },
];

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
  const { chmod } = await import('node:fs/promises');
  await chmod('dist/cli.js', 0o755);
}
