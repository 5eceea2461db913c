import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';

import * as vscode from 'vscode';

import type { ExplainRun } from '../../shared/childProtocol';
import {
  assertNever,
  isWebviewMessage,
  PANEL_PROTOCOL_VERSION,
  type HostMessage,
  EMPTY_SNAPSHOT,
  type PanelSnapshot,
  type WebviewMessage,
} from '../../shared/protocol';
import { ChildRunError } from '../inference/childClient';
import type { ChildService } from '../inference/childService';
import { pngDataUris } from '../share/dataUris';
import { markdownSnippet } from '../share/markdown';
import { renderReport } from '../share/reportHtml';
import { loadResult, saveResultTo, staleModels, type LoadedResult } from '../store/resultFiles';
import { ReadyWatchdog } from './readyWatchdog';

/** What every panel needs from the extension. */
export interface PanelServices {
  readonly extensionUri: vscode.Uri;
  readonly children: ChildService;
  readonly log: vscode.LogOutputChannel;
  readonly statusBar: vscode.StatusBarItem;
  /** Called after a run wrote new frames into the cache (to keep it under its size limit). */
  readonly afterRun: () => void;
}

/** An explanation to run: everything but what the child adds. */
export type RunRequest = Omit<ExplainRun, 'type'>;

/** The view type of the live panel (package.json's onWebviewPanel activation). */
const VIEW_TYPE = 'propsweep.explanation';

/** How long a new webview may take to ask for its snapshot before it counts as stuck. */
const READY_TIMEOUT_MS = 10_000;

/**
 * One panel: a live explanation (runs, re-runs, save, export) or a saved result opened from a
 * file (read-only). The webview asks for its snapshot with `panel/ready`; every change sends the
 * whole snapshot again.
 */
export class ExplanationPanel implements vscode.Disposable {
  /** The live panel that Explain Property reuses: a new run there supersedes the running one. */
  private static live: ExplanationPanel | undefined;

  private panel: vscode.WebviewPanel;
  private snapshot: PanelSnapshot;
  private loaded: LoadedResult | undefined;
  private request: RunRequest | undefined;
  private running: AbortController | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** Listeners of the current webview (a stuck one is replaced, see reopenIfStuck). */
  private readonly webviewDisposables: vscode.Disposable[] = [];
  private readonly watchdog: ReadyWatchdog;
  private disposed = false;

  private constructor(
    panel: vscode.WebviewPanel,
    private readonly services: PanelServices,
    readOnly: boolean,
    /** Whether this panel is ours to open again (not a custom editor's or a restored one). */
    private readonly reopenable: boolean,
  ) {
    this.panel = panel;
    this.snapshot = { ...EMPTY_SNAPSHOT, ...settingsSnapshot(), readOnly };
    this.watchdog = new ReadyWatchdog(
      READY_TIMEOUT_MS,
      () => this.panel.visible,
      () => {
        this.reopen();
      },
    );
    this.attachWebview(panel);
    this.disposables.push(
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.update(settingsSnapshot());
      }),
    );
  }

  private attachWebview(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.webview.options = { enableScripts: true, localResourceRoots: this.roots() };
    panel.webview.html = html(panel.webview, this.services.extensionUri);
    this.webviewDisposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) => {
        if (isWebviewMessage(message)) void this.receive(message);
        else
          this.services.log.warn(
            `Ignored a malformed message from the panel: ${JSON.stringify(message).slice(0, 200)}`,
          );
      }),
      panel.onDidDispose(() => {
        this.dispose();
      }),
    );
    if (this.reopenable) this.watchdog.arm();
  }

  /** Opens a stuck live panel again (see ReadyWatchdog), in the same place, with the same state. */
  private reopen(): void {
    if (this.disposed) return;
    this.services.log.warn(
      `The PropSweep panel did not load within ${String(READY_TIMEOUT_MS / 1000)} s; opening it again.`,
    );
    const stuck = this.panel;
    for (const d of this.webviewDisposables.splice(0)) d.dispose();
    const panel = vscode.window.createWebviewPanel(
      VIEW_TYPE,
      stuck.title,
      { viewColumn: stuck.viewColumn ?? vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true },
    );
    this.attachWebview(panel);
    stuck.dispose();
  }

  /** The live panel beside the active editor, created when there is none. */
  static showLive(services: PanelServices): ExplanationPanel {
    if (ExplanationPanel.live !== undefined && !ExplanationPanel.live.disposed) {
      ExplanationPanel.live.panel.reveal(vscode.ViewColumn.Beside, true);
      return ExplanationPanel.live;
    }
    const panel = vscode.window.createWebviewPanel(
      VIEW_TYPE,
      'PropSweep',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true },
    );
    ExplanationPanel.live = new ExplanationPanel(panel, services, false, true);
    return ExplanationPanel.live;
  }

  /** A panel VS Code restores after a reload, or a custom editor's panel for a saved result. */
  static attach(
    panel: vscode.WebviewPanel,
    services: PanelServices,
    readOnly: boolean,
  ): ExplanationPanel {
    const attached = new ExplanationPanel(panel, services, readOnly, false);
    if (!readOnly) ExplanationPanel.live ??= attached;
    return attached;
  }

  /** Runs an explanation here; a run already going is cancelled first (the newer one wins). */
  async run(request: RunRequest): Promise<void> {
    this.running?.abort();
    const controller = new AbortController();
    this.running = controller;
    this.request = request;
    const title = `PropSweep: ${basename(request.image)}`;
    this.panel.title = title;
    this.update({ title, state: 'running', error: null, progress: { message: 'Starting…' } });
    const { statusBar } = this.services;
    statusBar.text = '$(sync~spin) PropSweep';
    statusBar.tooltip = 'PropSweep is explaining an image (click to show the log)';
    statusBar.command = 'propsweep.showLog';
    statusBar.show();
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'PropSweep', cancellable: true },
        async (progress, token) => {
          const subscription = token.onCancellationRequested(() => {
            controller.abort();
          });
          try {
            const child = await this.services.children.get();
            let last = 0;
            const value = await child.explain(request, {
              signal: controller.signal,
              onProgress: (p) => {
                const fraction =
                  p.done !== undefined && p.total !== undefined && p.total > 0
                    ? (100 * p.done) / p.total
                    : undefined;
                const increment =
                  fraction === undefined || p.phase !== 'edit'
                    ? undefined
                    : Math.max(0, fraction - last);
                if (fraction !== undefined && p.phase === 'edit') last = fraction;
                progress.report({
                  message: p.message,
                  ...(increment !== undefined && { increment }),
                });
                if (this.running === controller) this.update({ progress: p });
              },
            });
            if (this.running !== controller) return; // superseded while finishing
            this.services.log.info(
              `Explained ${request.image} with ${request.editor}: ${value.resultPath}`,
            );
            await this.showResult(await loadResult(value.resultPath), null);
          } finally {
            subscription.dispose();
          }
        },
      );
    } catch (error) {
      if (this.running === controller) this.fail(error);
    } finally {
      if (this.running === controller) {
        this.running = undefined;
        statusBar.hide();
      }
      this.services.afterRun();
    }
  }

  /** Shows a result read from disk (a finished run, or a saved file). */
  async showResult(loaded: LoadedResult, savedPath: string | null): Promise<void> {
    this.loaded = loaded;
    const stale = this.snapshot.readOnly ? await staleModels(loaded.path, loaded.result) : [];
    const webview = this.panel.webview;
    webview.options = { enableScripts: true, localResourceRoots: this.roots() };
    const title = `PropSweep: ${loaded.result.image.path.split('/').at(-1) ?? ''} (${loaded.result.editor.title})`;
    this.panel.title = this.snapshot.readOnly ? this.panel.title : title;
    this.update({
      title,
      state: 'done',
      progress: null,
      error: null,
      result: loaded.result,
      frameUris: loaded.framePaths.map((p) => webview.asWebviewUri(vscode.Uri.file(p)).toString()),
      sourceUri:
        loaded.sourcePath === null
          ? null
          : webview.asWebviewUri(vscode.Uri.file(loaded.sourcePath)).toString(),
      stale,
      savedPath,
      restore: { resultPath: loaded.path },
    });
  }

  /** Shows why a result or a run failed, in the panel and as a notification. */
  fail(error: unknown): void {
    if (error instanceof DOMException && error.name === 'AbortError') {
      this.update({ state: 'cancelled', progress: null, error: null });
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    const userError = error instanceof ChildRunError && error.kind === 'input';
    this.services.log.error(error instanceof Error ? (error.stack ?? message) : message);
    this.update({
      state: 'error',
      progress: null,
      error: userError
        ? message
        : `${message.split('\n')[0] ?? message} (details in the PropSweep log)`,
    });
    void vscode.window
      .showErrorMessage(`PropSweep: ${message.split('\n')[0] ?? message}`, 'Show Log')
      .then((choice) => {
        if (choice === 'Show Log') this.services.log.show();
      });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.watchdog.dispose();
    this.running?.abort();
    if (ExplanationPanel.live === this) ExplanationPanel.live = undefined;
    for (const d of [...this.disposables.splice(0), ...this.webviewDisposables.splice(0)])
      d.dispose();
    this.panel.dispose();
  }

  private async receive(message: WebviewMessage): Promise<void> {
    try {
      switch (message.type) {
        case 'panel/ready':
          this.watchdog.ready();
          await this.post({
            type: 'panel/snapshot',
            version: PANEL_PROTOCOL_VERSION,
            snapshot: this.snapshot,
          });
          break;
        case 'panel/cancel':
          this.running?.abort();
          break;
        case 'panel/rerun':
          if (this.request !== undefined && !this.snapshot.readOnly && vscode.workspace.isTrusted)
            await this.run(this.request);
          break;
        case 'panel/save':
          await this.save();
          break;
        case 'panel/exportHtml':
          await this.exportHtml();
          break;
        case 'panel/exportMarkdown':
          await this.exportMarkdown();
          break;
        case 'panel/exportPng':
          await this.exportPng(message.dataUrl);
          break;
        case 'panel/exportPngFailed':
          void vscode.window.showErrorMessage(
            `PropSweep could not draw the PNG: ${message.error}.`,
          );
          break;
        case 'panel/setAdjustment':
          this.update({ adjustment: message.adjustment });
          break;
        default:
          assertNever(message);
      }
    } catch (error) {
      this.fail(error);
    }
  }

  private async save(): Promise<void> {
    const loaded = this.loaded;
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (loaded === undefined) return;
    if (folder === undefined) {
      void vscode.window.showWarningMessage(
        'PropSweep saves results into the workspace: open a folder first.',
      );
      return;
    }
    const saveFolder = vscode.workspace
      .getConfiguration('propsweep')
      .get<string>('saveFolder', 'explanations');
    const name =
      loaded.path
        .split(/[\\/]/)
        .at(-1)
        ?.replace(/\.propsweep\.json$/, '') ?? 'explanation';
    const target = await saveResultTo(loaded, join(folder.uri.fsPath, saveFolder), name);
    this.loaded = await loadResult(target);
    const shown = relative(folder.uri.fsPath, target);
    this.update({ savedPath: shown, restore: { resultPath: target } });
    const choice = await vscode.window.showInformationMessage(
      `PropSweep saved ${shown}. Commit it: reviewers open the same panel.`,
      'Open File',
    );
    if (choice === 'Open File')
      await vscode.commands.executeCommand(
        'vscode.openWith',
        vscode.Uri.file(target),
        'propsweep.result',
      );
  }

  private async exportHtml(): Promise<void> {
    const loaded = this.loaded;
    if (loaded === undefined) return;
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(loaded.path.replace(/\.propsweep\.json$/, '.html')),
      filters: { HTML: ['html'] },
    });
    if (target === undefined) return;
    const uris = await pngDataUris(loaded.framePaths);
    await writeFile(
      target.fsPath,
      renderReport(this.snapshot.title, [
        { title: this.snapshot.title, result: loaded.result, frameUris: uris },
      ]),
    );
    void vscode.window.showInformationMessage(`PropSweep exported ${target.fsPath}.`);
  }

  private async exportMarkdown(): Promise<void> {
    const loaded = this.loaded;
    if (loaded === undefined) return;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const saved = this.snapshot.savedPath !== null && folder !== undefined;
    const link = (k: number): string =>
      relative(folder ?? '', loaded.framePaths[k] ?? '')
        .split('\\')
        .join('/');
    const text = markdownSnippet(
      loaded.result,
      saved ? { first: link(0), last: link(loaded.framePaths.length - 1) } : undefined,
    );
    await vscode.env.clipboard.writeText(text);
    void vscode.window.showInformationMessage(
      saved
        ? 'PropSweep copied a Markdown summary with frame links to the clipboard.'
        : 'PropSweep copied a Markdown summary to the clipboard (save the result to include frame images).',
    );
  }

  private async exportPng(dataUrl: string): Promise<void> {
    const base =
      this.loaded?.path.replace(/\.propsweep\.json$/, '.png') ??
      join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', 'propsweep.png');
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(base),
      filters: { PNG: ['png'] },
    });
    if (target === undefined) return;
    await writeFile(
      target.fsPath,
      Buffer.from(dataUrl.slice('data:image/png;base64,'.length), 'base64'),
    );
    void vscode.window.showInformationMessage(`PropSweep exported ${target.fsPath}.`);
  }

  /** Asks the webview to draw itself as PNG (it answers with panel/exportPng). */
  requestPng(): Thenable<boolean> {
    return this.post({ type: 'panel/requestPng' });
  }

  private update(change: Partial<PanelSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...change };
    void this.post({
      type: 'panel/snapshot',
      version: PANEL_PROTOCOL_VERSION,
      snapshot: this.snapshot,
    });
  }

  private post(message: HostMessage): Thenable<boolean> {
    return this.disposed ? Promise.resolve(false) : this.panel.webview.postMessage(message);
  }

  /** The webview may load the extension's assets, the shown result's folder and its source. */
  private roots(): vscode.Uri[] {
    const roots = [
      vscode.Uri.joinPath(this.services.extensionUri, 'media'),
      vscode.Uri.joinPath(this.services.extensionUri, 'dist'),
    ];
    if (this.loaded !== undefined) {
      roots.push(vscode.Uri.file(dirname(this.loaded.path)));
      if (this.loaded.sourcePath !== null)
        roots.push(vscode.Uri.file(dirname(this.loaded.sourcePath)));
    }
    return roots;
  }
}

/** Settings and trust as the panel shows them. */
function settingsSnapshot(): Pick<
  PanelSnapshot,
  'canRun' | 'runBlockedReason' | 'alpha' | 'effectThreshold' | 'adjustment'
> {
  const config = vscode.workspace.getConfiguration('propsweep');
  const trusted = vscode.workspace.isTrusted;
  return {
    canRun: trusted,
    runBlockedReason: trusted
      ? null
      : 'This workspace is in restricted mode: PropSweep shows results but runs no models or editors. Trust the workspace to run explanations.',
    alpha: config.get<number>('alpha', 0.01),
    effectThreshold: config.get<number>('effectThreshold', 0.05),
    adjustment: config.get<'none' | 'holm' | 'bh'>('adjustment', 'holm'),
  };
}

function html(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(18).toString('base64url');
  const script = webview
    .asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js'))
    .toString();
  const style = webview
    .asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'panel.css'))
    .toString();
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
