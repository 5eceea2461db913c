// Extension host entry. Activation only registers commands, the result editor and the panel
// serializer: nothing heavy loads here; models, editors and natives run in the child process.
import { join } from 'node:path';

import * as vscode from 'vscode';

import {
  explainDemo,
  explainProperty,
  runsFolder,
  type ExplainContext,
} from './commands/explainProperty';
import {
  MeasureDocuments,
  measureDocuments,
  measurePredictions,
} from './commands/measurePredictions';
import { EDITOR_MODEL_HELP_COMMAND, showEditorModelHelp } from './commands/editorModelHelp';
import { explainFolder } from './commands/explainFolder';
import { frameCacheLocation } from './commands/settings';
import { workspaceConsent } from './commands/workspaceConsent';
import { watchSettings, workspaceSettings } from './commands/workspaceSettings';
import { ChildService } from './inference/childService';
import { ExplanationPanel, type PanelServices } from './panel/explanationPanel';
import { FOLDER_VIEW_TYPE, FolderEditorProvider, FolderPanelSerializer } from './panel/folderPanel';
import { PanelSerializer, ResultEditorProvider } from './panel/resultEditor';
import { FrameCache } from './store/frameCache';
import { pruneRuns, RUNS_KEPT } from './store/runFolders';

/** Called by VS Code on the first use of a contribution. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('PropSweep', { log: true });
  const children = new ChildService(
    context.asAbsolutePath(join('dist', 'inferenceChild.js')),
    (text) => {
      log.info(text.trimEnd());
    },
    () => workspaceSettings(log).cpuThreads,
  );
  const statusBar = vscode.window.createStatusBarItem(
    'propsweep.run',
    vscode.StatusBarAlignment.Left,
    10,
  );
  statusBar.name = 'PropSweep';
  const storagePath = context.globalStorageUri.fsPath;
  const cache = (): FrameCache => {
    const { dir, maxBytes } = frameCacheLocation(workspaceSettings(log), storagePath);
    return new FrameCache(dir, maxBytes);
  };
  const services: PanelServices = {
    extensionUri: context.extensionUri,
    children,
    log,
    statusBar,
    settings: () => workspaceSettings(log),
    allowCommands: workspaceConsent(context.workspaceState),
    afterRun: () => {
      // Storage stays bounded: runs beyond the newest RUNS_KEPT go, but not one a panel shows.
      const runs = runsFolder(storagePath);
      void pruneRuns(runs, RUNS_KEPT, ExplanationPanel.shownResults()).catch((error: unknown) => {
        log.warn(`Old runs were not removed from ${runs}: ${String(error)}`);
      });
      void cache()
        .prune()
        .then(
          ({ removed }) => {
            if (removed > 0)
              log.info(`Removed ${removed} least recently used images from the cache.`);
          },
          (error: unknown) => {
            log.warn(`The edited-image cache was not pruned: ${String(error)}`);
          },
        );
    },
  };
  const explain: ExplainContext = {
    extensionPath: context.extensionPath,
    services,
    workspaceState: context.workspaceState,
    storagePath,
  };
  context.subscriptions.push(
    log,
    statusBar,
    watchSettings(),
    {
      dispose: () => {
        children.dispose();
      },
    },
    vscode.commands.registerCommand('propsweep.explainProperty', (uri?: vscode.Uri) =>
      explainProperty(explain, uri),
    ),
    vscode.commands.registerCommand('propsweep.explainDemo', () => explainDemo(explain)),
    vscode.commands.registerCommand('propsweep.explainFolder', (uri?: vscode.Uri) =>
      explainFolder(explain, uri),
    ),
    vscode.commands.registerCommand('propsweep.watchCheckpoints', (uri?: vscode.Uri) =>
      ExplanationPanel.watchLive(uri?.fsPath),
    ),
    vscode.commands.registerCommand(EDITOR_MODEL_HELP_COMMAND, () =>
      showEditorModelHelp(context.extensionPath, log),
    ),
    vscode.commands.registerCommand('propsweep.measurePredictions', (uri?: vscode.Uri) =>
      measurePredictions(children, log, uri),
    ),
    vscode.workspace.registerTextDocumentContentProvider(MeasureDocuments.scheme, measureDocuments),
    vscode.commands.registerCommand('propsweep.showLog', () => {
      log.show();
    }),
    vscode.commands.registerCommand('propsweep.clearCache', async () => {
      // Only the cache's own entries: the folder may be one the user chose.
      await cache().clear();
      void vscode.window.showInformationMessage('PropSweep cleared the edited-image cache.');
    }),
    vscode.window.registerCustomEditorProvider(
      'propsweep.result',
      new ResultEditorProvider(services),
      {
        webviewOptions: { enableFindWidget: false },
        supportsMultipleEditorsPerDocument: true,
      },
    ),
    vscode.window.registerWebviewPanelSerializer(
      'propsweep.explanation',
      new PanelSerializer(services),
    ),
    vscode.window.registerCustomEditorProvider(
      FOLDER_VIEW_TYPE,
      new FolderEditorProvider(services),
      { webviewOptions: { enableFindWidget: true }, supportsMultipleEditorsPerDocument: true },
    ),
    vscode.window.registerWebviewPanelSerializer(
      FOLDER_VIEW_TYPE,
      new FolderPanelSerializer(services),
    ),
  );
}

/** Everything is in context.subscriptions; VS Code disposes it. */
export function deactivate(): void {
  // nothing else to release
}
