// Explain Property Across Images: the choices of Explain Property (property, classifiers, steps,
// permutations) for every image of a folder, run in the inference child with a cancellable
// progress notification ("Image k of n"), then the aggregate panel. Each image's mask is matched
// by the engine (NAME.mask.png beside it), so no mask is asked for. The output goes into the
// workspace's save folder under a name made of the folder and the property, so that running the
// same choices again resumes a run that was cancelled, crashed or lost with its window.
import { existsSync, readdirSync, type Dirent } from 'node:fs';
import { basename, join } from 'node:path';

import * as vscode from 'vscode';

import { FOLDER_FILE_SUFFIX } from '../../shared/folderFile';
import { resultName } from '../../shared/names';
import { ChildRunError, StoppedAtOnceError } from '../inference/childClient';
import { FolderPanel } from '../panel/folderPanel';
import {
  buildRequest,
  pickPreset,
  pickRun,
  presetInputs,
  rememberChoices,
  trusted,
  type ExplainContext,
} from './explainProperty';
import { folderRequest, type FolderRequest } from './folderRequest';
import { workspaceSettings } from './workspaceSettings';
import type { Settings } from './settings';

/** Explain Property Across Images on `uri` (a folder; asked for when absent). */
export async function explainFolder(
  context: ExplainContext,
  uri: vscode.Uri | undefined,
): Promise<void> {
  if (!(await trusted())) return;
  const folder = uri?.fsPath ?? (await pickFolder());
  if (folder === undefined) return;
  const state = context.workspaceState;
  const settings = workspaceSettings(context.services.log);
  const entries = safeList(folder);
  const hasMasks = entries.some((e) => e.isFile() && e.name.toLowerCase().endsWith('.mask.png'));
  const preset = await pickPreset(state, settings, hasMasks);
  if (preset === undefined) return;
  // Masks are per image (matched by the engine): '' stands for "given", so none is asked for.
  const extra = await presetInputs(context, settings, preset, folder, '');
  if (extra === undefined) return;
  const run = await pickRun(
    context,
    settings,
    preset,
    'images from strength 0 to 1, for every image of the folder',
  );
  if (run === undefined) return;
  const recursive = await pickRecursive(entries);
  if (recursive === undefined) return;
  await rememberChoices(state, preset, extra, run);
  const single = buildRequest(
    context,
    settings,
    folder,
    preset,
    { params: extra.params },
    run.picked.choices,
    run.steps,
    run.permutations,
  );
  // A folder's name is not an image's: its last dot is no extension (resultName drops one).
  const name = resultName(`${basename(folder)}.folder`, preset.id);
  const request = folderRequest(single, {
    outDir: folderOutDir(settings, context.storagePath, name),
    folder,
    recursive,
    limit: null,
    shard: null,
    adjustment: folderAdjustment(settings),
    name,
  });
  await runFolder(context, request);
}

/** Runs `request` with a progress notification and opens the aggregate panel. */
export async function runFolder(context: ExplainContext, request: FolderRequest): Promise<void> {
  const { services } = context;
  if (!(await services.allowCommands(request.models))) return;
  const summaryPath = join(request.outDir, `${request.name}${FOLDER_FILE_SUFFIX}`);
  const controller = new AbortController();
  const panelServices = { extensionUri: services.extensionUri, log: services.log };
  try {
    const value = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `PropSweep: ${basename(request.folder)}`,
        cancellable: true,
      },
      async (progress, token) => {
        const subscription = token.onCancellationRequested(() => {
          controller.abort();
        });
        try {
          const child = await services.children.get();
          let last = 0;
          return await child.explainFolder(request, {
            signal: controller.signal,
            onProgress: (p) => {
              // The bar follows the images; the message says which one and what it is doing.
              const fraction =
                p.phase === 'image' && p.done !== undefined && p.total !== undefined && p.total > 0
                  ? (100 * p.done) / p.total
                  : undefined;
              const increment = fraction === undefined ? undefined : Math.max(0, fraction - last);
              if (fraction !== undefined) last = Math.max(last, fraction);
              progress.report({
                message: p.message,
                ...(increment !== undefined && { increment }),
              });
            },
          });
        } finally {
          subscription.dispose();
        }
      },
    );
    services.log.info(`Explained ${request.folder} with ${request.editor}: ${value.summaryPath}`);
    await FolderPanel.show(panelServices, value.summaryPath);
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') {
      await offerDone(panelServices, summaryPath, error instanceof StoppedAtOnceError);
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    services.log.error(error instanceof Error ? (error.stack ?? message) : message);
    const userError = error instanceof ChildRunError && error.kind === 'input';
    const choice = await vscode.window.showErrorMessage(
      `PropSweep: ${message.split('\n')[0] ?? message}`,
      ...(userError ? [] : ['Show Log']),
    );
    if (choice === 'Show Log') services.log.show();
  } finally {
    services.afterRun();
  }
}

/** After a cancel: the images done are kept; offers to open them (a new run resumes the rest). */
async function offerDone(
  services: { extensionUri: vscode.Uri; log: vscode.LogOutputChannel },
  summaryPath: string,
  killed: boolean,
): Promise<void> {
  if (!existsSync(summaryPath)) {
    // Killed, the run wrote no summary, but its journal keeps the images it had done.
    void vscode.window.showInformationMessage(
      killed
        ? 'PropSweep: cancelled. The run did not stop in time and was stopped before it wrote its summary; the images it had done are kept, and the same run again resumes after them.'
        : 'PropSweep: cancelled before any image was done.',
    );
    return;
  }
  const choice = await vscode.window.showInformationMessage(
    'PropSweep: cancelled. The images already done are kept, and the same run again resumes after them.',
    'Open What Is Done',
  );
  if (choice === 'Open What Is Done')
    await FolderPanel.show(
      services,
      summaryPath,
      'This run was cancelled: the panel shows the images done before it stopped. Run Explain Property Across Images again with the same choices to finish it.',
    );
}

/**
 * Where a folder run writes: `<saveFolder>/<name>` in the workspace (to commit, and to resume),
 * or the extension's storage when no folder is open.
 */
export function folderOutDir(settings: Settings, storagePath: string, name: string): string {
  const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return workspace === undefined
    ? join(storagePath, 'folders', name)
    : join(workspace, settings.saveFolder, name);
}

/** The folder run's adjustment: the setting's, or Holm when it is 'none' (many images are many tests). */
export function folderAdjustment(settings: Settings): 'holm' | 'bh' {
  return settings.adjustment === 'bh' ? 'bh' : 'holm';
}

/** With subfolders, asks whether to take their images too; a flat folder needs no question. */
async function pickRecursive(entries: readonly Dirent[]): Promise<boolean | undefined> {
  // Hidden and symlinked folders are not entered by the run, so they do not count.
  const subfolders = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.'));
  if (subfolders.length === 0) return false;
  const picked = await vscode.window.showQuickPick(
    [
      { label: 'This folder only', recursive: false },
      {
        label: 'With its subfolders',
        description: `${subfolders.length} ${subfolders.length === 1 ? 'subfolder' : 'subfolders'}`,
        recursive: true,
      },
    ],
    { title: 'PropSweep: which images?', ignoreFocusOut: true },
  );
  return picked?.recursive;
}

function safeList(folder: string): Dirent[] {
  try {
    return readdirSync(folder, { withFileTypes: true });
  } catch {
    return [];
  }
}

async function pickFolder(): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    openLabel: 'Explain these images',
  });
  return picked?.[0]?.fsPath;
}
