// The panel's page: the HTML with its Content Security Policy (scripts by nonce only, styles and
// images from the webview's own resource origin, images also from data: and the webview's own
// blob: URLs) and the folders the webview may load from.
import { randomBytes } from 'node:crypto';

import * as vscode from 'vscode';

import { resourceRootPaths } from './resourceRoots';

/** The webview options of a panel showing the result at `resultPath` (undefined: none yet). */
export function webviewOptions(
  extensionUri: vscode.Uri,
  resultPath: string | undefined,
): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: resourceRootPaths(extensionUri.fsPath, resultPath).map((p) =>
      vscode.Uri.file(p),
    ),
  };
}

/**
 * The page that loads dist/webview.js and media/panel.css (or another page's script in dist/ and
 * stylesheets in media/) under a nonce-based CSP.
 */
export function panelHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  page: { readonly script: string; readonly styles: readonly string[] } = {
    script: 'webview.js',
    styles: ['panel.css'],
  },
): string {
  const nonce = randomBytes(18).toString('base64url');
  const script = webview
    .asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', page.script))
    .toString();
  const links = page.styles
    .map((name) => {
      const href = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', name));
      return `<link rel="stylesheet" href="${href.toString()}">`;
    })
    .join('\n  ');
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    // blob: the frames of a run still being written, made in the webview from their pixels.
    `img-src ${webview.cspSource} data: blob:`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  ${links}
  <title>PropSweep</title>
</head>
<body>
  <main id="app"><p class="muted">Loading…</p></main>
  <script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
