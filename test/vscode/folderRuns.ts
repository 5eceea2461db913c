// What the VS Code tests of folder runs share (not a test file: no `.test.ts`): starting Explain
// Property Across Images with the demo choices, and finding the summary the run wrote.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Workbench } from './harness';

/**
 * Right-clicks `folder` and runs Explain Property Across Images with the object-colour edit, the
 * three demo classifiers, and the steps and permutations of the workspace settings.
 */
export async function explainFolderOfDemoImages(wb: Workbench, folder: string): Promise<void> {
  await wb.runExplorerCommand(folder, 'Explain Property Across Images');
  await wb.pickQuickPickItem('Object colour: lighter');
  await wb.acceptQuickPick(); // the three demo classifiers
  await wb.acceptQuickPick(); // the steps of the settings
  await wb.acceptQuickPick(); // the permutations of the settings
}

/** The one folder summary the run wrote under the workspace's explanations/ (its full path). */
export function theFolderSummary(workspace: string): string {
  const out = join(workspace, 'explanations');
  const summaries = readdirSync(out, { recursive: true })
    .map(String)
    .filter((path) => path.endsWith('.propsweep-folder.json'));
  assert.equal(summaries.length, 1, `one summary: ${summaries.join(', ')}`);
  return join(out, summaries[0] ?? '');
}

/**
 * Waits until the run under the workspace's explanations/ has written the results of `count`
 * images (images/<key>/*.propsweep.json): an image whose result is written counts as done, also
 * when the run is cancelled next. The progress moves on to the next image before that: the
 * images overlap (the next one is edited and classified while one is measured and written).
 */
export async function waitForImagesDone(
  workspace: string,
  count: number,
  timeoutMs: number,
): Promise<void> {
  const out = join(workspace, 'explanations');
  const done = (): number =>
    existsSync(out)
      ? readdirSync(out, { recursive: true })
          .map(String)
          .filter((path) => /(^|[\\/])images[\\/][^\\/]+[\\/][^\\/]+\.propsweep\.json$/.test(path))
          .length
      : 0;
  const deadline = Date.now() + timeoutMs;
  while (done() < count) {
    if (Date.now() > deadline) {
      throw new Error(
        `${String(done())} of the ${String(count)} images awaited were written in ${String(timeoutMs / 1000)} s`,
      );
    }
    await sleep(250);
  }
}
