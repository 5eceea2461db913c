// Explain Property Across Images cancelled in a real VS Code (code-server): a folder of four
// images with masks runs slowly (the most steps and permutations the settings allow); once the
// progress notification has moved on to a later image and the first image's result is written,
// its Cancel stops the run, the information message offers "Open What Is Done", and the folder
// panel opens on the images done before the cancel, with a note saying the run was cancelled.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import { explainFolderOfDemoImages, theFolderSummary, waitForImagesDone } from './folderRuns';
import { withWorkbench } from './harness';

/** Until the first image is done (the classifiers load first) and until the offer after a cancel. */
const RUN_TIMEOUT = 240_000;

const FILES = {
  'two-class-flip.json': 'examples/two-class-flip.json',
  'photos/dark-cat.png': 'models/demo/images/dark-cat.png',
  'photos/dark-cat.mask.png': 'models/demo/images/dark-cat.mask.png',
  'photos/dark-dog.png': 'models/demo/images/dark-dog.png',
  'photos/dark-dog.mask.png': 'models/demo/images/dark-dog.mask.png',
  'photos/light-cat.png': 'models/demo/images/light-cat.png',
  'photos/light-cat.mask.png': 'models/demo/images/light-cat.mask.png',
  'photos/light-dog.png': 'models/demo/images/light-dog.png',
  'photos/light-dog.mask.png': 'models/demo/images/light-dog.mask.png',
};
const IMAGES = 4;

/** The progress message once image 1 is done and a later one is under way ("Image 2 of 4: …"). */
const LATER_IMAGE = new RegExp(`Image [2-${IMAGES}] of ${IMAGES}:`);
const CANCELLED = /PropSweep: cancelled\. The images already done are kept/;

describe(
  'PropSweep in VS Code: Explain Property Across Images, cancelled',
  { timeout: 600_000 },
  () => {
    test('cancel from the progress notification after the first image, then open what is done', async (t) => {
      // A 1001-step path with 1,000,000 permutations per model takes about 20 s per image here: the
      // cancel lands after the first image and well before the fourth.
      const settings = { 'propsweep.steps': 1001, 'propsweep.permutations': 1_000_000 };
      await withWorkbench({ name: 'explain-folder-cancel', files: FILES, settings }, async (wb) => {
        await explainFolderOfDemoImages(wb, 'photos'); // 1001 steps, 1,000,000 permutations

        await wb.waitForNotification(LATER_IMAGE, RUN_TIMEOUT);
        // The second image starts before the first is written: the cancel waits for its result.
        await waitForImagesDone(wb.workspace, 1, RUN_TIMEOUT);
        t.diagnostic(`progress: ${(await wb.notifications()).join(' | ')}`);
        t.diagnostic(`running: ${await wb.screenshot('folder-running')}`);
        await wb.clickNotificationButton(LATER_IMAGE, 'Cancel');

        // Without the cancel (or the offer) no such message comes: say what was shown instead.
        await wb.waitForNotification(CANCELLED, RUN_TIMEOUT).catch(async (error: unknown) => {
          const shown = await wb.notifications().catch(() => []);
          throw new Error(
            `no "cancelled" message after the cancel; notifications: ${shown.join(' | ') || '(none)'}`,
            { cause: error },
          );
        });
        await wb.clickNotificationButton(CANCELLED, 'Open What Is Done');

        const panel = wb.webviewFrame();
        const note = panel.locator('.banner.note');
        await note.waitFor({ timeout: 60_000 });
        assert.match(
          await note.innerText(),
          /This run was cancelled: the panel shows the images done before it stopped/,
        );
        await panel.locator('.folder-table tr.row-done').first().waitFor();
        t.diagnostic(`panel: ${await wb.screenshotWebview('folder-cancelled')}`);
        const done = await panel.locator('.folder-table tr.row-done').count();
        t.diagnostic(`${String(done)} of ${String(IMAGES)} images done before the cancel`);
        assert.ok(done >= 1, 'the first image was done before the cancel');
        assert.ok(done < IMAGES, `the cancel stopped the run: ${String(done)} images done`);
        assert.match(
          await panel.locator('.counts').innerText(),
          new RegExp(`^${String(done)} of ${String(IMAGES)} images: ${String(done)} explained`),
        );

        // The panel shows the summary the cancelled run kept on disk (the next run resumes after it).
        const kept = JSON.parse(readFileSync(theFolderSummary(wb.workspace), 'utf8')) as {
          listed: number;
          rows: { status: string }[];
        };
        assert.equal(kept.listed, IMAGES);
        assert.equal(kept.rows.filter((row) => row.status === 'done').length, done);
      });
    });
  },
);
