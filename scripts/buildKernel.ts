// Writes src/extension/measures/kernel/permutationWasm.ts from permutation.wat.
// Usage: npm run build:kernel
// test/unit/measures/kernel.test.ts fails when the committed module and the .wat disagree.
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';

import { assembleKernel, kernelModuleSource, MODULE_PATH, WAT_PATH } from './kernel/assemble';

assembleKernel().then(
  (bytes) => {
    writeFileSync(MODULE_PATH, kernelModuleSource(bytes));
    console.log(`${String(bytes.length)} bytes  ${relative(process.cwd(), MODULE_PATH)}`);
  },
  (error: unknown) => {
    // wabt's message names the line and column; its stack is minified wasm glue.
    const message = error instanceof Error ? error.message : String(error);
    console.error(`${relative(process.cwd(), WAT_PATH)} does not assemble:\n${message}`);
    process.exitCode = 1;
  },
);
