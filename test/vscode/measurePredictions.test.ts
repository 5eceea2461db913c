// "Measure Property Gradient of a Predictions File" in a real VS Code (code-server), from the
// explorer's context menu, as a user runs it; and what Restricted Mode does with our commands.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { withWorkbench, type Workbench } from './harness';

const MEASURE = 'Measure Property Gradient of a Predictions File';
const EXPLAIN = 'Explain Property';

/**
 * Expected numbers for examples/two-class-flip.json with the extension's default settings
 * (10,000 permutations, seed 0), from the CLI on the same engine:
 *   node dist/cli.js measure --input examples/two-class-flip.json --json
 * prints epgm 0.94733619047619 and p_value 0.00009999000099990002 = 1 / 10001: no shuffle of the
 * smooth logistic path is as smooth as the path itself, so b = 0 and p = (0 + 1) / (K + 1).
 */
const EXPECTED = { epgm: '0.947', p: 1 / 10001 };

/** What a finished command left on screen: a result, a notification, or nothing. */
type Outcome =
  { kind: 'result'; text: string } | { kind: 'notification'; text: string } | { kind: 'nothing' };

describe('PropSweep in VS Code: measure a predictions file', { timeout: 240_000 }, () => {
  test('right-click two-class-flip.json: the result opens beside with EPGM 0.947 and p', async (t) => {
    // Markdown wraps long lines by default; unwrapped, each table row is one line of text.
    const settings = { '[markdown]': { 'editor.wordWrap': 'off' } };
    await withWorkbench({ name: 'measure-two-class-flip', settings }, async (wb) => {
      // The click of rightClickExplorerItem opens the JSON in the first group; the result must open
      // beside it, in another group.
      await wb.runExplorerCommand('two-class-flip.json', MEASURE);
      const text = await wb.waitForEditorText(/PropSweep: two-class-flip\.json/, 60_000);
      const shot = await wb.screenshot('result');
      t.diagnostic(`screenshot: ${shot}`);
      t.diagnostic(`result text:\n${text}`);

      const epgm = /\|\s*EPGM\s*\|\s*([0-9.eE+-]+)/.exec(text)?.[1];
      assert.ok(epgm !== undefined, `no EPGM row in the result:\n${text}`);
      assert.equal(Number(epgm).toFixed(3), EXPECTED.epgm, `EPGM ${epgm}`);
      const p = /\|\s*p-value\s*\|\s*([0-9.eE+-]+)/.exec(text)?.[1];
      assert.ok(p !== undefined, `no p-value row in the result:\n${text}`);
      assert.ok(Math.abs(Number(p) - EXPECTED.p) < 1e-12, `p-value ${p}, expected 1/10001`);

      const groups = await editorGroups(wb);
      // A read-only document of ours, not an untitled one that asks to be saved on closing.
      assert.ok(
        groups.flat().some((tab) => /^PropSweep \d+ - two-class-flip\.json\.md$/.test(tab)),
        `no read-only measurement tab; tabs: ${JSON.stringify(groups)}`,
      );
      const json = groups.findIndex((tabs) => tabs.includes('two-class-flip.json'));
      const result = await resultGroup(wb);
      assert.ok(json >= 0, `two-class-flip.json is not open; groups: ${JSON.stringify(groups)}`);
      assert.notEqual(
        result,
        json,
        `the result did not open beside; groups: ${JSON.stringify(groups)}`,
      );
    });
  });

  test('restricted mode: Explain Property is absent or refused; measuring is recorded', async (t) => {
    await withWorkbench({ name: 'restricted-mode', trust: 'untrusted' }, async (wb) => {
      assert.ok(await wb.restrictedModeShown(), 'the window is not in Restricted Mode');
      // Control: the built-in Markdown extension's item proves the menus are complete, so a
      // missing item of ours is missing for good, not because the extension host is still busy.
      const control = await wb.waitForMenuItem('README.md', 'Open Preview');
      assert.ok(control.includes('Open Preview'), `README.md's menu: ${control.join(' | ')}`);
      await wb.escape();

      // Untrusted workspaces run no models: Explain Property is absent or says why it refuses.
      const explain = await runIfPresent(wb, 'dark-cat.png', EXPLAIN);
      t.diagnostic(`Restricted Mode, ${EXPLAIN} on dark-cat.png: ${summarize(explain)}`);
      await wb.screenshot('restricted-explain');
      if (explain !== 'absent') {
        assert.equal(explain.kind, 'notification', `${EXPLAIN} ran in Restricted Mode`);
        assert.match(explain.text, /trust|restricted/i, `${EXPLAIN} failed without saying why`);
      }
      await closeNotifications(wb);

      // Measuring runs no model, so Restricted Mode may allow it; recorded in the test's output.
      // Whatever the policy, the user gets an answer: the right numbers, or a refusal that says
      // why; never silence or an error.
      const measure = await runIfPresent(wb, 'two-class-flip.json', MEASURE);
      t.diagnostic(`Restricted Mode, ${MEASURE} on two-class-flip.json: ${summarize(measure)}`);
      await wb.screenshot('restricted-measure');
      if (measure === 'absent') return;
      if (measure.kind === 'nothing') assert.fail(`${MEASURE} showed nothing in Restricted Mode`);
      if (measure.kind === 'notification') {
        assert.match(measure.text, /trust|restricted/i, `${MEASURE} failed: ${measure.text}`);
      } else {
        assert.match(measure.text, /EPGM \| 0\.947/, `${MEASURE} showed a wrong result`);
      }
    });
  });
});

/** Runs a context-menu item when the menu has it; returns what appeared, or 'absent'. */
async function runIfPresent(
  wb: Workbench,
  file: string,
  title: string,
): Promise<Outcome | 'absent'> {
  // The control above proved the menus complete: a short wait is enough.
  const items = await wb.waitForMenuItem(file, title, 3_000);
  if (!items.includes(title)) {
    await wb.escape();
    return 'absent';
  }
  await wb.clickMenuItem(title);
  return outcome(wb);
}

/** Waits up to 30 s for a result editor, a webview of ours, or a notification. */
async function outcome(wb: Workbench): Promise<Outcome> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const notes = await wb.notifications();
    const note = notes.find((text) => !/^PropSweep: measuring/.test(text));
    if (note !== undefined) return { kind: 'notification', text: note };
    const editor = await wb.waitForEditorText(/PropSweep:/, 500).catch(() => undefined);
    if (editor !== undefined) return { kind: 'result', text: editor };
    const panel = await wb
      .webviewFrame()
      .locator('body')
      .innerText({ timeout: 500 })
      .catch(() => undefined);
    if (panel !== undefined && panel.trim() !== '') return { kind: 'result', text: panel };
  }
  return { kind: 'nothing' };
}

function summarize(outcome: Outcome | 'absent'): string {
  if (outcome === 'absent') return 'not in the context menu';
  if (outcome.kind === 'nothing') return 'clicked; nothing appeared within 30 s';
  return `clicked; ${outcome.kind}: ${outcome.text.replace(/\s+/g, ' ').slice(0, 300)}`;
}

async function closeNotifications(wb: Workbench): Promise<void> {
  await wb.runCommand('Notifications: Clear All Notifications');
}

/** The tab labels of each editor group, left to right. */
async function editorGroups(wb: Workbench): Promise<string[][]> {
  const groups = wb.page.locator('.editor-group-container');
  const result: string[][] = [];
  for (const group of await groups.all()) {
    const labels = await group.locator('.tab .label-name').allInnerTexts();
    result.push(labels.map((label) => label.trim()));
  }
  return result;
}

/** The index of the editor group whose editor shows the measurement. */
async function resultGroup(wb: Workbench): Promise<number> {
  const groups = await wb.page.locator('.editor-group-container').all();
  for (const [index, group] of groups.entries()) {
    const text = await group.locator('.monaco-editor .view-lines').allInnerTexts();
    if (text.some((lines) => lines.includes('two-class-flip.json') && lines.includes('EPGM'))) {
      return index;
    }
  }
  return -1;
}
