// Classifiers of every kind in a real VS Code (code-server): a CLIP model and a classifier command
// configured in the settings are offered in Explain Property's classifier pick with their kind,
// beside "Zero-shot CLIP…" and "Classifier command…"; and Watch Checkpoints is on a folder's
// context menu.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { DEFAULT_FILES, withWorkbench } from './harness';

describe('PropSweep in VS Code: classifier kinds and checkpoints', { timeout: 600_000 }, () => {
  test('configured CLIP and command classifiers are offered with their kind; a folder can be watched', async (t) => {
    const files = { ...DEFAULT_FILES, 'runs/ep1.onnx': 'models/demo/unbiased.onnx' };
    const settings = {
      'propsweep.classifiers': [
        { clip: 'models/clip-onnx', prompts: 'prompts.txt', name: 'zero-shot cats' },
        {
          command: ['python', 'predict.py', '--checkpoint', '{checkpoint}'],
          checkpoint: 'runs/ep1.pt',
          name: 'torch bridge',
        },
      ],
    };
    await withWorkbench({ name: 'classifier-kinds', files, settings }, async (wb) => {
      const menu = await wb.waitForMenuItem('runs', 'Watch Checkpoints');
      assert.ok(menu.includes('Watch Checkpoints'), `the folder's menu: ${menu.join(' | ')}`);
      await wb.escape();
      await wb.runExplorerCommand('dark-cat.png', 'Explain Property');
      await wb.pickQuickPickItem('Object colour: lighter');
      assert.match(await wb.quickPickPrompt(), /which classifiers/);
      const labels = await wb.quickPickLabels();
      for (const label of [
        'zero-shot cats',
        'torch bridge',
        'Zero-shot CLIP…',
        'Classifier command…',
      ])
        assert.ok(labels.includes(label), `"${label}" is offered: ${labels.join(' | ')}`);
      const descriptions = await wb.quickPickItems().locator('.label-description').allInnerTexts();
      assert.ok(descriptions.includes('CLIP zero-shot · settings'), descriptions.join(' | '));
      assert.ok(descriptions.includes('command · settings'), descriptions.join(' | '));
      t.diagnostic(`pick: ${await wb.screenshot('classifier-pick')}`);
      await wb.escape();
    });
  });
});
