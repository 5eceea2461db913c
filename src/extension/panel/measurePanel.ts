import { randomBytes } from 'node:crypto';

import * as vscode from 'vscode';

import {
  isWebviewMessage,
  PANEL_PROTOCOL_VERSION,
  type HostMessage,
  type PanelSnapshot,
} from '../../shared/protocol';

/**
 * The panel beside the editor that shows one measured path. It sends its snapshot after the
 * webview says `panel/ready`, so a reload never shows an empty panel.
 */
export class MeasurePanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private snapshot: PanelSnapshot,
  ) {
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) => {
        // The webview is untrusted input too; `panel/ready` is its only message so far.
        if (isWebviewMessage(message)) void this.post();
      }),
      panel.onDidDispose(() => {
        this.dispose();
      }),
    );
  }

  /** Opens a panel beside the active editor showing `snapshot`. */
  static show(extensionUri: vscode.Uri, snapshot: PanelSnapshot): MeasurePanel {
    const media = vscode.Uri.joinPath(extensionUri, 'media');
    const dist = vscode.Uri.joinPath(extensionUri, 'dist');
    const panel = vscode.window.createWebviewPanel(
      'propsweep.measure',
      `PropSweep: ${snapshot.title}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, localResourceRoots: [media, dist] },
    );
    panel.webview.html = html(panel.webview, media, dist);
    return new MeasurePanel(panel, snapshot);
  }

  /** Replaces what the panel shows. */
  update(snapshot: PanelSnapshot): void {
    this.snapshot = snapshot;
    void this.post();
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  private post(): Thenable<boolean> {
    const message: HostMessage = {
      type: 'panel/snapshot',
      version: PANEL_PROTOCOL_VERSION,
      snapshot: this.snapshot,
    };
    return this.panel.webview.postMessage(message);
  }
}

function html(webview: vscode.Webview, media: vscode.Uri, dist: vscode.Uri): string {
  const nonce = randomBytes(18).toString('base64url');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString();
  const style = webview.asWebviewUri(vscode.Uri.joinPath(media, 'panel.css')).toString();
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${style}">
  <title>PropSweep</title>
</head>
<body>
  <main id="app"><p class="muted">Loading…</p></main>
  <script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
