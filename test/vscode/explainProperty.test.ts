// Explain Property in a real VS Code (code-server): right-click the demo image, accept the
// property and classifiers, run, and read the panel; save the result, reopen it from the explorer
// and see the same numbers; cancel a run; and Restricted Mode runs nothing.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';

import type { FrameLocator } from 'playwright-core';

import { settledBox, withWorkbench, type Workbench } from './harness';

const EXPLAIN = 'Explain Property';
const RUN_TIMEOUT = 180_000;

/** Picks everything for a run of `steps` steps: the first property (object colour, lighter,
 * since dark-cat.mask.png lies beside the image), the three demo classifiers (preselected). */
async function startExplain(wb: Workbench, steps: string, permutations: string): Promise<void> {
  await wb.runExplorerCommand('dark-cat.png', EXPLAIN);
  await wb.pickQuickPickItem('Object colour: lighter');
  // Accept the preselected classifiers: the panel must then show the three demo models.
  await wb.acceptQuickPick();
  await wb.pickQuickPickItem(steps);
  await wb.pickQuickPickItem(permutations);
}

/** The numbers on one model's score card. */
async function card(
  panel: FrameLocator,
  model: string,
): Promise<{ epgm: number; p: number; flips: number }> {
  const metrics = panel.locator('.card', { hasText: model }).first().locator('.metric');
  const values: Record<string, string> = {};
  for (const m of await metrics.all()) {
    values[(await m.locator('.metric-label').innerText()).trim()] = (
      await m.locator('.metric-value').innerText()
    ).trim();
  }
  // 'p', or 'adjusted p' when several models share the panel.
  const p = Object.entries(values).find(([k]) => /(^|\s)p$/.test(k))?.[1];
  return { epgm: Number(values.EPGM), p: Number(p), flips: Number(values.flips) };
}

/**
 * In a side panel beside the training code (500 x 800 px), the score cards, the prediction chart
 * and the selected frame are all inside the webview without scrolling; the window is restored.
 */
async function answerAtAGlance(wb: Workbench, t: TestContext): Promise<void> {
  const window = wb.page.viewportSize() ?? { width: 1440, height: 900 };
  try {
    const size = await wb.resizeWebviewTo(500, 800);
    t.diagnostic(`side panel: ${await wb.screenshotWebview('side-panel-500x800')}`);
    assert.deepEqual(size, { width: 500, height: 800 }, 'the webview is 500 x 800');
    const panel = wb.webviewFrame();
    const view = await settledBox(wb.webviewElement());
    const parts = [
      ...(await panel.locator('.card').all()).map((l, i) => ({ name: `score card ${i + 1}`, l })),
      { name: 'the prediction chart', l: panel.locator('canvas[data-points]') },
      { name: 'the selected frame', l: panel.locator('.viewport') },
    ];
    assert.equal(parts.length, 5, 'three score cards, the chart and the frame');
    for (const { name, l } of parts) {
      const box = await settledBox(l);
      const inside =
        box.x >= view.x - 0.5 &&
        box.y >= view.y - 0.5 &&
        box.x + box.width <= view.x + view.width + 0.5 &&
        box.y + box.height <= view.y + view.height + 0.5;
      assert.ok(
        inside,
        `${name} (${JSON.stringify(box)}) is inside the 500 x 800 panel (${JSON.stringify(view)})`,
      );
    }
  } finally {
    await wb.page.setViewportSize(window);
  }
}

async function waitForResult(panel: FrameLocator): Promise<void> {
  await panel.locator('canvas[data-points]').waitFor({ state: 'attached', timeout: RUN_TIMEOUT });
  await panel.locator('.metric-value').first().waitFor({ timeout: RUN_TIMEOUT });
}

describe('PropSweep in VS Code: Explain Property', { timeout: 600_000 }, () => {
  test('run on the demo image, save, reopen from the explorer with the same numbers, cancel a run', async (t) => {
    // The settings' values are offered in the quick picks: a 1001-step path with 1,000,000
    // permutations per model (the most the settings allow) runs long enough to be cancelled (the
    // short run takes seconds).
    const settings = { 'propsweep.steps': 1001, 'propsweep.permutations': 1_000_000 };
    await withWorkbench({ name: 'explain-property', settings }, async (wb) => {
      await startExplain(wb, '11 steps', '1,000 permutations');
      const panel = wb.webviewFrame();
      await waitForResult(panel);
      t.diagnostic(`panel: ${await wb.screenshotWebview('explained')}`);
      t.diagnostic(`window: ${await wb.screenshot('window')}`);
      t.diagnostic(`whole panel: ${await wb.screenshotWebviewWhole('explained-whole')}`);
      await answerAtAGlance(wb, t);

      // The filmstrip has one frame per step; the chart has data points; the cards have numbers.
      assert.equal(await panel.locator('.thumb').count(), 11);
      assert.equal(
        await panel.locator('.card').count(),
        3,
        'the default classifiers: three demo models',
      );
      const points = Number(await panel.locator('canvas[data-points]').getAttribute('data-points'));
      assert.ok(points >= 11, `chart points: ${points}`);
      const biased = await card(panel, 'dark-cats');
      const unbiased = await card(panel, 'unbiased');
      t.diagnostic(`dark-cats ${JSON.stringify(biased)}, unbiased ${JSON.stringify(unbiased)}`);
      assert.ok(biased.epgm > 0.5 && biased.flips >= 1, 'the fur-colour-biased model flips');
      assert.ok(biased.p > 0 && biased.p <= 0.01, `p ${biased.p}`);
      assert.ok(unbiased.epgm < 0.1 && unbiased.flips === 0, 'the unbiased model does not');

      // Save into the workspace, then reopen the saved file from the explorer.
      await panel.locator('vscode-button', { hasText: 'Save result' }).click();
      await wb.waitForNotification(
        /PropSweep saved explanations\/dark-cat-colour-light\.propsweep\.json/,
      );
      assert.ok(
        existsSync(join(wb.workspace, 'explanations', 'dark-cat-colour-light.propsweep.json')),
      );
      const saved = JSON.parse(
        readFileSync(
          join(wb.workspace, 'explanations', 'dark-cat-colour-light.propsweep.json'),
          'utf8',
        ),
      ) as { frames: { file: string }[] };
      assert.equal(saved.frames.length, 11);
      assert.ok(
        saved.frames.every((f) => existsSync(join(wb.workspace, 'explanations', f.file))),
        'every saved frame is beside the result',
      );
      await wb.page
        .locator('.explorer-folders-view .monaco-list-row')
        .filter({ hasText: /^explanations$/ })
        .first()
        .click();
      await wb.page
        .locator('.explorer-folders-view .monaco-list-row')
        .filter({ hasText: 'dark-cat-colour-light.propsweep.json' })
        .first()
        .dblclick();
      await wb.page
        .locator('.tab', { hasText: 'dark-cat-colour-light.propsweep.json' })
        .first()
        .waitFor();
      const reopened = wb.webviewFrame();
      await waitForResult(reopened);
      t.diagnostic(`reopened: ${await wb.screenshotWebview('reopened')}`);
      assert.deepEqual(await card(reopened, 'dark-cats'), biased);
      assert.deepEqual(await card(reopened, 'unbiased'), unbiased);
      assert.equal(
        await reopened.locator('vscode-button', { hasText: 'Save result' }).count(),
        0,
        'a saved result is read-only',
      );

      // A long run, cancelled from the panel (alone on screen, as above).
      await wb.runCommand('View: Close All Editors');
      await startExplain(wb, '1001 steps', '1,000,000 permutations');
      const live = wb.webviewFrame();
      await live.locator('vscode-button', { hasText: 'Cancel' }).click({ timeout: 60_000 });
      await live.locator('.status.cancelled').waitFor({ timeout: 60_000 });
      t.diagnostic(`cancelled: ${await wb.screenshotWebview('cancelled')}`);
    });
  });

  test('a new user right-clicks a photo with no mask and no settings, accepts every default', async (t) => {
    const files = { 'photo.jpg': 'models/demo/images/light-dog.png' };
    await withWorkbench({ name: 'explain-defaults', files }, async (wb) => {
      await wb.runExplorerCommand('photo.jpg', EXPLAIN);
      for (let pick = 0; pick < 4; pick++) await wb.acceptQuickPick(); // property, models, steps, K
      const panel = wb.webviewFrame();
      await waitForResult(panel);
      t.diagnostic(`defaults: ${await wb.screenshotWebview('defaults')}`);
      assert.match(await panel.locator('.meta').innerText(), /Brightness.*21 steps.*3 models/);
      assert.equal(await panel.locator('.thumb').count(), 21);
      assert.equal(await panel.locator('.card').count(), 3);
    });
  });

  test('with no editor model configured, the instruction edit says how to get one and opens the README', async (t) => {
    const files = { 'photo.jpg': 'models/demo/images/light-dog.png' };
    await withWorkbench({ name: 'explain-instruction-help', files }, async (wb) => {
      await wb.runExplorerCommand('photo.jpg', EXPLAIN);
      await wb.filterQuickPick('Instruction edit');
      await wb.pickQuickPickItem('Instruction edit (diffusion)…');
      assert.match(await wb.quickPickPrompt(), /which editor model/);
      assert.deepEqual(await wb.quickPickLabels(), ['Browse…', 'How to export…']);
      await wb.pickQuickPickItem('How to export…');
      await wb.page
        .locator('.tab', { hasText: /Preview (README|readme)\.md/ })
        .first()
        .waitFor();
      // The README that ships in the extension, rendered by VS Code's Markdown preview.
      const preview = wb.webviewFrame('vscode.markdown-language-features');
      await preview.locator('h2', { hasText: 'The command line' }).waitFor({ state: 'attached' });
      t.diagnostic(`help: ${await wb.screenshot('instruction-help')}`);
    });
  });

  test('Restricted Mode: Explain Property runs nothing and says why', async () => {
    await withWorkbench({ name: 'explain-restricted', trust: 'untrusted' }, async (wb) => {
      assert.ok(await wb.restrictedModeShown());
      await wb.runExplorerCommand('dark-cat.png', EXPLAIN);
      await wb.waitForNotification(/runs no models or editors in a restricted workspace/);
      await wb.screenshot('restricted');
    });
  });
});
