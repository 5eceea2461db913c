import * as vscode from 'vscode';

import { ExplanationPanel, loadShownResult, type PanelServices } from './explanationPanel';

/**
 * Opens `*.propsweep.json` as the panel, read-only (a reviewer's view of a committed result). It
 * works in restricted workspaces: it only reads and validates files.
 */
export class ResultEditorProvider implements vscode.CustomReadonlyEditorProvider {
  constructor(private readonly services: PanelServices) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  async resolveCustomEditor(
    document: vscode.CustomDocument,
    webviewPanel: vscode.WebviewPanel,
  ): Promise<void> {
    const panel = ExplanationPanel.attach(webviewPanel, this.services, true);
    try {
      await panel.showResult(
        await loadShownResult(document.uri.fsPath),
        vscode.workspace.asRelativePath(document.uri),
      );
    } catch (error) {
      panel.fail(error);
    }
  }
}

/** Restores panels after a window reload from the result path the webview kept in its state. */
export class PanelSerializer implements vscode.WebviewPanelSerializer {
  constructor(private readonly services: PanelServices) {}

  async deserializeWebviewPanel(webviewPanel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const panel = ExplanationPanel.attach(webviewPanel, this.services, false);
    const resultPath = (state as { restore?: { resultPath?: unknown } } | undefined)?.restore
      ?.resultPath;
    if (typeof resultPath !== 'string') return; // nothing had finished: an empty panel
    try {
      await panel.showResult(await loadShownResult(resultPath), null);
    } catch (error) {
      panel.fail(error);
    }
  }
}
