// The aggregate panel of a folder run: one webview showing a `NAME.propsweep-folder.json` (opened
// from the explorer as a custom editor, after Explain Property Across Images, or restored after a
// reload). The webview asks for its snapshot with `folder/ready` and gets each change after that
// once (folderSnapshots.ts); each of its requests (open an image's result, export) is answered
// with `folder/answer`, with the error when it failed. The webview may load only the extension's
// assets and the summary's own folder. The summary file is watched: when a run on the command line
// or a merge writes it again, the panel shows the new file.
import { basename, dirname, join } from 'node:path';

import * as vscode from 'vscode';

import { shown } from '../../shared/coerce';
import {
  EMPTY_FOLDER_SNAPSHOT,
  isFolderWebviewMessage,
  MAX_FOLDER_TEXT,
  refusedRequestId,
  type FolderHostMessage,
  type FolderRequest,
  type FolderWebviewMessage,
} from '../../shared/folderProtocol';
import { assertNever } from '../../shared/protocol';
import { fileStamp } from '../files/fileDigests';
import { exportFolderHtml, exportFolderMarkdown, exportFolderPng } from './folderExports';
import { loadFolderRun, rowResultPath, type LoadedFolder } from './folderFiles';
import { FolderSnapshots } from './folderSnapshots';
import { panelHtml } from './panelHtml';
import { resourceRootPaths } from './resourceRoots';

/** The view type of the aggregate panel (package.json: activation, serializer, custom editor). */
export const FOLDER_VIEW_TYPE = 'propsweep.folder';

/** How long the panel waits for a summary file to settle after a change on disk. */
const RELOAD_DELAY_MS = 300;

/**
 * How often a visible panel also looks at its summary's stamp (one stat), besides the file
 * watcher: VS Code's watcher missed a rewrite of a summary in a folder created just before it,
 * three writes 10 s apart, in 4 of 9 runs of its VS Code test on this 2-core machine.
 */
const POLL_MS = 2000;

/** What the aggregate panel needs from the extension. */
export interface FolderPanelServices {
  readonly extensionUri: vscode.Uri;
  readonly log: vscode.LogOutputChannel;
}

/** One aggregate panel. */
export class FolderPanel implements vscode.Disposable {
  /** The panels this extension opened, by summary path: a second open of one reveals it. */
  private static readonly opened = new Map<string, FolderPanel>();

  /** Sent to the page when it says folder/ready, and on each change after that. */
  private readonly snapshots = new FolderSnapshots((message) => this.post(message));
  private loaded: LoadedFolder | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly refusedReasons = new Set<string>();
  private disposed = false;
  /** The summary file watched, and the watcher. */
  private watched: { readonly path: string; readonly watcher: vscode.Disposable } | undefined;
  /** The size, time and inode of the summary file as it was last read, to skip events of no change. */
  private shownStamp: string | undefined;
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;
  /** Loads started: a load that is not the latest when it finishes is not shown. */
  private loads = 0;

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly services: FolderPanelServices,
    /** A custom editor's panel keeps the file name VS Code gives it as its title. */
    private readonly ownTitle: boolean,
  ) {
    this.setRoots(undefined);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) => {
        if (isFolderWebviewMessage(message)) {
          void this.receive(message);
          return;
        }
        services.log.warn(`Ignored a malformed message from the folder panel: ${shown(message)}`);
        // A malformed request is answered too: the page waits for its answer.
        const id = refusedRequestId(message);
        if (id !== null)
          void this.post({
            type: 'folder/answer',
            id,
            ok: false,
            error: 'the request was malformed',
          });
      }),
      panel.onDidDispose(() => {
        this.dispose();
      }),
    );
  }

  /** Opens (or reveals) the panel of the summary at `summaryPath`; `note` is shown over it. */
  static async show(
    services: FolderPanelServices,
    summaryPath: string,
    note: string | null = null,
  ): Promise<FolderPanel> {
    const existing = FolderPanel.opened.get(summaryPath);
    if (existing !== undefined && !existing.disposed) {
      existing.panel.reveal(undefined, true);
      await existing.load(summaryPath, note);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      FOLDER_VIEW_TYPE,
      'PropSweep',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true },
    );
    const shown = new FolderPanel(panel, services, true);
    FolderPanel.opened.set(summaryPath, shown);
    await shown.load(summaryPath, note);
    return shown;
  }

  /** A custom editor's panel, or one VS Code restores after a reload. */
  static attach(
    panel: vscode.WebviewPanel,
    services: FolderPanelServices,
    ownTitle: boolean,
  ): FolderPanel {
    return new FolderPanel(panel, services, ownTitle);
  }

  /**
   * Reads, checks and shows the summary at `summaryPath`, and watches it; a problem is shown in
   * the panel (and, unless the file changed on disk while shown, in a message).
   */
  async load(summaryPath: string, note: string | null = null, fromDisk = false): Promise<void> {
    this.watch(summaryPath);
    const shownPath = short(vscode.workspace.asRelativePath(summaryPath));
    // Taken before the read: a change during it is another event, with another stamp.
    const stamp = await fileStamp(summaryPath);
    if (fromDisk && stamp === this.shownStamp) return;
    this.shownStamp = stamp;
    // Loads may overlap (the watcher's and the poll's): only the latest is shown.
    const load = ++this.loads;
    try {
      const loaded = await loadFolderRun(summaryPath);
      if (this.disposed || load !== this.loads) return;
      this.loaded = loaded;
      this.setRoots(loaded);
      const { file } = loaded;
      const title = short(
        `PropSweep: ${basename(file.folder) || file.folder} (${file.settings.editor})`,
      );
      if (this.ownTitle) this.panel.title = title;
      const webview = this.panel.webview;
      this.snapshots.update({
        title,
        shownPath,
        file,
        thumbnails: loaded.thumbnails.map((p) =>
          p === null ? '' : webview.asWebviewUri(vscode.Uri.file(p)).toString(),
        ),
        error: null,
        note: note === null ? null : short(note),
        restore: { summaryPath: loaded.path },
      });
    } catch (error) {
      if (this.disposed || load !== this.loads) return;
      const message = error instanceof Error ? error.message : String(error);
      this.services.log.error(`Folder run ${summaryPath}: ${message}`);
      this.loaded = undefined;
      this.snapshots.update({
        ...EMPTY_FOLDER_SNAPSHOT,
        shownPath,
        error: short(message),
        restore: { summaryPath },
      });
      if (!fromDisk) {
        void vscode.window.showErrorMessage(`PropSweep: ${message.split('\n')[0] ?? message}`);
      }
    }
  }

  /**
   * Watches the summary file: a change, a new file or its removal reloads it once it has been
   * still for RELOAD_DELAY_MS (a note shown over the old file does not carry over); a visible
   * panel also looks every POLL_MS.
   */
  private watch(summaryPath: string): void {
    if (this.disposed || this.watched?.path === summaryPath) return;
    this.watched?.watcher.dispose();
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(dirname(summaryPath)), basename(summaryPath)),
    );
    const changed = (): void => {
      clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => {
        void this.load(summaryPath, null, true);
      }, RELOAD_DELAY_MS);
    };
    // A reload with the stamp shown returns after its stat.
    const poll = setInterval(() => {
      if (this.panel.visible) void this.load(summaryPath, null, true);
    }, POLL_MS);
    this.watched = {
      path: summaryPath,
      watcher: vscode.Disposable.from(
        watcher,
        watcher.onDidChange(changed),
        watcher.onDidCreate(changed),
        watcher.onDidDelete(changed),
        {
          dispose: () => {
            clearInterval(poll);
          },
        },
      ),
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.reloadTimer);
    this.watched?.watcher.dispose();
    for (const [path, panel] of FolderPanel.opened)
      if (panel === this) FolderPanel.opened.delete(path);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  /** The webview may load the extension's media and dist, and the summary's folder. */
  private setRoots(loaded: LoadedFolder | undefined): void {
    const roots = resourceRootPaths(
      this.services.extensionUri.fsPath,
      loaded === undefined ? undefined : join(loaded.folder, basename(loaded.path)),
    );
    const webview = this.panel.webview;
    const next = roots.join('\n');
    const current = (webview.options.localResourceRoots ?? []).map((u) => u.fsPath).join('\n');
    if (next === current && webview.html !== '') return;
    // New roots reload the page, which then says folder/ready and gets the snapshot again (not
    // before: a snapshot posted to a page still loading would be a second copy).
    this.snapshots.newPage();
    webview.options = {
      enableScripts: true,
      localResourceRoots: roots.map((p) => vscode.Uri.file(p)),
    };
    webview.html = panelHtml(webview, this.services.extensionUri, {
      script: 'folderWebview.js',
      styles: ['panel.css', 'folder.css'],
    });
  }

  private async receive(message: FolderWebviewMessage): Promise<void> {
    switch (message.type) {
      case 'folder/ready':
        await this.snapshots.ready();
        break;
      case 'folder/openImage':
      case 'folder/exportHtml':
      case 'folder/exportMarkdown':
      case 'folder/exportPng':
        await this.answer(message);
        break;
      case 'folder/exportPngFailed':
        void vscode.window.showErrorMessage(`PropSweep could not draw the PNG: ${message.error}.`);
        break;
      case 'folder/invalid':
        this.refused(message.reason);
        break;
      default:
        assertNever(message);
    }
  }

  /** Carries out a request of the webview and always answers it, with the error if it failed. */
  private async answer(request: FolderRequest): Promise<void> {
    let error: string | null = null;
    try {
      await this.carryOut(request);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      this.services.log.error(
        `Folder panel, ${request.type}: ${e instanceof Error ? (e.stack ?? error) : error}`,
      );
      void vscode.window
        .showErrorMessage(`PropSweep: ${error.split('\n')[0] ?? error}`, 'Show Log')
        .then((choice) => {
          if (choice === 'Show Log') this.services.log.show();
        });
    }
    await this.post({
      type: 'folder/answer',
      id: request.id,
      ok: error === null,
      error: error === null ? null : short(error),
    });
  }

  private async carryOut(request: FolderRequest): Promise<void> {
    const loaded = this.loaded;
    if (loaded === undefined) throw new Error('no folder run is shown');
    const log = (line: string): void => {
      this.services.log.warn(line);
    };
    switch (request.type) {
      case 'folder/openImage': {
        const path = await rowResultPath(loaded, request.row);
        // The image's own panel, read-only as any saved result (see ResultEditorProvider).
        await vscode.commands.executeCommand(
          'vscode.openWith',
          vscode.Uri.file(path),
          'propsweep.result',
          { viewColumn: vscode.ViewColumn.Beside, preview: true },
        );
        break;
      }
      case 'folder/exportHtml':
        await exportFolderHtml(loaded, this.snapshots.snapshot.title, log);
        break;
      case 'folder/exportMarkdown':
        await exportFolderMarkdown(loaded);
        break;
      case 'folder/exportPng':
        await exportFolderPng(loaded, request.dataUrl);
        break;
      default:
        assertNever(request);
    }
  }

  /** The webview refused an update: logged, and shown once per reason. */
  private refused(reason: string): void {
    this.services.log.error(`The PropSweep folder panel refused an update: ${reason}`);
    if (this.refusedReasons.has(reason)) return;
    this.refusedReasons.add(reason);
    void vscode.window.showErrorMessage(
      `PropSweep: the panel cannot show this folder run: ${reason}.`,
    );
  }

  private post(message: FolderHostMessage): Thenable<boolean> {
    return this.disposed ? Promise.resolve(false) : this.panel.webview.postMessage(message);
  }
}

/** A text bounded as the protocol allows (a very long path still goes through). */
function short(text: string): string {
  return text.length <= MAX_FOLDER_TEXT ? text : `${text.slice(0, MAX_FOLDER_TEXT - 1)}…`;
}

/** Opens `*.propsweep-folder.json` as the aggregate panel (read-only; works in restricted mode). */
export class FolderEditorProvider implements vscode.CustomReadonlyEditorProvider {
  constructor(private readonly services: FolderPanelServices) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  async resolveCustomEditor(
    document: vscode.CustomDocument,
    webviewPanel: vscode.WebviewPanel,
  ): Promise<void> {
    await FolderPanel.attach(webviewPanel, this.services, false).load(document.uri.fsPath);
  }
}

/** Restores aggregate panels after a reload from the summary path kept in the webview's state. */
export class FolderPanelSerializer implements vscode.WebviewPanelSerializer {
  constructor(private readonly services: FolderPanelServices) {}

  async deserializeWebviewPanel(webviewPanel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const panel = FolderPanel.attach(webviewPanel, this.services, true);
    const path = (state as { restore?: { summaryPath?: unknown } } | undefined)?.restore
      ?.summaryPath;
    if (typeof path === 'string') await panel.load(path);
  }
}
