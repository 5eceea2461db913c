import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';

import * as vscode from 'vscode';

import { shown } from '../../shared/coerce';
import {
  assertNever,
  isWebviewMessage,
  PANEL_PROTOCOL_VERSION,
  type HostMessage,
  EMPTY_SNAPSHOT,
  type PanelSnapshot,
  type WebviewMessage,
} from '../../shared/protocol';
import { HELP_COMMANDS, type ErrorHelpTopic, type ModelSpec } from '../../shared/childProtocol';
import type { Settings } from '../commands/settings';
import { ChildRunError } from '../inference/childClient';
import type { ChildService } from '../inference/childService';
import { folderOnDisk } from '../files/checkpointWatch';
import { writeAtomic } from '../store/atomic';
import { loadResult, staleModels, type LoadedResult } from '../store/resultFiles';
import { newRunName } from '../store/runFolders';
import {
  firstPoint,
  templateCheckpoint,
  watchTemplate,
  type TrackPart,
  type WatchTemplate,
} from './checkpointTrack';
import {
  announceSaved,
  exportHtml,
  exportMarkdown,
  exportPng,
  saveToWorkspace,
} from './panelExports';
import { panelHtml, webviewOptions } from './panelHtml';
import { previewUpdate, unwrittenProblem, type PreviewFramesMessage } from './panelPreview';
import { explainWithProgress, showRunning, type RunRequest } from './panelRun';
import { checkpointNames, PanelWatch } from './panelWatch';
import { ReadyWatchdog } from './readyWatchdog';
import { resultRoots, shownSourcePath } from './resourceRoots';

export type { RunRequest } from './panelRun';

/** The button that opens each help topic of an error. */
const HELP_BUTTONS: Readonly<Record<ErrorHelpTopic, string>> = {
  'editor-model': 'How to Export...',
};

/** What every panel needs from the extension. */
export interface PanelServices {
  readonly extensionUri: vscode.Uri;
  readonly children: ChildService;
  readonly log: vscode.LogOutputChannel;
  readonly statusBar: vscode.StatusBarItem;
  /** Called after every run: the cache and the old runs' folders are pruned to their limits. */
  readonly afterRun: () => void;
  /** The `propsweep.*` settings, validated (bad values reported and replaced by defaults). */
  readonly settings: () => Settings;
  /**
   * Whether a run of these models may start: a classifier command runs only in a trusted
   * workspace, once the user allowed its command line there (see commandConsent.ts).
   */
  readonly allowCommands: (models: readonly ModelSpec[]) => Promise<boolean>;
}

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
  /** Every open panel, so that pruning old runs spares the results they show. */
  private static readonly open = new Set<ExplanationPanel>();

  /** The result files the open panels show (a run folder holding one must not be removed). */
  static shownResults(): string[] {
    return [...ExplanationPanel.open].flatMap((p) =>
      p.loaded === undefined ? [] : [p.loaded.path],
    );
  }

  private panel: vscode.WebviewPanel;
  private snapshot: PanelSnapshot;
  private loaded: LoadedResult | undefined;
  private request: RunRequest | undefined;
  private running: AbortController | undefined;
  /** The shown preview's pixels, posted again to a webview that reloads (see panelPreview.ts). */
  private previewFrames: PreviewFramesMessage | undefined;
  private previews = 0;
  /** The checkpoint watch of this panel (Watch Checkpoints), while one runs. */
  private watching: PanelWatch | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** Listeners of the current webview (a stuck one is replaced, see reopenIfStuck). */
  private readonly webviewDisposables: vscode.Disposable[] = [];
  private readonly watchdog: ReadyWatchdog;
  /** Reasons of refused updates already shown to the user (see refused). */
  private readonly refusedReasons = new Set<string>();
  private disposed = false;

  private constructor(
    panel: vscode.WebviewPanel,
    private readonly services: PanelServices,
    readOnly: boolean,
    /** Whether this panel is ours to open again (not a custom editor's or a restored one). */
    private readonly reopenable: boolean,
  ) {
    this.panel = panel;
    ExplanationPanel.open.add(this);
    this.snapshot = { ...EMPTY_SNAPSHOT, ...settingsSnapshot(services.settings()), readOnly };
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
        this.update(settingsSnapshot(this.services.settings()));
      }),
    );
  }

  private attachWebview(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.webview.options = webviewOptions(this.services.extensionUri, this.loaded?.path);
    panel.webview.html = panelHtml(panel.webview, this.services.extensionUri);
    this.webviewDisposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) => {
        if (isWebviewMessage(message)) void this.receive(message);
        else
          this.services.log.warn(`Ignored a malformed message from the panel: ${shown(message)}`);
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

  /** Watch Checkpoints from the explorer or the palette: the live panel watches `dir`. */
  static async watchLive(dir: string | undefined): Promise<void> {
    const live = ExplanationPanel.live;
    if (live === undefined || live.disposed) {
      void vscode.window.showInformationMessage(
        'PropSweep: Watch Checkpoints re-runs the explanation shown in the panel with each new checkpoint. Explain an image first (Explain Property), then watch.',
      );
      return;
    }
    live.panel.reveal(undefined, true);
    await live.watch(dir);
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
    // Asked before anything is superseded: Cancel leaves the panel as it was.
    if (!(await this.services.allowCommands(request.models))) return;
    // A new explanation is not the one the watch re-runs: the watch stops.
    this.stopWatch();
    this.running?.abort();
    const controller = new AbortController();
    this.running = controller;
    this.request = request;
    const title = `PropSweep: ${basename(request.image)}`;
    this.panel.title = title;
    this.update({ title, state: 'running', error: null, progress: { message: 'Starting…' } });
    const { statusBar } = this.services;
    showRunning(statusBar);
    try {
      await explainWithProgress(this.services.children, request, controller, {
        onProgress: (p) => {
          if (this.running === controller) this.update({ progress: p });
        },
        onPreview: (preview) => {
          if (this.running !== controller) return;
          const { frames, change } = previewUpdate(preview, ++this.previews);
          this.previewFrames = frames;
          void this.post(frames);
          this.update(change);
        },
        onResult: async (resultPath) => {
          if (this.running !== controller) return; // superseded while finishing
          this.services.log.info(
            `Explained ${request.image} with ${request.editor}: ${resultPath}`,
          );
          await this.showResult(await loadShownResult(resultPath), null);
        },
      });
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
    this.previewFrames = undefined;
    const webview = this.panel.webview;
    const options = webviewOptions(this.services.extensionUri, loaded.path);
    const reloads = !sameRoots(webview.options, options);
    webview.options = options;
    // New resource roots make VS Code load the page again, which can stall like a first load
    // (see ReadyWatchdog): a live panel waits for the new page to ask for its snapshot again.
    if (reloads && this.reopenable) this.watchdog.arm();
    const sourcePath = shownSourcePath(loaded.path, loaded.sourcePath);
    const title = `PropSweep: ${loaded.result.image.path.split('/').at(-1) ?? ''} (${loaded.result.editor.title})`;
    this.panel.title = this.snapshot.readOnly ? this.panel.title : title;
    this.update({
      title,
      state: 'done',
      progress: null,
      error: null,
      result: loaded.result,
      frameUris: loaded.framePaths.map((p) => webview.asWebviewUri(vscode.Uri.file(p)).toString()),
      preview: null,
      sourceUri:
        sourcePath === null ? null : webview.asWebviewUri(vscode.Uri.file(sourcePath)).toString(),
      // Inside the result's frames folder (checked by loadResult), so inside the webview's roots.
      reconstructionUri:
        loaded.sizedSourcePath === null
          ? null
          : webview.asWebviewUri(vscode.Uri.file(loaded.sizedSourcePath)).toString(),
      stale: [],
      savedPath,
      restore: { resultPath: loaded.path },
    });
    if (!this.snapshot.readOnly) return;
    // Shown first, checked after: hashing large models would delay the result. A model outside
    // the roots, or not a regular file, is reported as not checked rather than followed.
    const stale = await staleModels(loaded.path, loaded.result, loaded.roots);
    if (this.loaded === loaded && stale.length > 0) this.update({ stale });
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
    // An error with a help topic (a missing or incomplete editor model) offers it first.
    const help = error instanceof ChildRunError ? error.help : undefined;
    const buttons = help === undefined ? ['Show Log'] : [HELP_BUTTONS[help], 'Show Log'];
    void vscode.window
      .showErrorMessage(`PropSweep: ${message.split('\n')[0] ?? message}`, ...buttons)
      .then((choice) => {
        if (choice === 'Show Log') this.services.log.show();
        else if (help !== undefined && choice === HELP_BUTTONS[help]) {
          void vscode.commands.executeCommand(HELP_COMMANDS[help]);
        }
      });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.watchdog.dispose();
    this.stopWatch();
    this.running?.abort();
    ExplanationPanel.open.delete(this);
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
          if (this.previewFrames !== undefined) await this.post(this.previewFrames);
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
          await this.act('save the result', () => this.save());
          break;
        case 'panel/exportHtml':
          await this.act('export the HTML report', async () => {
            if (this.loaded !== undefined) await exportHtml(this.loaded, this.snapshot.title);
          });
          break;
        case 'panel/exportMarkdown':
          await this.act('copy the Markdown summary', async () => {
            if (this.loaded !== undefined)
              await exportMarkdown(this.loaded, this.snapshot.savedPath !== null);
          });
          break;
        case 'panel/exportPng':
          await this.act('export the PNG', () => exportPng(this.loaded, message.dataUrl));
          break;
        case 'panel/exportPngFailed':
          void vscode.window.showErrorMessage(
            `PropSweep could not draw the PNG: ${message.error}.`,
          );
          break;
        case 'panel/setAdjustment':
          this.update({ adjustment: message.adjustment });
          break;
        case 'panel/invalid':
          this.refused(message.reason);
          break;
        case 'panel/watch':
          await this.watch(undefined);
          break;
        case 'panel/stopWatch':
          this.stopWatch();
          break;
        default:
          assertNever(message);
      }
    } catch (error) {
      this.fail(error);
    }
  }

  /**
   * Saves or exports the shown result. A failure (a full disk, a frame of a shared result that is
   * not a decodable PNG) is said in a notification; the panel keeps showing the result.
   */
  private async act(what: string, action: () => Promise<unknown>): Promise<void> {
    const unwritten = unwrittenProblem(this.snapshot);
    if (unwritten !== null) {
      void vscode.window.showInformationMessage(`PropSweep cannot ${what}: ${unwritten}.`);
      return;
    }
    try {
      await action();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.services.log.error(
        `Could not ${what}: ${error instanceof Error ? (error.stack ?? message) : message}`,
      );
      const choice = await vscode.window.showErrorMessage(
        `PropSweep could not ${what}: ${message.split('\n')[0] ?? message}`,
        'Show Log',
      );
      if (choice === 'Show Log') this.services.log.show();
    }
  }

  /**
   * The webview refused an update (a bug, or a value no check caught before): logged, and shown
   * once per reason, since a running panel sends many updates a second.
   */
  private refused(reason: string): void {
    this.services.log.error(`The PropSweep panel refused an update from the extension: ${reason}`);
    if (this.refusedReasons.has(reason)) return;
    this.refusedReasons.add(reason);
    void vscode.window
      .showErrorMessage(`PropSweep: the panel cannot show this update: ${reason}.`, 'Show Log')
      .then((choice) => {
        if (choice === 'Show Log') this.services.log.show();
      });
  }

  private async save(): Promise<void> {
    const loaded = this.loaded;
    if (loaded === undefined) return;
    const saved = await saveToWorkspace(loaded, this.services.settings().saveFolder);
    if (saved === undefined) return;
    this.loaded = await loadShownResult(saved.target);
    this.update({ savedPath: saved.shown, restore: { resultPath: saved.target } });
    await announceSaved(saved);
  }

  /**
   * Watches `dir` (asked for when undefined) for new checkpoints and re-runs this panel's finished
   * explanation with each (see panelWatch.ts); a watch already going stops first.
   */
  async watch(dir: string | undefined): Promise<void> {
    const request = this.request;
    const loaded = this.loaded;
    if (this.snapshot.readOnly || request === undefined || loaded === undefined) {
      void vscode.window.showInformationMessage(
        'PropSweep: Watch Checkpoints re-runs the explanation shown in the panel with each new checkpoint. Explain an image first (or Re-run this one), then watch.',
      );
      return;
    }
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(
        'PropSweep runs no models in a restricted workspace. Trust the workspace to watch checkpoints.',
      );
      return;
    }
    const template = watchTemplate(request.models);
    if (typeof template === 'string') {
      void vscode.window.showErrorMessage(`PropSweep: ${template}`);
      return;
    }
    const folder = dir ?? (await pickCheckpointFolder(template));
    if (folder === undefined) return;
    if (!(await this.services.allowCommands([template.spec]))) return;
    this.stopWatch();
    let names: string[];
    try {
      names = await readdir(folder);
    } catch (error) {
      void vscode.window.showErrorMessage(
        `PropSweep cannot watch ${folder}: ${error instanceof Error ? error.message : String(error)}`,
      );
      return;
    }
    const initial = await initialTrack(loaded, template, folder);
    // The panel may have closed, or another watch started, while the folder was read.
    if (this.disposed) return;
    this.stopWatch();
    const shown = vscode.workspace.asRelativePath(folder);
    const log = this.services.log;
    log.info(`Watching ${folder} for new checkpoints (${template.pattern}).`);
    this.watching = new PanelWatch(
      {
        dir: folder,
        base: request,
        template,
        initial,
        known: checkpointNames(names, template),
        runsDir: dirname(request.outDir),
      },
      {
        explain: async (run, options) => (await this.services.children.get()).explain(run, options),
        folder: folderOnDisk(folder),
        writeFile: writeAtomic,
        runName: () => newRunName(),
      },
      {
        onStatus: (message, running) => {
          this.update({ watch: { folder: shown, message, running } });
        },
        onTrack: async (resultPath) => {
          log.info(`Watch Checkpoints: ${resultPath}`);
          await this.showResult(await loadShownResult(resultPath), null);
        },
        onError: (error, checkpoint) => {
          log.error(
            `Watch Checkpoints: ${checkpoint}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          );
        },
        afterRun: () => {
          this.services.afterRun();
        },
      },
    );
  }

  /** Stops the checkpoint watch, if one runs (its run in progress is aborted). */
  stopWatch(): void {
    if (this.watching === undefined) return;
    this.watching.dispose();
    this.watching = undefined;
    this.update({ watch: null });
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
}

/** Settings and trust as the panel shows them. */
function settingsSnapshot(
  settings: Settings,
): Pick<PanelSnapshot, 'canRun' | 'runBlockedReason' | 'alpha' | 'effectThreshold' | 'adjustment'> {
  const trusted = vscode.workspace.isTrusted;
  return {
    canRun: trusted,
    runBlockedReason: trusted
      ? null
      : 'This workspace is in restricted mode: PropSweep shows results but runs no models or editors. Trust the workspace to run explanations.',
    alpha: settings.alpha,
    effectThreshold: settings.effectThreshold,
    adjustment: settings.adjustment,
  };
}

/** The folder to watch: asked for, starting at the template's checkpoint's folder. */
async function pickCheckpointFolder(template: WatchTemplate): Promise<string | undefined> {
  const checkpoint = templateCheckpoint(template);
  const picked = await vscode.window.showOpenDialog({
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    openLabel: 'Watch this folder',
    title: `PropSweep: the folder your training writes checkpoints to (${template.pattern})`,
    ...(checkpoint !== undefined && { defaultUri: vscode.Uri.file(dirname(checkpoint)) }),
  });
  return picked?.[0]?.fsPath;
}

/**
 * The track a watch starts from: the panel's track result, or its one-model result as the first
 * point when that model's checkpoint lies in the watched folder; else none.
 */
async function initialTrack(
  loaded: LoadedResult,
  template: WatchTemplate,
  folder: string,
): Promise<TrackPart | null> {
  const part = { result: loaded.result, dir: dirname(loaded.path) };
  if (loaded.result.track !== undefined) return part;
  const checkpoint = templateCheckpoint(template);
  if (checkpoint === undefined || dirname(resolve(checkpoint)) !== resolve(folder)) return null;
  try {
    return { ...part, result: firstPoint(part, checkpoint, (await stat(checkpoint)).mtimeMs) };
  } catch {
    return null;
  }
}

/** Reads a result to show, with the folders its image and model paths may point into. */
export function loadShownResult(path: string): Promise<LoadedResult> {
  const workspace = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  return loadResult(path, { roots: resultRoots(path, workspace) });
}

/** Whether two webview options allow the same resource roots (VS Code reloads the page if not). */
function sameRoots(a: vscode.WebviewOptions, b: vscode.WebviewOptions): boolean {
  const paths = (o: vscode.WebviewOptions): string =>
    (o.localResourceRoots ?? []).map((u) => u.toString()).join('\n');
  return paths(a) === paths(b);
}
