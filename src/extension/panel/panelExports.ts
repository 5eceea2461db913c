// Save Result and the exports of a shown result: the JSON and its frames into the workspace, a
// self-contained HTML report, a Markdown summary on the clipboard, the PNG the webview drew.
import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

import * as vscode from 'vscode';

import { pngDataUris, pngFileDataUri } from '../share/dataUris';
import { checkPng, PngError } from '../share/pngCheck';
import { markdownSnippet } from '../share/markdown';
import { renderReport } from '../share/reportHtml';
import { storageError } from '../store/errors';
import { saveResultTo, type LoadedResult } from '../store/resultFiles';

/** Where Save Result put a result. */
export interface SavedResult {
  /** The new `*.propsweep.json`. */
  readonly target: string;
  /** Its path relative to the workspace folder, as shown to the user. */
  readonly shown: string;
}

/**
 * Copies a result into `saveFolder` (relative to the first workspace folder) under its own name;
 * undefined, with a warning, when no folder is open.
 */
export async function saveToWorkspace(
  loaded: LoadedResult,
  saveFolder: string,
): Promise<SavedResult | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder === undefined) {
    void vscode.window.showWarningMessage(
      'PropSweep saves results into the workspace: open a folder first.',
    );
    return undefined;
  }
  const name =
    loaded.path
      .split(/[\\/]/)
      .at(-1)
      ?.replace(/\.propsweep\.json$/, '') ?? 'explanation';
  const into = join(folder.uri.fsPath, saveFolder);
  let target: string;
  try {
    target = await saveResultTo(loaded, into, name);
  } catch (error) {
    // A full disk or a read-only folder says so and what to do, not a bare errno.
    throw storageError(error, into) ?? error;
  }
  return { target, shown: relative(folder.uri.fsPath, target) };
}

/** Says where the result went; offers to open the saved file as a reviewer will see it. */
export async function announceSaved(saved: SavedResult): Promise<void> {
  const choice = await vscode.window.showInformationMessage(
    `PropSweep saved ${saved.shown}. Commit it: reviewers open the same panel.`,
    'Open File',
  );
  if (choice === 'Open File')
    await vscode.commands.executeCommand(
      'vscode.openWith',
      vscode.Uri.file(saved.target),
      'propsweep.result',
    );
}

/** Export HTML: asks where, then writes the self-contained report of the result. */
export async function exportHtml(loaded: LoadedResult, title: string): Promise<void> {
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(loaded.path.replace(/\.propsweep\.json$/, '.html')),
    filters: { HTML: ['html'] },
  });
  if (target === undefined) return;
  const uris = await pngDataUris(loaded.framePaths);
  const sourceUri =
    loaded.sizedSourcePath === null ? '' : await pngFileDataUri(loaded.sizedSourcePath);
  await writeFile(
    target.fsPath,
    renderReport(title, [{ title, result: loaded.result, frameUris: uris, sourceUri }]),
  );
  void vscode.window.showInformationMessage(`PropSweep exported ${target.fsPath}.`);
}

/**
 * Export Markdown: copies the summary to the clipboard, with links to the first and last frames
 * when the result is saved in the workspace (links elsewhere would not resolve in a PR).
 */
export async function exportMarkdown(loaded: LoadedResult, saved: boolean): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const linked = saved && folder !== undefined;
  const linkTo = (path: string): string =>
    relative(folder ?? '', path)
      .split('\\')
      .join('/');
  const link = (k: number): string => linkTo(loaded.framePaths[k] ?? '');
  const source = loaded.sizedSourcePath;
  const text = markdownSnippet(
    loaded.result,
    linked
      ? {
          first: link(0),
          last: link(loaded.framePaths.length - 1),
          ...(source === null ? {} : { source: linkTo(source) }),
        }
      : undefined,
  );
  await vscode.env.clipboard.writeText(text);
  void vscode.window.showInformationMessage(
    linked
      ? 'PropSweep copied a Markdown summary with frame links to the clipboard.'
      : 'PropSweep copied a Markdown summary to the clipboard (save the result to include frame images).',
  );
}

/**
 * The bytes of a webview's PNG drawing once they are known to decode (a webview is a page that
 * can be made to send anything); a PngError when they do not.
 */
export async function drawnPng(dataUrl: string): Promise<Buffer> {
  const bytes = Buffer.from(dataUrl.slice('data:image/png;base64,'.length), 'base64');
  await checkPng(bytes, 'The drawing of the panel');
  return bytes;
}

/** Export PNG: checks the webview's drawing, asks where (beside the result by default), writes it. */
export async function exportPng(loaded: LoadedResult | undefined, dataUrl: string): Promise<void> {
  let bytes: Buffer;
  try {
    bytes = await drawnPng(dataUrl);
  } catch (error) {
    if (!(error instanceof PngError)) throw error;
    void vscode.window.showErrorMessage(
      `PropSweep did not export the PNG: ${error.message}. Reopen the panel and export again.`,
    );
    return;
  }
  const base =
    loaded?.path.replace(/\.propsweep\.json$/, '.png') ??
    join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', 'propsweep.png');
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(base),
    filters: { PNG: ['png'] },
  });
  if (target === undefined) return;
  await writeFile(target.fsPath, bytes);
  void vscode.window.showInformationMessage(`PropSweep exported ${target.fsPath}.`);
}
