// VS Code's side of the consent for classifier commands (see commandConsent.ts): the workspace
// state remembers it, a modal message asks, and a restricted workspace is told why nothing runs.
import * as vscode from 'vscode';

import type { ModelSpec } from '../../shared/childProtocol';
import { confirmCommands } from './commandConsent';

const RUN = 'Run';

/** Whether a run of `models` may start in this workspace (asking before a new command runs). */
export function workspaceConsent(
  state: vscode.Memento,
): (models: readonly ModelSpec[]) => Promise<boolean> {
  return async (models) => {
    const consent = await confirmCommands(
      models,
      vscode.workspace.isTrusted,
      state,
      async ({ message, detail }) =>
        (await vscode.window.showWarningMessage(message, { modal: true, detail }, RUN)) === RUN,
    );
    if (consent === 'restricted') {
      const choice = await vscode.window.showWarningMessage(
        'PropSweep runs no classifier commands in a restricted workspace. Trust the workspace to run them.',
        'Manage Workspace Trust',
      );
      if (choice === 'Manage Workspace Trust')
        await vscode.commands.executeCommand('workbench.trust.manage');
    }
    return consent === 'allowed';
  };
}
